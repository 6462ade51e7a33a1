"""Bench checks of one switch: host key known, login and enable, PoE budget; and what the phone
checks read of it afterwards (PoE table, CDP neighbours, MAC table), each read once.

Read-only on the switch: the only commands sent are `show` commands. The host key is looked up
and an unknown one shown with the line to add; it is recorded only where the config asks for
trust on first use (`accept_new_host_key: true`), by the login, as any rig command would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rig.drivers.ios_budget import PoeBudget
from rig.drivers.ios_lldp import LldpNeighbor
from rig.drivers.ios_names import stack_member
from rig.drivers.ios_parsers import CdpNeighbor, PoePort, canonical_interface
from rig.drivers.ios_switch import SwitchAuthError, SwitchError, SwitchHostKeyError
from rig.drivers.macaddr import normalize_mac
from rig.drivers.ssh_host_keys import (HostKeyRefused, HostUnreachable, ensure_known_host, fingerprint, known_host_name,
                                   offered_host_key)
from rig.errors import ConfigError
from rig.bench.port_proof import SwitchTables
from rig.preflight.report import Check, failed, passed, unchecked

if TYPE_CHECKING:
    from rig.bench.build import Bench
    from rig.config.lab import PhoneConfig
    from rig.bench.switch_pool import SwitchSessions

CLASS_WATTS = {"0": 15.4, "1": 4.0, "2": 7.0, "3": 15.4, "4": 30.0}
"""Minimum PSE output power per IEEE 802.3af/at class (source: Allied Telesis AT-PC2002/POE user
manual, Table 2 "IEEE 802.3af Class vs. Power Levels": class 0 15.4 W, 1 4.0 W, 2 7.0 W, 3 15.4 W,
https://azmanual.top/manuals/427393/allied-telesis-at-pc2002_poe.html?page=25; class 4, 802.3at,
30 W). A class the switch does not show counts as class 0, the default and the most a 802.3af
phone may take."""


@dataclass
class SwitchView:
    """What the phone checks read of one switch; `problem` when it could not be read at all.

    It answers rig.bench.identify's SwitchView questions from the tables read once, and
    rig.bench.port_proof's from tables read afresh for each proof."""

    name: str
    sessions: "SwitchSessions | None" = None
    poe: dict[str, PoePort] = field(default_factory=dict)
    cdp: list[CdpNeighbor] = field(default_factory=list)
    problem: str | None = None
    lldp: list[LldpNeighbor] = field(default_factory=list)
    protocols: dict[str, bool] = field(default_factory=dict)
    """{"CDP": running, "LLDP": running} (IosSwitch.protocols_running)."""

    def macs_on_port(self, port: str) -> list[str]:
        assert self.sessions is not None
        return self.sessions.macs_on_port(port)

    def proof_tables(self) -> SwitchTables:
        assert self.sessions is not None
        return self.sessions.proof_tables()

    def cdp_neighbors(self) -> list[CdpNeighbor]:
        return self.cdp

    def lldp_neighbors(self) -> list[LldpNeighbor]:
        return self.lldp

    def poe_status(self, port: str | None = None) -> list[PoePort]:
        if port is None:
            return list(self.poe.values())
        found = self.poe.get(canonical_interface(port))
        return [found] if found else []


def where_seen(switches: dict[str, SwitchView], mac: str) -> tuple[str, CdpNeighbor] | None:
    """Where a switch of the bench sees the phone's CDP `SEP<MAC>`: (switch, its entry)."""
    for name, view in switches.items():
        for neighbour in view.cdp:
            try:
                if normalize_mac(neighbour.device_id) == mac:
                    return name, neighbour
            except ValueError:
                continue
    return None


def where_heard(switches: dict[str, SwitchView], mac: str) -> tuple[str, str] | None:
    """(switch, interface) where a switch of the bench hears the phone: its CDP `SEP<MAC>`, else
    an LLDP neighbour with its MAC (a switch with CDP off)."""
    seen = where_seen(switches, mac)
    if seen is not None:
        return seen[0], seen[1].local_interface
    return next(((name, n.local_interface) for name, view in switches.items() for n in view.lldp
                 if n.mac == mac and n.local_interface), None)


def lldp_software(switches: dict[str, SwitchView], mac: str) -> str | None:
    """The `S/W revision` a switch of the bench hears the phone announce by LLDP-MED, if any."""
    return next((n.software_revision for view in switches.values() for n in view.lldp
                 if n.mac == mac and n.software_revision), None)


def check_access(bench: "Bench", name: str) -> tuple[list[Check], SwitchView]:
    """Host key, then login and enable (the first `show power inline` opens the session)."""
    sw = bench.config.switches[name]
    label = f"switch {name}"
    known_hosts = Path(sw.known_hosts or "~/.ssh/known_hosts").expanduser()
    try:
        ensure_known_host(known_hosts, sw.host, sw.port, timeout=bench.config.timeouts.ssh, accept_new=False)
        key = passed(f"{label} host key", f"{known_host_name(sw.host, sw.port)} is in {known_hosts}")
    except HostUnreachable as error:
        return [failed(label, f"unreachable: {error}", f"check switches.{name}.host/port and that the switch "
                       "is on and reachable from this host")], SwitchView(name, problem=str(error))
    except HostKeyRefused as error:
        if not sw.accept_new_host_key:
            return [_unknown_key(name, sw.host, sw.port, known_hosts, error, bench.config.timeouts.ssh)], \
                SwitchView(name, problem=str(error))
        key = passed(f"{label} host key", f"was not in {known_hosts}; recorded by this login "
                     "(accept_new_host_key: true)")
    sessions = bench.switch(name)
    try:
        poe = {p.interface: p for p in sessions.poe_status()}
        cdp = sessions.cdp_neighbors()
        lldp = sessions.lldp_neighbors()
        running = sessions.protocols_running()
    except SwitchHostKeyError as error:
        return [key, failed(label, str(error), f"compare the fingerprints with the switch's own key "
                            f"and correct {known_hosts}")], \
            SwitchView(name, problem=str(error))
    except SwitchAuthError as error:
        return [key, failed(label, str(error), f"correct switches.{name}.username and its password (or "
                            "key_file, enable_secret_env)")], SwitchView(name, problem=str(error))
    except SwitchError as error:
        return [key, failed(label, str(error), f"check that switch {name} answers show commands")], \
            SwitchView(name, problem=str(error))
    except ConfigError as error:  # its password variable is unset: the credentials check names it
        return [key, failed(label, f"cannot log in: {error}", "set it (see credentials)")], \
            SwitchView(name, problem=str(error))
    login = passed(label, f"logged in as {sw.username}, privileged; {len(poe)} PoE ports, "
                   f"{len(cdp)} CDP neighbours, {len(lldp)} LLDP neighbours")
    return [key, login], SwitchView(name, sessions, poe, cdp, lldp=lldp, protocols=running)


def check_discovery(view: SwitchView) -> Check:
    """CDP or LLDP should run: a powered-off port has no MAC, and only a neighbour entry names the
    phone that comes back on it (and the load it announces). Preflight's word only: a run still
    identifies phones by the MAC table, so `rig erase` does not refuse such a switch."""
    label = f"switch {view.name} neighbour discovery"
    if view.sessions is None:
        return unchecked(label, "the switch could not be read")
    name, on = view.name, [protocol for protocol, up in view.protocols.items() if up]
    if not on:
        return failed(label, "neither CDP nor LLDP is running (`% ... is not enabled`)",
                      f"enable `cdp run` or `lldp run` on switch {name}")
    return passed(label, " and ".join(on) + " running")


def _unknown_key(name: str, host: str, port: int, known_hosts: Path, error: HostKeyRefused, timeout: float) -> Check:
    """The refusal, with the very line to add to known_hosts (or only the fingerprint, if the
    key cannot be read again)."""
    try:
        offered = offered_host_key(host, port, timeout)
    except HostUnreachable:
        return failed(f"switch {name} host key", str(error), f"add the switch's key to {known_hosts}")
    line = f"{known_host_name(host, port)} {offered.get_name()} {offered.get_base64()}"
    return failed(f"switch {name} host key", f"{known_host_name(host, port)} is not in {known_hosts} "
                  f"(offered {fingerprint(offered)})",
                  f"after checking the fingerprint on the switch, add to {known_hosts}: {line}")


def check_budget(bench: "Bench", view: SwitchView, phones: list["PhoneConfig"]) -> Check:
    """Per stack member (or the one budget of a switch): the phones that may power up at once on it
    (`parallel.powerup_per_switch`, at most its bench phones), each at its class's watts, against
    the watts it has left: `Remaining` plus what its bench phones draw now, which rig gives back
    when it turns them off. A stack prints one budget per member, and one member can be short
    while the stack as a whole has watts to spare."""
    name = f"switch {view.name} PoE budget"
    if view.sessions is None:
        return unchecked(name, "the switch could not be read")
    try:
        budget: list[PoeBudget] = view.sessions.poe_budget()
    except SwitchError as error:
        return failed(name, str(error), "check that the switch answers `show power inline`")
    if not budget:
        return unchecked(name, "the switch shows no budget in `show power inline`")
    members = {b.module: b for b in budget}
    by_member: dict[str, list[PoePort | None]] = {}
    for phone in (p for p in phones if p.switch == view.name):
        interface = canonical_interface(phone.port)
        port = view.poe.get(interface)
        member = next(iter(members)) if len(members) == 1 else port.member if port else stack_member(interface)
        by_member.setdefault(member, []).append(port)
    seen, short = [], []
    for member, ports in sorted(by_member.items()):
        label = f"member {member}" if member else "switch"
        if member not in members:
            short.append(f"{label}: no budget line for it in `show power inline`")
            continue
        classes = {p.poe_class for p in ports if p is not None}
        watts = max((CLASS_WATTS.get(c, CLASS_WATTS["0"]) for c in classes), default=CLASS_WATTS["0"])
        shown = ", ".join(sorted(c for c in classes if c in CLASS_WATTS)) or "unknown (counted as 0)"
        at_once = min(bench.config.parallel.powerup_per_switch, len(ports))
        own = sum(p.watts for p in ports if p is not None)
        left, need = members[member].remaining + own, at_once * watts
        line = (f"{label}: {left:.1f} W left ({members[member].remaining:.1f} W remaining + {own:.1f} W its bench "
                f"phones draw); {at_once} phones of class {shown} powering up at once need {need:.1f} W")
        if left < need:
            short.append(f"{line}, at most {int(left // watts)} at once")
        else:
            seen.append(line)
    if short:
        return failed(name, "; ".join(short + seen), "lower parallel.powerup_per_switch or free PoE on the member "
                      "named (power supplies, other powered devices)")
    return passed(name, "; ".join(seen) or "no bench phone on this switch")
