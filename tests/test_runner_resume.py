"""Resume and takeover: a run killed while a port was off leaves the proof in its journal, and the
next run of that phone (its `--resume`, or a plain new run taking over its dead lease) turns the
port back on before it does anything else, then runs the phone as usual (issue 12, item 1)."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from rig.bench.build import Bench, open_bench
from rig.errors import RigError
from rig.record.events import ListedPhone, PhoneStarted, PowerAction, RunStarted, StepDone
from rig.jobs import JobRequest, JobService
from rig.record.journal import JOURNAL_NAME, Journal, read_events
from rig.procedures import BASELINE, PROCEDURES, Procedure, StepDef
from rig.procedures import baseline as baseline_step
from rig.procedures.findings import Baseline
from rig.record.lease import lease_path

SIM = {"bench": "sim-resume", "simulation": {"phones": 2, "switches": 1, "scenarios": {"healthy": 2},
                                             "time_scale": 0.005, "image_kb": 4}}


@pytest.fixture
def bench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bench]:
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    config = tmp_path / "sim.yaml"
    config.write_text(yaml.safe_dump(SIM))
    with open_bench(config) as opened:
        yield opened


def _killed_mid_power_cycle(bench: Bench, run_dir: Path) -> None:
    """What `kill -9` between `power inline never` and `power inline auto` leaves: desk-01 dark,
    and a journal whose last word on its port is the write-ahead `off`."""
    phones = bench.config.phones
    desk = phones[0]
    bench.switch(desk.switch).power_off(desk.port)
    with Journal(run_dir / "journal.jsonl") as journal:
        journal.write(RunStarted(run_id=run_dir.name, procedure="erase", bench=bench.config.bench,
                                 phones=[ListedPhone(p.name, p.mac, p.switch, p.port) for p in phones],
                                 redo=[p.name for p in phones]))
        journal.write(PhoneStarted(phone=desk.name))
        for phase in ("intent", "done"):
            journal.write(PowerAction(phone=desk.name, switch=desk.switch, port=desk.port, mac=desk.mac,
                                      action="off", phase=phase))


def _admin(bench: Bench, phone: str) -> str:
    config = bench.config.phone(phone)
    return bench.switch(config.switch).poe_status(config.port)[0].admin


def test_resume_turns_the_port_a_killed_run_left_off_back_on_and_finishes_the_phone(bench, tmp_path):
    run_dir = tmp_path / "runs" / "20261125-090000-erase"
    _killed_mid_power_cycle(bench, run_dir)
    assert _admin(bench, "desk-01") != "auto"
    service = JobService(bench)
    result = service.run(service.plan(JobRequest("erase", resume=run_dir)))
    assert result.restored == ["desk-01"]
    assert _admin(bench, "desk-01") == "auto"
    desk01, desk02 = result.results.phones
    assert desk02.outcome == "passed"
    # Before: skipped, "no MAC and no CDP neighbour on the port". Now identified and run to its end.
    assert desk01.steps[0].name == "identify" and desk01.steps[0].ok
    assert desk01.outcome == "passed", desk01.reason


def _lease_of_a_dead_run(bench: Bench, phone: str, dead: Path) -> None:
    """`phone`'s lease as a killed run leaves it: unexpired, naming a process that has exited."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lease = lease_path(bench.config.bench, phone)
    lease.parent.mkdir(parents=True)
    lease.write_text(json.dumps({"user": "tech", "host": socket.gethostname(), "pid": int(done.stdout),
                                 "run_id": dead.name, "expires": time.time() + 600, "run_dir": str(dead)}))


def test_a_new_run_taking_over_a_dead_runs_lease_restores_that_runs_port_first(bench, tmp_path):
    dead = tmp_path / "runs" / "20261125-090000-erase"
    _killed_mid_power_cycle(bench, dead)
    _lease_of_a_dead_run(bench, "desk-01", dead)
    service = JobService(bench)
    result = service.run(service.plan(JobRequest("verify", ("desk-01",), runs_dir=tmp_path / "runs")))
    assert result.restored == ["desk-01"] and result.run_dir != dead
    assert result.results.phones[0].steps[0].ok, "identified on its port again"
    restored = [json.loads(line) for line in (dead / "journal.jsonl").read_text().splitlines()][-1:]
    assert [(e["event"], e["action"], e["phase"]) for e in restored] == [("power", "on", "done")]


def test_a_port_of_a_phone_this_job_does_not_lease_is_left_alone(bench, tmp_path):
    """desk-01 of the dead run may by now be another live run's, power-cycled on purpose."""
    dead = tmp_path / "runs" / "20261125-090000-erase"
    _killed_mid_power_cycle(bench, dead)
    _lease_of_a_dead_run(bench, "desk-02", dead)
    service = JobService(bench)
    result = service.run(service.plan(JobRequest("verify", ("desk-02",), runs_dir=tmp_path / "runs")))
    assert result.restored == []
    assert _admin(bench, "desk-01") != "auto"


def test_a_bench_without_phones_is_refused_by_the_service_before_any_run_directory(bench, tmp_path):
    empty = Bench.__new__(Bench)
    empty.config = bench.config.model_copy(update={"phones": []})
    with pytest.raises(RigError, match="no phones"):
        JobService(empty).plan(JobRequest("erase", runs_dir=tmp_path / "runs", source="lab.yaml"))
    assert not (tmp_path / "runs").exists()


def test_resume_of_another_benchs_run_is_refused(bench, tmp_path):
    run_dir = tmp_path / "other"
    with Journal(run_dir / "journal.jsonl") as journal:
        journal.write(RunStarted(run_id="other", procedure="erase", bench="bench-b",
                                 phones=[ListedPhone("desk-01", "001D705F0001", "sw1", "Gi1/0/1")]))
    with pytest.raises(RigError, match="bench bench-b"):
        JobService(bench).plan(JobRequest("erase", resume=run_dir))
    assert os.listdir(run_dir) == ["journal.jsonl"]


# observe asks for the `.loads` file only while the phone's witnesses do not show the expected load
# after the power-on, never because of what the phone ran before the job. A run that dies after
# erasing its phones leaves them to reboot and upgrade on their own while nobody watches; the
# resumed run reads their baseline while they still boot (the old load) and power-cycles them; a
# phone already on the expected load fetches no `.loads` file (fault matrix `kill-9-at-intent`).


def _verify(bench: Bench, runs: Path) -> tuple[dict, dict]:
    """The phone's results.json entry and its observe step's evidence (from the journal)."""
    service = JobService(bench)
    result = service.run(service.plan(JobRequest("verify", phones=("desk-01",), runs_dir=runs)))
    observe = [e for e in read_events(result.run_dir / JOURNAL_NAME) if isinstance(e, StepDone) and e.name == "observe"]
    return result.results.phones[0].to_json(), observe[-1].data


def test_a_phone_already_on_the_expected_load_passes_without_a_loads_fetch_whatever_its_baseline_said(
        bench, tmp_path, monkeypatch):
    first, observed = _verify(bench, tmp_path / "first")
    assert first["outcome"] == "passed", first["reason"]
    old_load = first["load_before"]
    loads = f"{bench.config.cucm.expected_load}.loads"
    assert loads in observed["fetched"], "it upgraded: the .loads file was fetched"

    def booting_baseline(ctx, view) -> Baseline:
        """The baseline a resumed run reads while the phone still boots: the load it ran before."""
        return dataclasses.replace(baseline_step.run(ctx, view), load=old_load)

    stale = StepDef("baseline", booting_baseline, gives=BASELINE.gives, needs=BASELINE.needs)
    verify = PROCEDURES["verify"]
    monkeypatch.setitem(PROCEDURES, "verify", Procedure(
        "verify", tuple(stale if s.name == "baseline" else s for s in verify.steps)))

    second, observed = _verify(bench, tmp_path / "second")
    assert second["load_before"] == old_load != bench.config.cucm.expected_load
    assert second["outcome"] == "passed", second["reason"]
    assert loads not in observed["fetched"]
    assert loads not in observed["required"]
    assert observed["note"].startswith(f"no {loads} needed: after the power-on ")
    assert observed["note"].endswith(f" showed {bench.config.cucm.expected_load}")
