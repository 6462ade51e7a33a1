"""Switch work per switch, on the simulated switch: phones identified from shared whole-table
reads, ports powered in waves of one configuration session, each phone journaled write-ahead,
and a phone not identified on its port never in any range."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("rig.sim.bench")

from rig.drivers.ios_parsers import canonical_interface  # noqa: E402
from rig.drivers.ios_ranges import interface_ranges  # noqa: E402
from rig.actions.power import PowerRefused, guarded_power  # noqa: E402
from rig.bench.build import Bench  # noqa: E402
from rig.config.simulation import Simulation  # noqa: E402
from rig.record.events import PowerAction  # noqa: E402
from rig.record.journal import Journal, read_events  # noqa: E402
from rig.sim.bench import SimBench  # noqa: E402

PHONES = 6
TIME_SCALE = 0.004


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimBench]:
    settings = Simulation(phones=PHONES, scenarios={"healthy": PHONES}, time_scale=TIME_SCALE, image_kb=4)
    with SimBench(settings, "waves", tmp_path) as bench:
        yield bench


def _sessions(commands: list[str]) -> list[list[str]]:
    """The configuration sessions among a switch's command lines (`configure terminal` .. `end`)."""
    sessions: list[list[str]] = []
    for line in commands:
        if line.startswith("configure terminal"):
            sessions.append([])
        elif sessions and line != "end" and (not sessions[-1] or sessions[-1][-1] != "end"):
            sessions[-1].append(line)
    return sessions


def _covered(line: str) -> set[str]:
    """The ports an `interface range A - n , B` line names."""
    ports: set[str] = set()
    for part in line.removeprefix("interface range ").split(" , "):
        first, _, last = part.partition(" - ")
        head = first.rstrip("0123456789")
        ports |= {f"{head}{n}" for n in range(int(first[len(head):]), int(last or first[len(head):]) + 1)}
    return ports


def test_a_wave_of_phones_is_one_configuration_session_and_a_stranger_is_never_in_a_range(sim, tmp_path):
    config = sim.lab_config()
    stranger = config.phone("desk-04")
    phones = [p if p.name != stranger.name else p.model_copy(update={"mac": "001D705FEEEE"}) for p in config.phones]
    bench = Bench(config.model_copy(update={"phones": phones}))
    switch_name = phones[0].switch
    switch = bench.switch(switch_name)
    sim.set_fault(switch_delay=0.2 / TIME_SCALE)  # the first session is slow: the rest gather behind it
    start = threading.Barrier(PHONES)
    refused: list[str] = []

    def power_off(phone, journal) -> None:
        start.wait()
        try:
            guarded_power(switch, phone, "off", off_seconds=0, wait=lambda s: None, journal=journal)
        except PowerRefused:
            refused.append(phone.name)

    with Journal(tmp_path / "journal.jsonl") as journal:
        threads = [threading.Thread(target=power_off, args=(p, journal)) for p in phones]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    sim.set_fault(switch_delay=0.0)
    commands = sim.observe.commands(switch_name)
    bench.close()

    assert refused == [stranger.name]
    sessions = _sessions(commands)
    # Without the proof: the first phone alone at most, then everyone else at once. Each power-off
    # first proves its port on a read that starts after it asked (rig.bench.port_proof), so phones that
    # missed a running read wait for the next one and may reach the waves apart; still fewer
    # configuration sessions than ports.
    assert 1 <= len(sessions) < PHONES - 1, sessions
    assert sum(line.startswith("interface range") for s in sessions for line in s) == len(sessions)
    assert not any(line.startswith("show mac address-table interface") for line in commands)
    # each phone reads the MAC table twice (identify, then rig.bench.port_proof right before `power inline
    # never`): 12 reads unshared, at most one per phone shared
    assert sum(line == "show mac address-table" for line in commands) <= PHONES
    touched = {port for s in sessions for line in s if line.startswith("interface") for port in _covered(line)}
    assert touched == {canonical_interface(p.port) for p in phones if p.name != stranger.name}
    for phone in phones:
        if phone.name == stranger.name:
            continue
        assert sim.observe.phone(phone.name).state == "off"
    assert sim.observe.phone(stranger.name).state != "off"
    power = [(e.phone, e.phase) for e in read_events(tmp_path / "journal.jsonl") if isinstance(e, PowerAction)]
    for phone in phones:
        expected = [] if phone.name == stranger.name else [(phone.name, "intent"), (phone.name, "done")]
        assert [p for p in power if p[0] == phone.name] == expected


def test_ranges_keep_cisco_s_five_per_command_and_never_mix_interface_types():
    ports = ["Gi1/0/1", "Gi1/0/2", "Gi1/0/4", "Gi1/0/6", "Gi1/0/8", "Gi1/0/10", "Gi1/0/12", "Fa0/1"]
    assert interface_ranges(ports) == [
        "interface range FastEthernet0/1",
        "interface range GigabitEthernet1/0/1 - 2 , GigabitEthernet1/0/4 , GigabitEthernet1/0/6 , "
        "GigabitEthernet1/0/8 , GigabitEthernet1/0/10",
        "interface range GigabitEthernet1/0/12",
    ]
