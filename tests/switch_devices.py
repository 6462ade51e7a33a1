"""A stand-in for a phone on a switch port: just enough `PoweredDevice` to watch PoE work."""

from __future__ import annotations

from dataclasses import dataclass, field

from rig.sim.model import CdpInfo


@dataclass
class StubPhone:
    """Powered: draws 6.3 W, advertises CDP as a 7942 and has link. Unpowered: nothing."""

    name: str
    mac: str  # canonical 12-hex upper
    ip: str = "10.10.20.31"
    powered: bool = True
    calls: list[str] = field(default_factory=list)

    def power_on(self) -> None:
        self.calls.append("on")
        self.powered = True

    def power_off(self) -> None:
        self.calls.append("off")
        self.powered = False

    @property
    def draw_watts(self) -> float:
        return 6.3 if self.powered else 0.0

    @property
    def poe_class(self) -> int:
        return 2

    def cdp(self) -> CdpInfo | None:
        if not self.powered:
            return None
        return CdpInfo(
            device_id=f"SEP{self.mac}",
            platform="Cisco IP Phone 7942",
            ip=self.ip,
            port_id="Port 1",
            capabilities="Host Phone",
            software="SCCP42.9-4-2SR3-1S",
            power_drawn_w=6.3,
        )

    def link_up(self) -> bool:
        return self.powered
