"""A run whose own files fail it (issue 29, L1): a runs or lease directory rig cannot use, a disk
that fills up right after a power-off intent, a journal deleted while a port is off. Each ends
with one line and exit 2, never a traceback, and no port is left off."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

pytest.importorskip("rig.sim.bench")

from rig.config.lab import dump_config  # noqa: E402

from rig.config.simulation import Simulation  # noqa: E402
from rig.record.events import Event, PowerAction  # noqa: E402
from rig.record.journal import JOURNAL_NAME, Journal, ports_left_off, read_events  # noqa: E402
from rig.bench.build import Bench  # noqa: E402
from rig.sim.bench import SimBench  # noqa: E402
from tests.waiting import wait_for  # noqa: E402

BENCH = "io-faults"


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimBench, Path]]:
    tmp = tmp_path_factory.mktemp("sim")
    settings = Simulation(phones=2, scenarios={"healthy": 2}, time_scale=0.004, image_kb=4, keypad="http_execute")
    with SimBench(settings, BENCH, tmp) as bench:
        doc = dump_config(bench.lab_config())
        doc["timeouts"]["power_off"] = 2.0  # the window in which the journal is deleted
        path = tmp / "lab.yaml"
        path.write_text(yaml.safe_dump(doc))
        path.chmod(0o600)
        yield bench, path


def _ports_on(sim: SimBench) -> bool:
    bench = Bench(sim.lab_config())
    try:
        return all(bench.switch(p.switch).poe_status(p.port)[0].admin.lower() == "auto" for p in bench.config.phones)
    finally:
        bench.close()


def _rig(config: Path, work: Path, *args: str, lease_dir: Path | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "RIG_LEASE_DIR": str(lease_dir or work / "leases")}
    return subprocess.Popen([sys.executable, "-m", "rig", "--config", str(config), *args], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _one_line_exit_2(proc: subprocess.Popen[str], *needles: str) -> str:
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("rig: error: ") and all(n in last for n in needles), err
    return err


def test_a_runs_directory_that_is_a_file_is_one_line_and_exit_2(sim, tmp_path):
    _, config = sim
    (tmp_path / "runs").write_text("not a directory")
    _one_line_exit_2(_rig(config, tmp_path, "erase", "--runs-dir", str(tmp_path / "runs")), str(tmp_path / "runs"))


def test_a_lease_directory_rig_cannot_use_is_one_line_and_exit_2(sim, tmp_path):
    _, config = sim
    (tmp_path / "leases").write_text("not a directory")
    _one_line_exit_2(_rig(config, tmp_path, "erase", "desk-01"), str(tmp_path / "leases"))


def test_a_journal_deleted_while_a_port_is_off_is_one_line_exit_2_and_the_port_comes_back(sim, tmp_path):
    bench, config = sim
    proc = _rig(config, tmp_path, "erase", "desk-01", "--runs-dir", str(tmp_path / "runs"))

    def journal_with_a_port_off() -> Path | None:
        for journal in (tmp_path / "runs").glob(f"*/{JOURNAL_NAME}"):
            power = [e for e in read_events(journal) if isinstance(e, PowerAction) and e.phase == "done"]
            if ports_left_off(power, BENCH):
                return journal
        return None

    wait_for(journal_with_a_port_off, timeout=60, what="the run to turn a port off")
    journal = journal_with_a_port_off()
    assert journal is not None
    journal.unlink()
    _one_line_exit_2(proc, JOURNAL_NAME)
    assert _ports_on(bench)


class DiskFillsAfterPowerOff(Journal):
    """The disk is full from the moment a power-off intent has been written."""

    def write_all(self, events: list[Event]) -> list[Event]:
        if getattr(self, "full", False):
            raise OSError(errno.ENOSPC, "No space left on device", str(self.path))
        written = super().write_all(events)
        self.full = any(isinstance(e, PowerAction) and e.action == "off" for e in events)
        return written


def test_a_disk_that_fills_after_the_power_off_intent_is_one_line_exit_2_and_the_port_comes_back(
        sim, tmp_path, monkeypatch, capsys):
    bench, config = sim
    from rig.cli import main

    monkeypatch.setattr("rig.jobs.runner.Journal", DiskFillsAfterPowerOff)
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    monkeypatch.setattr(sys, "argv", ["rig", "--config", str(config), "erase", "desk-02",
                                      "--runs-dir", str(tmp_path / "runs")])
    started = time.monotonic()
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 2, err
    assert err.strip().splitlines()[-1].endswith("journal.jsonl: No space left on device"), err
    assert "Traceback" not in err
    assert _ports_on(bench), f"after {time.monotonic() - started:.1f} s"
