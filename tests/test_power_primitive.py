"""The power primitive's guarantees (rig.actions.power, issue 29), each on a real simulated switch:
a port the block turned off comes back on however the block ends (an exception, Ctrl-C, an off
whose answer was lost), power-on never needs the journal, is retried on a fresh session and
verified by reading the port, and a port that cannot be restored is named, never silent."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("rig.sim.bench")

from rig.drivers.ios_switch import SwitchError, SwitchTimeout  # noqa: E402
from rig.actions.power import PoePort, PortLeftOff, left_off, switched_off  # noqa: E402
from rig.bench.build import Bench  # noqa: E402
from rig.config.simulation import Simulation  # noqa: E402
from rig.record.events import Event, PowerAction  # noqa: E402
from rig.record.journal import Journal, ports_left_off, read_events  # noqa: E402
from rig.sim.bench import SimBench  # noqa: E402
from tests.waiting import wait_for  # noqa: E402

BENCH = "primitive"


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimBench]:
    settings = Simulation(phones=3, scenarios={"healthy": 3}, time_scale=0.004, image_kb=4)
    with SimBench(settings, BENCH, tmp_path_factory.mktemp("primitive")) as bench:
        yield bench


@pytest.fixture
def bench(sim: SimBench) -> Iterator[Bench]:
    """A fresh bench per test; every port on again afterwards, whatever the test did."""
    opened = Bench(sim.lab_config())
    yield opened
    for phone in opened.config.phones:
        opened.switch(phone.switch).power_on(phone.port)
    opened.close()


def _admin(bench: Bench, phone: str) -> str:
    cfg = bench.config.phone(phone)
    (port,) = bench.switch(cfg.switch).poe_status(cfg.port)
    return port.admin.lower()


def _power(path: Path) -> list[tuple[str, str]]:
    return [(e.action, e.phase) for e in read_events(path) if isinstance(e, PowerAction)]


class Flaky:
    """A switch seen through a bad link: the real simulated switch, but chosen calls fail."""

    def __init__(self, switch, *, off_then_timeout: bool = False, lost_reads: int = 0, lost_ons: int = 0) -> None:
        self._switch = switch
        self.off_then_timeout = off_then_timeout
        self.lost_reads = lost_reads
        self.lost_ons = lost_ons
        self.ons = 0

    def power_off(self, port: str) -> None:
        self._switch.power_off(port)
        if self.off_then_timeout:  # the switch did it, its answer came after timeouts.ssh
            raise SwitchTimeout("sw1", "power inline never", "no answer within 0.5s")

    def power_on(self, port: str) -> None:
        self.ons += 1
        if self.lost_ons:
            self.lost_ons -= 1
            raise SwitchError("sw1", "power inline auto", "session lost twice: the switch closed the session")
        self._switch.power_on(port)

    def poe_status(self, port: str | None = None):
        if self.lost_reads:
            self.lost_reads -= 1
            raise SwitchError("sw1", "show power inline", "session lost twice")
        return self._switch.poe_status(port)

    def macs_on_port(self, port: str) -> list[str]:
        return self._switch.macs_on_port(port)

    def cdp_neighbors(self):
        return self._switch.cdp_neighbors()

    def lldp_neighbors(self):
        return self._switch.lldp_neighbors()

    def proof_tables(self):  # the fresh read that proves the port before an off (rig.bench.port_proof)
        return self._switch.proof_tables()


class DiskFull(Journal):
    """A journal on a disk that fills up after `room` events."""

    def __init__(self, path: Path, room: int) -> None:
        super().__init__(path)
        self.room = room

    def write_all(self, events: list[Event]) -> list[Event]:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(events)
        return super().write_all(events)


def test_an_exception_in_the_block_still_turns_the_port_back_on_and_verifies_it(bench, tmp_path):
    desk = bench.config.phone("desk-01")
    with Journal(tmp_path / "j.jsonl") as journal, pytest.raises(RuntimeError, match="phone fault"):
        with switched_off(PoePort(bench.switch(desk.switch), desk, journal)):
            assert _admin(bench, "desk-01") in ("off", "never")
            raise RuntimeError("phone fault")
    assert _admin(bench, "desk-01") == "auto"
    assert _power(tmp_path / "j.jsonl") == [("off", "intent"), ("off", "done"), ("on", "done")]


def test_ctrl_c_in_the_block_turns_the_port_back_on(bench, tmp_path):
    desk = bench.config.phone("desk-02")
    with pytest.raises(KeyboardInterrupt):
        with switched_off(PoePort(bench.switch(desk.switch), desk, None)):
            raise KeyboardInterrupt
    assert _admin(bench, "desk-02") == "auto"


def test_an_off_the_switch_applied_but_answered_too_late_is_taken_as_done(bench, tmp_path):
    """H1: `power inline never` applied, its answer after timeouts.ssh: the port reads off, so
    the block runs as usual, and the port is on again after it."""
    desk = bench.config.phone("desk-03")
    switch = Flaky(bench.switch(desk.switch), off_then_timeout=True)
    with Journal(tmp_path / "j.jsonl") as journal:
        with switched_off(PoePort(switch, desk, journal)):
            assert _admin(bench, "desk-03") in ("off", "never")
    assert _admin(bench, "desk-03") == "auto"
    assert _power(tmp_path / "j.jsonl") == [("off", "intent"), ("off", "done"), ("on", "done")]


def test_an_off_whose_answer_and_read_were_both_lost_still_turns_the_port_back_on(bench, tmp_path):
    """H1: the off raised (nothing proves what the switch did): the port is turned on anyway."""
    desk = bench.config.phone("desk-01")
    switch = Flaky(bench.switch(desk.switch), off_then_timeout=True, lost_reads=1)
    with Journal(tmp_path / "j.jsonl") as journal, pytest.raises(SwitchTimeout):
        with switched_off(PoePort(switch, desk, journal)):
            pytest.fail("the block runs only once the port is known off")
    assert _admin(bench, "desk-01") == "auto"
    assert ports_left_off(read_events(tmp_path / "j.jsonl"), BENCH) == []


def test_a_full_disk_after_the_off_intent_does_not_keep_the_port_off(bench, tmp_path):
    """H1 and L1: the journal fails (ENOSPC) right after the intent: the port still comes back."""
    desk = bench.config.phone("desk-02")
    journal = DiskFull(tmp_path / "j.jsonl", room=1)
    with switched_off(PoePort(bench.switch(desk.switch), desk, journal)):
        assert _admin(bench, "desk-02") in ("off", "never")
    journal.close()
    assert _admin(bench, "desk-02") == "auto"
    assert _power(tmp_path / "j.jsonl") == [("off", "intent")]


def test_an_off_whose_intent_cannot_be_journaled_is_never_sent(bench, sim, tmp_path):
    desk = bench.config.phone("desk-03")
    before = len(sim.observe.commands("sw1"))
    journal = DiskFull(tmp_path / "j.jsonl", room=0)
    with pytest.raises(OSError, match="No space left"):
        with switched_off(PoePort(bench.switch(desk.switch), desk, journal)):
            pytest.fail("nothing may run with the port in an unrecorded state")
    journal.close()
    assert not any("power inline" in c for c in sim.observe.commands("sw1")[before:])


def test_power_on_is_retried_on_a_fresh_session_until_the_port_reads_on(bench, tmp_path):
    desk = bench.config.phone("desk-01")
    switch = Flaky(bench.switch(desk.switch), lost_ons=2)
    with switched_off(PoePort(switch, desk, None)):
        pass
    assert switch.ons == 3 and _admin(bench, "desk-01") == "auto"
    wait_for(lambda: bench.switch(desk.switch).poe_status(desk.port)[0].watts > 0, what="desk-01 to draw again")


def test_a_port_that_cannot_be_turned_back_on_is_named_and_stays_off_in_the_journal(bench, tmp_path, monkeypatch):
    monkeypatch.setattr("rig.actions.power._left_off", [])  # this process's record, not the next test's
    desk = bench.config.phone("desk-02")
    switch = Flaky(bench.switch(desk.switch), lost_ons=10)
    with Journal(tmp_path / "j.jsonl") as journal, pytest.raises(PortLeftOff, match="PORT LEFT OFF: desk-02"):
        with switched_off(PoePort(switch, desk, journal)):
            pass
    assert switch.ons == 3
    assert any(line.startswith("desk-02 (sw1 ") for line in left_off())
    assert [c.name for c in ports_left_off(read_events(tmp_path / "j.jsonl"), BENCH)] == ["desk-02"]
