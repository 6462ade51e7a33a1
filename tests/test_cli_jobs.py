"""The job commands refuse bad input with one line and exit 2, before any phone is touched."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rig.record.journal import Journal
from rig.record.lease import LeaseSet

CONFIG = {
    "bench": "bench-cli",
    # nothing listens here: a command that touched the switch would fail with a SwitchError
    "switches": {"sw1": {"host": "127.0.0.1", "port": 1, "username": "rig", "password": "x"}},
    "cucm": {"tftp": {"host": "127.0.0.1", "port": 6969}, "expected_load": "SCCP42.9-4-2SR3-1S"},
    "phones": [{"name": "desk-01", "mac": "001D705F0001", "switch": "sw1", "port": "Gi1/0/1",
                "keypad": {"backend": "operator"}}],
}


@pytest.fixture
def lab(tmp_path):
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(CONFIG))
    return path


def rig(*args, cwd):
    env = {**os.environ, "RIG_LEASE_DIR": str(cwd / "leases")}
    return subprocess.run([sys.executable, "-m", "rig", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=60)


def _one_error_line(done):
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("rig: error: ") and done.stderr.count("\n") == 1
    return done.stderr


def test_an_unknown_phone_name_is_refused_and_nothing_runs(lab, tmp_path):
    err = _one_error_line(rig("erase", "desk-99", "--config", str(lab), cwd=tmp_path))
    assert "desk-99" in err
    assert not (tmp_path / "runs").exists()


def test_a_phone_leased_by_another_run_is_refused_naming_the_holder(lab, tmp_path):
    with LeaseSet("bench-cli", ["desk-01"], "20261125-090000-erase", 60, lease_dir=tmp_path / "leases"):
        err = _one_error_line(rig("erase", "--config", str(lab), "--runs-dir", str(tmp_path / "runs"), cwd=tmp_path))
    assert "desk-01" in err and "run 20261125-090000-erase" in err and f"pid {os.getpid()}" in err
    journals = list((tmp_path / "runs").glob("*/journal.jsonl"))
    assert journals == []


def test_resume_of_a_directory_that_is_not_a_run_is_refused(lab, tmp_path):
    err = _one_error_line(rig("erase", "--resume", str(tmp_path), "--config", str(lab), cwd=tmp_path))
    assert "journal.jsonl" in err


def test_report_re_renders_a_run_from_its_journal(tmp_path):
    run = tmp_path / "20261125-090000-verify"
    with Journal(run / "journal.jsonl") as j:
        j.append("run_started", run_id=run.name, procedure="verify", bench="b",
                 phones=[{"name": "desk-01", "mac": "001D705F0001", "switch": "sw1", "port": "Gi1/0/1"}])
        j.append("phone_started", phone="desk-01")
        j.append("phone_done", phone="desk-01", outcome="passed", reason=None)
        j.append("run_finished")
    done = rig("report", str(run), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert str(run / "report.html") in done.stdout
    assert {p.name for p in run.iterdir()} >= {"results.json", "junit.xml", "report.html"}


def test_report_of_a_directory_without_journal_is_one_error(tmp_path):
    _one_error_line(rig("report", str(tmp_path), cwd=tmp_path))


SLOW_SIM = {
    "bench": "sim-ctrl-c",
    "simulation": {"phones": 4, "switches": 1, "scenarios": {"stale_itl": 4}, "time_scale": 0.02, "image_kb": 4},
}


def test_two_quick_ctrl_c_still_leave_the_journal_reports_and_json_consistent(tmp_path):
    """Issue 12: a second Ctrl-C within a second used to exit 130 with nothing written."""
    from tests.waiting import wait_for

    config = tmp_path / "sim.yaml"
    config.write_text(yaml.safe_dump(SLOW_SIM))
    runs = tmp_path / "runs"
    env = {**os.environ, "RIG_LEASE_DIR": str(tmp_path / "leases")}
    stderr = tmp_path / "stderr.txt"
    rig_process = subprocess.Popen(
        [sys.executable, "-m", "rig", "erase", "--config", str(config), "--runs-dir", str(runs), "--json"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=stderr.open("w"), text=True)
    try:
        def phones_in_flight() -> bool:
            journals = list(runs.glob("*/journal.jsonl"))
            return bool(journals) and '"event":"step"' in journals[0].read_text()

        wait_for(phones_in_flight, timeout=60, what="the run's first step")  # the handler is in place by now
        rig_process.send_signal(signal.SIGINT)
        wait_for(lambda: "rig: stopping" in stderr.read_text(), timeout=5, what="the first Ctrl-C to be seen")
        rig_process.send_signal(signal.SIGINT)  # the impatient second one, well within a second
        out, _ = rig_process.communicate(timeout=120)
        err = stderr.read_text()
    finally:
        rig_process.kill()
    assert rig_process.returncode == 130, err
    assert "Traceback" not in err
    document = json.loads(out)
    run_dir = Path(document["run_dir"])
    assert len(document["phones"]) == 4
    last = json.loads((run_dir / "journal.jsonl").read_text().splitlines()[-1])
    assert last["event"] == "run_interrupted"
    results = json.loads((run_dir / "results.json").read_text())
    assert results["interrupted"] is True and results["summary"] == document["summary"]
    assert (run_dir / "junit.xml").is_file() and (run_dir / "report.html").is_file()
    for phone in document["phones"]:  # what was done is said, and no port is left off
        assert phone["outcome"] == "passed" or "interrupted" in phone["reason"], phone
        assert "may still be off" not in (phone["reason"] or ""), phone
    assert "already stopping" in err


def test_a_bench_without_phones_is_refused_before_a_run_directory_exists(tmp_path):
    """Issue 12: `phones: []` used to exit 0 with an empty run directory."""
    config = tmp_path / "empty.yaml"
    config.write_text(yaml.safe_dump({**CONFIG, "phones": []}))
    err = _one_error_line(rig("erase", "--config", str(config), "--runs-dir", str(tmp_path / "runs"), cwd=tmp_path))
    assert "phones" in err
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("args", [["no-such-command"], ["erase", "--no-such-option"], ["power"]])
def test_a_command_line_rig_cannot_parse_is_one_line_exit_2(args, tmp_path):
    _one_error_line(rig(*args, cwd=tmp_path))
