"""rig.actions.power and restore: guarded, write-ahead power on a real simulated bench, and the
ports a dead run left off turned back on from its journal alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("rig.sim.bench")

from rig.actions.power import PoePort, PowerRefused, guarded_power  # noqa: E402
from rig.actions.restore import restore_ports  # noqa: E402
from rig.bench.build import Bench  # noqa: E402
from rig.config.simulation import Simulation  # noqa: E402
from rig.record.events import PowerAction  # noqa: E402
from rig.record.journal import Journal, PortClaimed, ports_left_off, read_events  # noqa: E402
from rig.sim.bench import SimBench  # noqa: E402
from tests.waiting import wait_for  # noqa: E402

BENCH = "actions"


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimBench]:
    """One bench for the module: every test leaves each port on (or turns it back on itself)."""
    settings = Simulation(phones=3, scenarios={"healthy": 3}, time_scale=0.004, image_kb=4)
    with SimBench(settings, BENCH, tmp_path_factory.mktemp("actions")) as bench:
        yield bench


def _bench(sim: SimBench) -> Bench:
    return Bench(sim.lab_config())


def _power(journal: Path) -> list[tuple[str, str, str]]:
    return [(e.phone, e.action, e.phase) for e in read_events(journal) if isinstance(e, PowerAction)]


def _admin(bench: Bench, phone: str) -> str:
    cfg = bench.config.phone(phone)
    (port,) = bench.switch(cfg.switch).poe_status(cfg.port)
    return port.admin.lower()


def test_power_off_is_journaled_before_and_after_the_switch_is_told_and_power_on_after(sim, tmp_path):
    bench = _bench(sim)
    desk = bench.config.phone("desk-01")
    with Journal(tmp_path / "journal.jsonl") as journal:
        guarded_power(bench.switch(desk.switch), desk, "cycle", off_seconds=0.01, wait=lambda s: None,
                      journal=journal)
    bench.close()
    assert _power(tmp_path / "journal.jsonl") == [("desk-01", "off", "intent"), ("desk-01", "off", "done"),
                                                  ("desk-01", "on", "done")]
    event = next(e for e in read_events(tmp_path / "journal.jsonl") if isinstance(e, PowerAction))
    assert (event.switch, event.port, event.mac) == (desk.switch, desk.port, desk.mac)


def test_a_phone_not_identified_on_its_port_is_refused_and_nothing_is_journaled(sim, tmp_path):
    bench = _bench(sim)
    desk1, desk2 = bench.config.phone("desk-01"), bench.config.phone("desk-02")
    wrong = PortClaimed(desk1.name, desk1.mac, desk2.switch, desk2.port)  # desk-01's label on desk-02's port
    with Journal(tmp_path / "journal.jsonl") as journal, pytest.raises(PowerRefused, match="refusing to power off"):
        guarded_power(bench.switch(desk2.switch), wrong, "off", off_seconds=0, wait=lambda s: None, journal=journal)
    assert _power(tmp_path / "journal.jsonl") == [] and _admin(bench, "desk-02") == "auto"
    bench.close()


def test_a_port_a_dead_run_left_off_is_turned_on_again_from_the_journal(sim, tmp_path):
    journal_path = tmp_path / "journal.jsonl"
    bench = _bench(sim)
    desk = bench.config.phone("desk-02")
    with Journal(journal_path) as journal:
        guarded_power(bench.switch(desk.switch), desk, "off", off_seconds=0, wait=lambda s: None, journal=journal)
    bench.close()  # the run dies here: nothing of it survives but its journal

    fresh = _bench(sim)
    assert _admin(fresh, "desk-02") in ("off", "never")
    with Journal(journal_path) as journal:
        restored = restore_ports(fresh, read_events(journal_path), journal)
    assert restored == ["desk-02"]
    assert _power(journal_path)[-1:] == [("desk-02", "on", "done")]
    assert _admin(fresh, "desk-02") == "auto"
    wait_for(lambda: sim.observe.phone("desk-02").watts > 0, what="desk-02 to draw power again")
    with Journal(journal_path) as journal:
        assert restore_ports(fresh, read_events(journal_path), journal) == []  # the journal now proves it on
    fresh.close()


def test_an_off_intent_without_its_done_is_restored_too(sim, tmp_path):
    """Killed after the intent was written, with the switch's answer never journaled."""
    bench = _bench(sim)
    desk = bench.config.phone("desk-03")
    with Journal(tmp_path / "journal.jsonl") as journal:
        journal.write(PowerAction(phone=desk.name, switch=desk.switch, port=desk.port, mac=desk.mac,
                                  action="off", phase="intent"))
        bench.switch(desk.switch).power_off(desk.port)
        assert restore_ports(bench, read_events(tmp_path / "journal.jsonl"), journal) == ["desk-03"]
    assert _admin(bench, "desk-03") == "auto"
    bench.close()


def test_a_port_someone_already_turned_on_is_left_alone(sim, tmp_path):
    bench = _bench(sim)
    desk = bench.config.phone("desk-01")
    with Journal(tmp_path / "journal.jsonl") as journal:
        PoePort(bench.switch(desk.switch), desk, journal).off()
        bench.switch(desk.switch).power_on(desk.port)  # by hand, outside any journal
        assert restore_ports(bench, read_events(tmp_path / "journal.jsonl"), journal) == []
    assert _power(tmp_path / "journal.jsonl") == [("desk-01", "off", "intent"), ("desk-01", "off", "done")]
    bench.close()


def _event(phone: str, action: str, phase: str, *, port: str = "Gi1/0/1", bench: str | None = None) -> PowerAction:
    return PowerAction(phone=phone, switch="sw1", port=port, mac="001D705F0001", action=action, phase=phase,
                       bench=bench)


def test_only_ports_whose_last_word_is_off_count_and_only_this_benchs():
    events = [
        _event("desk-01", "off", "intent"), _event("desk-01", "off", "done"),
        _event("desk-01", "on", "intent"),  # never confirmed: the switch may not have heard it
        _event("desk-02", "off", "done", port="Gi1/0/2"), _event("desk-02", "on", "done", port="Gi1/0/2"),
        _event("east/desk-03", "off", "done", port="Gi1/0/3", bench="east"),  # another bench's
    ]
    left = ports_left_off(events, "west", ["sw1"])
    assert [(c.name, c.port) for c in left] == [("desk-01", "Gi1/0/1")]
    assert ports_left_off(events, "west", ["sw2"]) == []  # a switch this bench does not have
