"""What a simulated phone is beyond its scenario: the identity its pages and CDP give, and the key
path its firmware takes to erase the ITL.

By default every simulated phone is the 7942 of the captures (rig.sim.phone_boot's constants),
its serial number and extension derived from its MAC, and it erases on the keypad script's
softkeys. A bench shaped from a diagnostics bundle (rig.sim.bundle_shape) gives each phone the
identity its real counterpart answered; `simulation.itl_erase_softkeys` gives another key path.
"""

from __future__ import annotations

from dataclasses import dataclass

from rig.sim.loads import BOOT_LOAD
from rig.sim.phone_boot import HARDWARE_REVISION, MODEL, PLATFORM, PRODUCT
from rig.sim.phone_menu import ERASE_SOFTKEYS


@dataclass(frozen=True)
class PhoneShape:
    model: str = MODEL
    """`modelNumber` (CP-7942G)."""
    product: str = PRODUCT
    """The product line of `udi` (Cisco Unified IP Phone 7942G)."""
    platform: str = PLATFORM
    """CDP `Platform:` (Cisco IP Phone 7942)."""
    hardware_revision: str = HARDWARE_REVISION
    boot_load: str = BOOT_LOAD
    serial: str | None = None
    """`serialNumber`; None: derived from the MAC (rig.sim.phone_display.serial_number)."""
    dn: str | None = None
    """`phoneDN`; None: derived from the MAC (rig.sim.phone_display.directory_number)."""
    erase_softkeys: tuple[str, ...] = ERASE_SOFTKEYS
    """The softkeys the unlocked ITL File page takes to erase (rig.sim.phone_menu)."""
