"""Is the configured phone really on its configured switch port? Asked before a port is touched.

Evidence is what the switch itself reports: the phone's MAC learned on the port, or a CDP
neighbour `SEP<MAC>` on it, or, where CDP is off or silent, an LLDP neighbour whose system name is
`SEP<MAC>` or whose chassis id is the MAC (rig.drivers.ios_lldp); the evidence names which. Powering a
port that holds some other device is the one mistake a bench controller must never make, so
anything short of that evidence is a refusal.

A port that is powered off shows neither (no link, no CDP). `identify_unpowered` covers turning
such a port on: allowed only when PoE is administratively off on the port and the switch sees
no other device on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rig.drivers.ios_lldp import LldpNeighbor
from rig.drivers.ios_parsers import canonical_interface
from rig.drivers.ios_switch import CdpNeighbor, PoePort
from rig.drivers.macaddr import dotted, normalize_mac, sep_name


class PortClaim(Protocol):
    """A phone said to sit on a switch port: a configured phone, or one named by a run's journal."""

    name: str
    mac: str
    switch: str
    port: str


class SwitchView(Protocol):
    def macs_on_port(self, port: str) -> list[str]: ...
    def cdp_neighbors(self) -> list[CdpNeighbor]: ...
    def lldp_neighbors(self) -> list[LldpNeighbor]: ...
    def poe_status(self, port: str | None = None) -> list[PoePort]: ...


@dataclass(frozen=True)
class Identity:
    ok: bool
    evidence: str
    unseen: bool = False
    """Refused only because the switch does not see the phone's MAC on its port right now, with no
    contradiction and no uplink sign: a phone restarting has no link for a moment, so asking again
    once its MAC is learned may prove it."""


def _same_port(a: str, b: str) -> bool:
    try:
        return canonical_interface(a) == canonical_interface(b)
    except ValueError:
        return a.strip().lower() == b.strip().lower()


def _cdp_ids_on(switch: SwitchView, port: str) -> list[str]:
    return [n.device_id for n in switch.cdp_neighbors() if _same_port(n.local_interface, port)]


def _lldp_on(switch: SwitchView, port: str) -> list[LldpNeighbor]:
    return [n for n in switch.lldp_neighbors() if n.local_interface and _same_port(n.local_interface, port)]


def is_phone(device_id: str, mac: str) -> bool:
    try:
        return normalize_mac(device_id) == mac
    except ValueError:
        return False


def identify(switch: SwitchView, phone: PortClaim) -> Identity:
    """ok when the switch sees `phone.mac` on `phone.port` (MAC table first, then CDP, then LLDP)."""
    where = f"{phone.switch} {phone.port}"
    macs = switch.macs_on_port(phone.port)
    if phone.mac in macs:
        return Identity(True, f"MAC {dotted(phone.mac)} learned on {where}")
    cdp = _cdp_ids_on(switch, phone.port)
    if any(is_phone(d, phone.mac) for d in cdp):
        return Identity(True, f"CDP neighbour {sep_name(phone.mac)} on {where}")
    lldp = _lldp_on(switch, phone.port)
    if any(n.mac == phone.mac for n in lldp):
        return Identity(True, f"LLDP neighbour {sep_name(phone.mac)} on {where}")
    names = [n.system_name or n.chassis_id for n in lldp]
    return Identity(False, f"{phone.name} ({sep_name(phone.mac)}) not seen on {where}: {seen_on_port(macs, cdp, names)}")


def phone_neighbour(neighbours: list[CdpNeighbor], phone: PortClaim) -> CdpNeighbor | None:
    """The phone's own CDP entry on its port (platform, announced load), None when not seen."""
    return next((n for n in neighbours
                 if _same_port(n.local_interface, phone.port) and is_phone(n.device_id, phone.mac)), None)


def identify_unpowered(switch: SwitchView, phone: PortClaim) -> Identity:
    """ok when the port's PoE is administratively off and the switch sees no other device on it."""
    where = f"{phone.switch} {phone.port}"
    (poe,) = switch.poe_status(phone.port)
    if poe.admin.lower() not in ("off", "never"):
        return Identity(False, f"{where} is not powered off (PoE admin {poe.admin}, oper {poe.oper})")
    macs = switch.macs_on_port(phone.port)
    cdp = _cdp_ids_on(switch, phone.port)
    others = [m for m in macs if m != phone.mac] + [d for d in cdp if not is_phone(d, phone.mac)]
    others += [n.system_name or n.chassis_id for n in _lldp_on(switch, phone.port) if n.mac != phone.mac]
    if others:
        return Identity(False, f"{where} is powered off but holds another device: {', '.join(others)}")
    return Identity(True, f"{where} powered off (PoE admin {poe.admin}) and no other device on it")


def seen_on_port(macs: list[str], cdp: list[str], lldp: list[str] | tuple[str, ...] = ()) -> str:
    """What the switch shows on a port where the phone was not found, for the refusal's evidence."""
    if not macs and not cdp and not lldp:
        return "no MAC and no CDP neighbour (nor LLDP) on the port"
    parts = []
    if macs:
        parts.append("MACs " + ", ".join(dotted(m) for m in macs))
    if cdp:
        parts.append("CDP " + ", ".join(cdp))
    if lldp:
        parts.append("LLDP " + ", ".join(lldp))
    return "the switch sees " + "; ".join(parts)
