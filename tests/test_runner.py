"""The runner: outcomes keep the phone's fault apart from the bench's, and a dead bench part is
taken out of service instead of failing phone after phone."""

from __future__ import annotations

import socket
import threading

import pytest

from rig.drivers.console import ConsoleError
from rig.drivers.ios_switch import SwitchError
from rig.drivers.phone_web import PhoneWebError
from rig.drivers.power_meter import PowerMeterError
from rig.bench.build import Bench
from rig.config.lab import LabConfig, PhoneConfig
from rig.errors import RigError
from rig.record.events import StepDone
from rig.record.journal import Journal, read_events
from rig.procedures.steps import BenchFault, PhoneFailed, PhoneSkipped
from rig.report import render
from rig.report.model import RunResults
from rig.jobs.rundir import new_run_dir, read_state
from rig.jobs.runner import Runner, parts_of, verdict_of

PHONE = PhoneConfig(
    name="desk-01", mac="001D705F0001", switch="sw1", port="Gi1/0/1", console="socket://127.0.0.9:7001",
    keypad=[{"backend": "serial_actuator", "url": "socket://127.0.0.1:7100", "target": "desk-01"}],
    power_meter={"instrument": "meter1", "channel": 1},
)


def test_a_phone_depends_on_its_switch_console_server_meter_and_actuator():
    assert parts_of(PHONE) == {"switch": "switch sw1", "console": "console 127.0.0.9",
                               "meter": "meter meter1", "keypad": "actuator socket://127.0.0.1:7100"}


@pytest.mark.parametrize("error, outcome, part", [
    (SwitchError("sw1: show power inline: timeout"), "error", "switch sw1"),
    (ConsoleError("desk-01: console socket://127.0.0.9:7001 refused"), "error", "console 127.0.0.9"),
    (PowerMeterError("meter1: no answer"), "error", "meter meter1"),
    (BenchFault("tap down"), "error", None),
    (PhoneFailed("never fetched its load"), "failed", None),
    (PhoneWebError("desk-01: connection refused"), "failed", None),
    (PhoneSkipped("MAC not on port"), "skipped", None),
    (ValueError("a bug"), "error", None),
])
def test_each_kind_of_trouble_has_its_outcome_and_blames_its_bench_part(error, outcome, part):
    verdict = verdict_of(error, PHONE)
    assert (verdict.outcome, verdict.part) == (outcome, part)
    assert verdict.reason


def test_run_directories_are_named_by_time_and_procedure_and_never_collide(tmp_path):
    first, second = new_run_dir(tmp_path, "erase"), new_run_dir(tmp_path, "erase")
    assert first != second and first.name.endswith("-erase") and len(first.name.split("-")[0]) == 8


def test_resume_state_keeps_the_phones_that_passed_last(tmp_path):
    with Journal(tmp_path / "journal.jsonl") as j:
        j.append("run_started", run_id="r1", procedure="erase", bench="b",
                 phones=[{"name": n, "mac": "001D705F0001", "switch": "sw1", "port": "Gi1/0/1"} for n in "abc"])
        j.append("phone_done", phone="a", outcome="passed")
        j.append("phone_done", phone="b", outcome="failed")
    state = read_state(tmp_path)
    assert (state.run_id, state.procedure, state.phones, state.passed) == ("r1", "erase", ["a", "b", "c"], ["a"])
    with pytest.raises(RigError, match="no journal.jsonl"):
        read_state(tmp_path / "elsewhere")


@pytest.fixture
def closed_port() -> int:
    """A loopback TCP port with nothing listening (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dead_bench_config(switch_port: int, **extra: object) -> LabConfig:
    return LabConfig.model_validate({
        "bench": "dead-switch",
        "switches": {"sw1": {"host": "127.0.0.1", "port": switch_port, "username": "u", "password": "p"}},
        "cucm": {"tftp": {"host": "127.0.0.1", "port": 69}, "expected_load": "X"},
        "phones": [{"name": f"desk-0{i}", "mac": f"001D705F000{i}", "switch": "sw1", "port": f"Gi1/0/{i}"}
                   for i in range(1, 5)],
        "timeouts": {"ssh": 2},
        "parallel": {"max_phones": 1},
        **extra,
    })


def _run(config: LabConfig, run_dir) -> RunResults:
    bench = Bench(config)
    try:
        Runner(bench, "verify", config.phones, run_dir, stop=threading.Event()).run()
    finally:
        bench.close()
    return render(run_dir)


def test_a_switch_that_fails_for_two_phones_is_out_of_service_for_the_rest(tmp_path, closed_port):
    result = _run(_dead_bench_config(closed_port), tmp_path / "run")
    outcomes = {p.name: p.outcome for p in result.phones}
    assert outcomes == dict.fromkeys(["desk-01", "desk-02", "desk-03", "desk-04"], "error")
    assert (result.phone("desk-03").reason or "").startswith("switch sw1 unhealthy: ")
    events = read_events(tmp_path / "run" / "journal.jsonl")
    untried = [e for e in events if isinstance(e, StepDone) and e.phone in ("desk-03", "desk-04")]
    assert untried == []
    assert result.unhealthy[0].slot == "switch sw1"


def test_a_tap_that_cannot_start_is_an_error_for_every_phone_and_touches_none(tmp_path, closed_port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 0))
        taken = busy.getsockname()[1]
        config = _dead_bench_config(closed_port, tftp_tap={"listen": {"host": "127.0.0.1", "port": taken}})
        result = _run(config, tmp_path / "run")
    assert {p.outcome for p in result.phones} == {"error"}
    assert all((p.reason or "").startswith("TFTP tap failed to start") for p in result.phones)
    assert [e for e in read_events(tmp_path / "run" / "journal.jsonl") if isinstance(e, StepDone)] == []
