"""`simulation.misconfig` applied: the simulated bench wired the way a real one is wired wrong.

The written config (`SimBench.lab_config`) always says what the bench *should* be; these
functions decide what it *is*: which port a phone is really plugged into, which meter channel
really measures it, which phones the actuator boards really have heads for, which TFTP server
a phone's option 150 names first, and which certificate the bench was handed as trust anchor.
`rig preflight` must find each difference (docs/preflight.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from rig.config.lab import ConfigError

from rig.config.simulation import Simulation
from rig.sim.ios_ports import split_interface
from rig.sim.model import CdpInfo
from rig.sim.pki import ClusterPki

if TYPE_CHECKING:
    from rig.sim.bench import SimPhoneSpec

T = TypeVar("T")
Address = tuple[str, int]


def check(sim: Simulation, specs: Sequence["SimPhoneSpec"]) -> None:
    """Every phone named exists, and a moved phone goes to a port of its switch no phone uses."""
    mis = sim.misconfig
    names = {s.name for s in specs}
    named = {"tftp_bypass": mis.tftp_bypass, "moved": list(mis.moved), "actuator_unwired": mis.actuator_unwired,
             "meter_swapped": mis.meter_swapped, "uplink": mis.uplink, "no_poe": mis.no_poe}
    for knob, phones in named.items():
        unknown = sorted(set(phones) - names)
        if unknown:
            raise ConfigError(f"simulation.misconfig.{knob}: no simulated phone {', '.join(unknown)}")
    for phone, port in mis.moved.items():
        spec = next(s for s in specs if s.name == phone)
        taken = {split_interface(s.port) for s in specs if s.switch == spec.switch}
        if split_interface(port) in taken:
            raise ConfigError(f"simulation.misconfig.moved.{phone}: {port} of {spec.switch} already holds a phone")


def tftp_servers(phone: str, sim: Simulation, tap: Address, cucm: Address) -> list[Address]:
    """Option 150 as the phone got it: the tap first and CUCM second, or CUCM alone (tftp_bypass)."""
    return [cucm] if phone in sim.misconfig.tftp_bypass else [tap, cucm]


def switch_ports(sim: Simulation, specs: Sequence["SimPhoneSpec"], phones: dict[str, T]) -> dict[str, dict[str, T | None]]:
    """Switch -> port -> what is plugged in: a moved phone sits on its new port, its own is empty."""
    wiring: dict[str, dict[str, T | None]] = {}
    for spec in specs:
        ports = wiring.setdefault(spec.switch, {})
        moved = sim.misconfig.moved.get(spec.name)
        if moved is None:
            ports[spec.port] = phones[spec.name]
        else:
            ports.setdefault(spec.port, None)
            ports[moved] = phones[spec.name]
    return wiring


SWITCH_BEHIND = CdpInfo(device_id="access-sw2", platform="cisco WS-C3560X-24P", ip="10.10.0.2",
                        port_id="GigabitEthernet0/8", capabilities="Switch IGMP", software="Cisco IOS Software, "
                        "C3560E Software (C3560E-UNIVERSALK9-M), Version 12.2(55)SE10, RELEASE SOFTWARE (fc2)",
                        power_drawn_w=0.0)
"""The switch behind an `uplink` phone's port, as a real 3560X shows itself over CDP (source:
tests/fixtures/real/ios/show_cdp_neighbors_detail/cisco_ios_show_cdp_neighbors_detail2.raw)."""
MACS_BEHIND = 20
"""Devices behind that switch besides the phone: the campaign's uplink showed 21 MACs."""


def uplinks(sim: Simulation, specs: Sequence["SimPhoneSpec"]) -> list[tuple[str, str, list[str]]]:
    """(switch, port, MACs behind it) of each `uplink` phone's port."""
    return [(s.switch, s.port, [f"0050560{i:05X}" for i in range(MACS_BEHIND)])
            for s in specs if s.name in sim.misconfig.uplink]


def meter_channels(sim: Simulation, specs: Sequence["SimPhoneSpec"], phones: dict[str, T]) -> dict[int, dict[int, T]]:
    """Meter index -> channel -> the phone it really measures (the meter_swapped pair exchanged)."""
    swap = dict(zip(sim.misconfig.meter_swapped, reversed(sim.misconfig.meter_swapped)))
    wiring: dict[int, dict[int, T]] = {}
    for spec in specs:
        wiring.setdefault(spec.meter, {})[spec.channel] = phones[swap.get(spec.name, spec.name)]
    return wiring


def board_heads(sim: Simulation, specs: Sequence["SimPhoneSpec"], phones: dict[str, T]) -> dict[int, dict[str, T]]:
    """Board index -> target name -> phone, without the heads of actuator_unwired phones."""
    wiring: dict[int, dict[str, T]] = {}
    for spec in specs:
        heads = wiring.setdefault(spec.board, {})
        if spec.name not in sim.misconfig.actuator_unwired:
            heads[spec.name] = phones[spec.name]
    return wiring


def trust_anchor_pem(sim: Simulation, pki: ClusterPki) -> bytes:
    """The certificate the bench is handed: the cluster's, or (stale_trust_anchor) the one it had
    before its CallManager certificate was regenerated - same subject, another key."""
    return pki.pre_regeneration.pem if sim.misconfig.stale_trust_anchor else pki.trust_anchor_pem
