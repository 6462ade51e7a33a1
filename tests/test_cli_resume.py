"""`--resume` on every job the README names, and run directories that record their config (path
and sha256), so `--resume` without `--config` runs with it and a wrong `--config` is told which
file the run needs (issue 22)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from rig.record.events import RunStarted
from rig.record.journal import read_events
from tests.test_cli_jobs import rig

SIM = {"bench": "sim-cli-resume", "simulation": {"phones": 1, "switches": 1, "scenarios": {"healthy": 1},
                                                 "time_scale": 0.005, "image_kb": 4}}


@pytest.mark.parametrize("command", ["erase", "verify", "factory-reset"])
def test_every_job_takes_resume(command, tmp_path):
    done = rig(command, "--help", cwd=tmp_path)
    assert done.returncode == 0 and "--resume RUN_DIR" in done.stdout


def test_a_run_records_its_config_and_resume_without_config_uses_it(tmp_path):
    bench = tmp_path / "benches"
    bench.mkdir()
    config = bench / "sim.yaml"
    config.write_text(yaml.safe_dump(SIM))
    first = rig("verify", "--config", str(config), "--runs-dir", str(tmp_path / "runs"), "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    run_dir = Path(json.loads(first.stdout)["run_dir"])
    started = next(e for e in read_events(run_dir / "journal.jsonl") if isinstance(e, RunStarted))
    assert started.config["file"] == str(config.resolve())
    assert started.config["sha256"] == hashlib.sha256(config.read_bytes()).hexdigest()

    elsewhere = tmp_path / "elsewhere"  # no lab_config.yaml here
    elsewhere.mkdir()
    again = rig("verify", "--resume", str(run_dir), "--json", cwd=elsewhere)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["run_dir"] == str(run_dir)

    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({**SIM, "bench": "another-bench"}))
    wrong = rig("verify", "--resume", str(run_dir), "--config", str(other), cwd=elsewhere)
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1
    assert f"it ran with {config.resolve()}: give --config {config.resolve()}" in wrong.stderr

    config.unlink()
    gone = rig("verify", "--resume", str(run_dir), cwd=elsewhere)
    assert gone.returncode == 2 and gone.stderr.count("\n") == 1
    assert f"ran with {config.resolve()}" in gone.stderr and "give --config" in gone.stderr


def test_quiet_prints_the_summary_and_no_line_per_phone(tmp_path):
    config = tmp_path / "sim.yaml"
    config.write_text(yaml.safe_dump(SIM))
    loud = rig("verify", "--config", str(config), "--runs-dir", str(tmp_path / "runs"), cwd=tmp_path)
    quiet = rig("-q", "verify", "--config", str(config), "--runs-dir", str(tmp_path / "runs"), cwd=tmp_path)
    assert loud.returncode == quiet.returncode == 0, quiet.stderr
    assert "desk-01 passed" in loud.stdout and "desk-01 passed" not in quiet.stdout
    assert "passed 1, failed 0, error 0, skipped 0" in quiet.stdout
