"""`rig power|press|console|status` against a running simulated bench, through its real-bench config."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

pytest.importorskip("rig.sim.bench")

from rig.cli import app  # noqa: E402
from rig.config.lab import dump_config  # noqa: E402
from rig.config.simulation import Simulation  # noqa: E402
from rig.sim.bench import SimBench  # noqa: E402
from tests.waiting import wait_for  # noqa: E402


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimBench, Path]]:
    tmp = tmp_path_factory.mktemp("sim")
    settings = Simulation(phones=3, scenarios={"stale_itl": 2, "healthy": 1}, time_scale=0.004, image_kb=4,
                          keypad="http_execute")
    with SimBench(settings, "cli-sim", tmp) as bench:
        path = tmp / "lab.yaml"
        path.write_text(yaml.safe_dump(dump_config(bench.lab_config())))
        yield bench, path


@pytest.fixture(autouse=True)
def _leases_in_tmp(tmp_path, monkeypatch):
    """`rig power` and `rig press` take the phone's lease: keep lease files out of the home directory."""
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    monkeypatch.chdir(tmp_path)  # and the journals of `rig power off|cycle` (./runs) out of the repository


def rig(config: Path, *args: str):
    return CliRunner().invoke(app, ["--config", str(config), *args])


def test_status_lists_every_phone_with_poe_load_and_meter(sim):
    _, config = sim
    result = rig(config, "status")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "desk-0" in line]
    assert len(rows) == 3
    assert all("on 6.3 W" in row and "6.30 W" in row for row in rows)
    assert re.search(r"Trust List Update Failed|TFTP Timeout", rows[0])  # the stuck phone's symptom


def test_power_cycle_restarts_the_identified_phone(sim):
    bench, config = sim
    result = rig(config, "power", "cycle", "desk-03")
    assert result.exit_code == 0, result.output
    assert "learned on sw1" in result.stdout
    log = bench.observe.commands("sw1")
    assert "power inline never" in log and "power inline auto" in log
    wait_for(lambda: bench.observe.phone("desk-03").watts > 6, what="the phone to draw power")


def test_power_is_refused_for_a_phone_configured_on_someone_elses_port(sim, tmp_path):
    bench, config = sim
    data = yaml.safe_load(config.read_text())
    first, second = data["phones"][0], data["phones"][1]
    first["mac"], second["mac"] = second["mac"], first["mac"]  # the two desks' labels swapped
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(yaml.safe_dump(data))
    before = len(bench.observe.commands("sw1"))
    result = rig(wrong, "power", "off", "desk-01")
    assert result.exit_code == 1 and "refusing to power off desk-01" in result.stderr
    assert not any("power inline" in c for c in bench.observe.commands("sw1")[before:])
    assert bench.observe.phone("desk-01").watts > 6


def test_press_on_a_stale_phone_falls_back_to_the_actuator(sim):
    bench, config = sim
    result = rig(config, "press", "desk-01", "Settings", "NavBack")
    assert result.exit_code == 0, result.output
    assert "CiscoIPPhoneError 4" in result.stderr and "(serial_actuator)" in result.stdout
    assert bench.observe.keys("desk-01", via="actuator")[-2:] == ["Settings", "NavBack"]


def test_console_follows_a_reboot(sim):
    _, config = sim
    follow = subprocess.Popen([sys.executable, "-m", "rig", "--config", str(config), "console", "desk-02",
                               "--for", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "following the console of desk-02" in follow.stderr.readline()  # connected
        assert rig(config, "power", "cycle", "desk-02").exit_code == 0
        out, _ = follow.communicate(timeout=30)
    finally:
        follow.kill()
    assert follow.returncode == 0 and len(out.splitlines()) >= 3
