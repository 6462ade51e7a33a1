"""The 7942's timing and power table: how a boot unfolds in device seconds, and its states.

The boot lines are what the simulated console prints; their timing and draw figures are the
simulator's own estimates (a 7942 registers at the 6.3 W its CDP advertises: source, the real
7942 CDP neighbour captures listed in docs/simulator.md, `Power drawn: 6.300 Watts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from rig.sim.loads import BOOT_LOAD

PLATFORM = "Cisco IP Phone 7942"
"""CDP platform string (source: a real `show cdp neighbors detail` with 7942s on SCCP42.8-4-2S,
find_string `SEP0021D8BA0965`; also tests/fixtures/real/cdp/)."""
MODEL = "CP-7942G"
"""modelNumber (source: LLDP-MED `Model: CP-7942G` of a real 7942; the 7962G capture's `CP-7962G`)."""
PRODUCT = "Cisco Unified IP Phone 7942G"
"""udi product line (the 7962G capture's `Cisco Unified IP Phone 7962G`, 7942 analogue)."""
HARDWARE_REVISION = "6.0"
"""LLDP-MED `H/W revision: 6` of a real CP-7942G, in the 7962G capture's `13.0` form."""
POE_CLASS = 2
REGISTERED_WATTS = 6.3
MAX_STATUS_MESSAGES = 30
CONFIG_ATTEMPTS = 3


class PhoneState(str, Enum):
    OFF = "off"
    BOOTING = "booting"
    UPGRADING = "upgrading"
    REGISTERED = "registered"
    STUCK = "stuck"  # gave up on TFTP: old load, cached config
    DARK = "dark"  # the never_returns fault: powered, but nothing comes up


@dataclass(frozen=True)
class BootLine:
    at: float  # device seconds since the boot started
    watts: float
    text: str
    link: bool = False  # Ethernet link is up from here on
    cdp: bool = False  # CDP advertisements from here on


COLD_BOOT: tuple[BootLine, ...] = (
    BootLine(0.0, 2.0, "Cisco IP Phone 7942 boot loader " + BOOT_LOAD),
    BootLine(0.8, 2.2, "Checking flash filesystem ... OK"),
    BootLine(2.0, 2.5, "Loading {load} from flash"),
    BootLine(5.0, 3.4, "ETH: link up, 100 Mbps full duplex", link=True),
    BootLine(8.0, 3.8, "CDP: sending, power requested 6.300 W, voice VLAN query", cdp=True),
    BootLine(12.0, 4.0, "DHCP: DISCOVER on VLAN 0"),
    BootLine(16.0, 4.2, "DHCP: BOUND {ip}, option 150 TFTP servers {tftp}"),
    BootLine(30.0, 5.0, "Starting application {load}"),
    BootLine(48.0, 5.6, "jvm: phone application started"),
    BootLine(62.0, 6.3, "Display: initialized"),
    BootLine(70.0, 6.3, "TFTP: requesting configuration files"),
)
"""A cold boot: about 70 device seconds from power to the first TFTP request."""
BOOT_SPREAD = 0.08
"""Phones differ: each boots up to 8 % faster or slower than COLD_BOOT (fixed per MAC), so a
bench powered up at once does not hit TFTP in lockstep."""
REBOOT_SPEEDUP = 0.6
"""The reboot after an upgrade skips power negotiation and flash checks: 60 % of a cold boot."""
FLASH_SECONDS = 20.0
FLASH_WATTS = 4.8
CONFIG_RETRY_SECONDS = 10.0
ERASE_RESTART_SECONDS = 3.0
REGISTER_SECONDS = 5.0
DARK_BLIP_SECONDS = 1.0
DARK_BLIP_WATTS = 1.0
