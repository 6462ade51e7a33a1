"""Prove the port right before touching it: the phone is on its port, only there, and the port is
an access port with a phone behind it, not an uplink or a trunk.

`rig.bench.identify` answers "does the switch see this phone on its port?". That is not enough to cut a
port's power: cables move after a phone was identified (two desks swapped: the configured port
now holds another phone), a switch keeps a stale entry of the MAC on another port or VLAN, CDP
and the MAC table can disagree, and a phone plugged in behind another switch is seen on the
uplink to it, where `power inline never` would take the whole switch down (a PoE-powered one
goes dark). So before every `power inline never`, and when a phone is identified or checked by
preflight, rig reads the switch afresh (`read_port`: the whole MAC table, CDP table,
`show interfaces switchport` and running configuration, read together in one go that starts
after the question was asked and is shared by the phones of the switch asking meanwhile, so a
wave of phones stays one wave) and `prove` refuses, naming what contradicted, when

- the phone's MAC is learned on another port, with or without its own (a cable swap, a stale
  entry in a second VLAN), or CDP sees `SEP<MAC>` on another port than the configured one;
- the phone is seen neither in the MAC table nor by CDP or LLDP on its port; and, before a power-off,
  its MAC is not learned on the port (a CDP or LLDP entry outlives the link it was heard on);
- the port looks like an uplink: more than MAX_MACS MACs behind it, a CDP neighbour that is a
  switch, router or bridge and no phone, trunk mode in `show interfaces switchport` or
  `switchport mode trunk` in its running configuration.

Nothing is cached between two proofs: each is as fresh as the reads it makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from rig.drivers.ios_lldp import LldpNeighbor
from rig.drivers.ios_parsers import CdpNeighbor, MacEntry, canonical_interface
from rig.drivers.ios_switchport import Switchport, interface_config, trunk_in_config
from rig.drivers.macaddr import dotted, sep_name
from rig.bench.identify import Identity, PortClaim, is_phone, seen_on_port

MAX_MACS = 3
"""Distinct MACs an access port may show: the phone and the PC on its PC port are two; one more
for a PC swapped meanwhile. An uplink shows the MACs of every device behind it."""
UPLINK_CAPABILITIES = ("Router", "Switch", "Trans-Bridge")
"""CDP capabilities of a device that forwards for others (source: the real `show cdp neighbors
detail` captures in tests/fixtures/real: switches `Router Switch IGMP`, `Switch IGMP`, access
points `Router Trans-Bridge`, `Trans-Bridge Source-Route-Bridge IGMP`; phones `Host Phone`)."""


@dataclass(frozen=True)
class SwitchTables:
    """The whole-switch tables a proof looks at, read together."""

    macs: list[MacEntry]  # `show mac address-table`
    cdp: list[CdpNeighbor]  # `show cdp neighbors detail`
    switchports: list[Switchport]  # `show interfaces switchport`
    config: str  # `show running-config`
    lldp: list[LldpNeighbor] = field(default_factory=list)  # `show lldp neighbors detail`, where LLDP runs


class ProofView(Protocol):
    def proof_tables(self) -> SwitchTables:
        """The tables, from reads that started after this call."""
        ...


@dataclass(frozen=True)
class PortReading:
    """One look at a port: the switch's whole MAC and CDP tables, its ports' modes and the
    port's section of the running configuration."""

    port: str  # canonical long name
    macs: list[MacEntry]
    cdp: list[CdpNeighbor]
    switchport: list[Switchport]
    config: str
    lldp: list[LldpNeighbor] = field(default_factory=list)


def read_port(view: ProofView, port: str) -> PortReading:
    """Read everything a proof needs now (SwitchError when the switch cannot answer)."""
    wanted = canonical_interface(port)
    tables = view.proof_tables()
    return PortReading(wanted, tables.macs, tables.cdp, tables.switchports, interface_config(tables.config, wanted),
                       tables.lldp)


def prove_port(view: ProofView, phone: PortClaim, *, to_power_off: bool = False) -> Identity:
    """A fresh reading of the phone's port, proved (ok False: refuse, evidence says why)."""
    return prove(read_port(view, phone.port), phone, to_power_off=to_power_off)


def prove(reading: PortReading, phone: PortClaim, *, to_power_off: bool = False) -> Identity:
    """ok only when the reading shows the phone on its port, nowhere else, on an access port.

    `to_power_off`: the phone's MAC must be learned on the port. A CDP or LLDP entry outlives the
    link it was heard on (until its holdtime runs out), while a switch forgets a port's MACs when
    its link goes down: a neighbour entry alone may name a phone that left the port (restarting,
    unplugged, its cable moved) seconds ago. Identifying a phone can rest on it; cutting a port's
    power cannot."""
    where = f"{phone.switch} {phone.port}"
    signs = uplink_signs(reading)
    if signs:
        return Identity(False, f"{where} looks like an uplink or trunk: {'; '.join(signs)}")
    against = contradictions(reading, phone)
    if against:
        return Identity(False, f"{phone.name} ({sep_name(phone.mac)}) not proven on {where}: {'; '.join(against)}")
    on_port = [e for e in reading.macs if e.port == reading.port]
    macs = list(dict.fromkeys(e.mac for e in on_port))
    cdp = [n.device_id for n in _cdp_on(reading.cdp, reading.port)]
    vlans = sorted({str(e.vlan) for e in on_port if e.mac == phone.mac})
    cdp_phone = any(is_phone(n.device_id, phone.mac) for n in _cdp_on(reading.cdp, reading.port))
    lldp_phone = any(n.mac == phone.mac for n in _lldp_on(reading.lldp, reading.port))
    if phone.mac not in macs and not cdp_phone and not lldp_phone:
        lldp = [n.system_name or n.chassis_id for n in _lldp_on(reading.lldp, reading.port)]
        return Identity(False, f"{phone.name} ({sep_name(phone.mac)}) not seen on {where}: "
                               f"{seen_on_port(macs, cdp, lldp)}", unseen=True)
    if to_power_off and not vlans:
        heard = " and ".join(p for p, seen in (("CDP", cdp_phone), ("LLDP", lldp_phone)) if seen)
        return Identity(False, f"{phone.name} ({sep_name(phone.mac)}) not proven on {where}: {heard} names it "
                               f"there but its MAC is not learned on the port (a neighbour entry outlives the "
                               f"link; the MAC table forgets a port whose link went down)", unseen=True)
    seen = ([f"MAC {dotted(phone.mac)} learned on {where} only (VLAN {', '.join(vlans)})"] if vlans else []) + \
        ([f"CDP neighbour {sep_name(phone.mac)} there"] if cdp_phone else []) + \
        ([f"LLDP neighbour {sep_name(phone.mac)} there"] if lldp_phone else [])
    return Identity(True, f"{'; '.join(seen)}; access port, {len(macs)} MAC(s) behind it")


def learned(macs: list[MacEntry], phone: PortClaim) -> bool:
    """The switch's MAC table (`macs`) has the phone's MAC on some port: it sent a frame since its
    link last came up there (a phone restarting has no link for a moment, and its neighbour
    entries outlive that)."""
    return any(e.mac == phone.mac for e in macs)


def uplink_signs(reading: PortReading) -> list[str]:
    """What makes the port look like an uplink or a trunk (empty: an access port)."""
    signs = []
    macs = {e.mac for e in reading.macs if e.port == reading.port}
    if len(macs) > MAX_MACS:
        signs.append(f"{len(macs)} MACs learned on it (a phone and its PC are 2)")
    for neighbour in _cdp_on(reading.cdp, reading.port):
        words = neighbour.capabilities.split()
        forwarding = [w for w in words if w in UPLINK_CAPABILITIES]
        if forwarding and "Phone" not in words:
            signs.append(f"CDP neighbour {neighbour.device_id} ({neighbour.platform}) is a {' '.join(words)}")
    mode = [s for s in reading.switchport if s.interface == reading.port]
    if not mode:
        signs.append("`show interfaces switchport` does not show the port's mode")
    for port in mode:
        if port.trunk:
            signs.append(f"`show interfaces switchport`: Administrative Mode {port.admin_mode}, "
                         f"Operational Mode {port.mode}")
    if trunk_in_config(reading.config):
        signs.append("its running configuration says `switchport mode trunk`")
    return signs


def contradictions(reading: PortReading, phone: PortClaim) -> list[str]:
    """Evidence that the phone is (also) somewhere else than on its configured port."""
    found = []
    elsewhere = [e for e in reading.macs if e.mac == phone.mac and e.port != reading.port]
    here = [e for e in reading.macs if e.mac == phone.mac and e.port == reading.port]
    if elsewhere:
        places = ", ".join(f"{e.port} (VLAN {e.vlan})" for e in elsewhere)
        if here:
            found.append(f"MAC {dotted(phone.mac)} seen on two ports: {reading.port} (VLAN "
                         f"{', '.join(str(e.vlan) for e in here)}) and {places}")
        else:
            found.append(f"MAC {dotted(phone.mac)} is learned on {places}, not on {reading.port}")
    cdp_elsewhere = [n for n in reading.cdp if is_phone(n.device_id, phone.mac) and _port(n) != reading.port]
    if cdp_elsewhere:
        found.append(f"CDP sees {sep_name(phone.mac)} on {', '.join(_port(n) for n in cdp_elsewhere)}"
                     + (f" while the MAC table has it on {reading.port}" if here else ""))
    lldp_elsewhere = [n for n in reading.lldp  # an entry without `Local Intf:` places the phone nowhere
                      if n.mac == phone.mac and n.local_interface not in (None, reading.port)]
    if lldp_elsewhere:
        found.append(f"LLDP sees {sep_name(phone.mac)} on {', '.join(str(n.local_interface) for n in lldp_elsewhere)}"
                     + (f" while the MAC table has it on {reading.port}" if here else ""))
    return found


def _port(neighbour: CdpNeighbor) -> str:
    try:
        return canonical_interface(neighbour.local_interface)
    except ValueError:
        return neighbour.local_interface


def _lldp_on(neighbours: list[LldpNeighbor], port: str) -> list[LldpNeighbor]:
    return [n for n in neighbours if n.local_interface == port]


def _cdp_on(neighbours: list[CdpNeighbor], port: str) -> list[CdpNeighbor]:
    return [n for n in neighbours if _port(n) == port]
