"""Where each simulated phone sits on the bench: its address, switch port, meter channel and
solenoid head, and its scenario.

The bench is laid out the way a lab wires one: phones on consecutive switch ports, each on its
own loopback address (127.0.1.N), its PoE draw on a channel of an 8-channel power meter, its
keypad under a solenoid head of a 16-head actuator board.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

from rig.config.lab import ConfigError
from rig.config.simulation import SimSwitches, Simulation
from rig.sim.bundle_shape import bundle_mac, shaped_simulation, sim_name
from rig.sim.ios_output import MODULE_BUDGET_WATTS

LOOPBACK = "127.0.0.1"
PORTS_PER_MEMBER = 48
MAC_BASE = 0x001D705F0000  # a Cisco OUI, as on a real 7942's label
HEADS_PER_BOARD = 16  # solenoid heads on one key actuator board (one serial line)
CHANNELS_PER_METER = 8  # as on a typical multi-channel power analyzer


@dataclass(frozen=True)
class SimPhoneSpec:
    """One simulated phone: where it sits on the bench and its scenario."""

    name: str
    mac: str
    ip: str
    switch: str
    port: str
    meter: int
    channel: int
    board: int
    scenario: str


def phone_ip(index: int) -> str:
    """127.0.1.1, 127.0.1.2, ... 127.0.1.250, 127.0.2.1, ...: each phone its own address."""
    return str(IPv4Address(f"127.0.{1 + index // 250}.{1 + index % 250}"))


def switch_port(index_on_switch: int, members: int = 1) -> str:
    """One member: Gi1/0/1..Gi1/0/48 then Gi2/0/1..., the next stack member, as on a real access
    switch. A stack of `members`: phones dealt over the members in turn (Gi1/0/1, Gi2/0/1, ...)."""
    if members > 1:
        port, member = divmod(index_on_switch, members)
    else:
        member, port = divmod(index_on_switch, PORTS_PER_MEMBER)
    return f"Gi{member + 1}/0/{port + 1}"


def switch_build(settings: SimSwitches) -> dict[str, Any]:
    """SimSwitch's stack and protocol arguments from the simulation's `switch` settings."""
    watts = settings.member_watts
    budgets = {m: watts[m - 1] if m <= len(watts) else MODULE_BUDGET_WATTS for m in range(1, settings.members + 1)}
    return {"budgets": budgets, "cdp": settings.cdp, "lldp": settings.lldp}


def layout(sim: Simulation) -> list[SimPhoneSpec]:
    """Phones spread in contiguous blocks over the switches, scenarios in the order given."""
    sim = shaped_simulation(sim)  # a bundle's phones (rig.sim.bundle_shape)
    scenarios = [s for s, count in sim.scenarios.items() for _ in range(count)]
    scenarios += ["healthy"] * max(0, sim.phones - len(scenarios))
    per_switch = -(-sim.phones // sim.switches)
    specs = []
    for i in range(sim.phones):
        sw, on_switch = divmod(i, per_switch)
        specs.append(
            SimPhoneSpec(
                name=sim_name(i),
                mac=bundle_mac(sim, i, f"{MAC_BASE + i:012X}"),
                ip=phone_ip(i),
                switch=f"sw{sw + 1}",
                port=switch_port(on_switch, sim.switch.members),
                meter=i // CHANNELS_PER_METER,
                channel=i % CHANNELS_PER_METER + 1,
                board=i // HEADS_PER_BOARD,
                scenario=scenarios[i],
            )
        )
    return specs


def _check_web_port(port: int, specs: list[SimPhoneSpec]) -> None:
    """ConfigError unless every phone's address lets this process bind `port` (port 80 needs
    root or CAP_NET_BIND_SERVICE): said before anything starts, not as a phone whose web
    server silently never answers."""
    for spec in specs:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the phone's server binds
            try:
                probe.bind((spec.ip, port))
            except OSError as error:
                raise ConfigError(f"simulation.web_port: {port}: cannot serve a phone's web pages on {spec.ip}:{port} "
                                  f"({error.strerror}); ports below 1024 need root or CAP_NET_BIND_SERVICE, "
                                  "and no other bench may serve this port on the same addresses") from None
