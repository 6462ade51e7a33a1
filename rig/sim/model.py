"""What a simulated switch port sees of the device plugged into it.

The switch, the power meter and the key actuator are separate simulated boxes wired to the same
phones; they share this small interface instead of reaching into a phone's internals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CdpInfo:
    """What the device advertises over CDP (only while powered and booted far enough)."""

    device_id: str  # SEP001D705F9EA8
    platform: str  # Cisco IP Phone 7942
    ip: str
    port_id: str  # "Port 1"
    capabilities: str  # "Host Phone"
    software: str  # SCCP42.9-4-2SR3-1S
    power_drawn_w: float
    holdtime: int = 163


class PoweredDevice(Protocol):
    """A PoE device on a switch port."""

    name: str
    mac: str  # canonical 12-hex upper

    def power_on(self) -> None: ...

    def power_off(self) -> None: ...

    @property
    def draw_watts(self) -> float: ...  # 0.0 when unpowered

    @property
    def poe_class(self) -> int: ...  # IEEE class the device signals (7942: 2)

    def cdp(self) -> CdpInfo | None: ...  # None when not advertising

    def link_up(self) -> bool: ...  # True once its Ethernet link is up (MAC appears in the table)


class KeyedDevice(Protocol):
    """A device whose keys a solenoid board can press."""

    name: str

    def press_key(self, key: str) -> None: ...
