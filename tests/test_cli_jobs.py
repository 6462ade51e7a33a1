"""The job commands refuse bad input with one line and exit 2, before any phone is touched."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from rig.journal import Journal
from rig.lease import LeaseSet

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
