"""Key-path evidence on the simulated bench: an erase of a single web-capable phone keeps its
screen after each key in the run directory, shows them in report.html and `rig diagnostics
--screenshots` bundles them; a fleet keeps none
unless asked; a phone that refuses its screenshots is still erased (a screenshot is evidence,
never a verdict)."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rig.cli import app
from rig.config.simulation import Simulation
from tests.bench_config import bench_config

SIMULATION = Simulation.model_validate({
    "phones": 3, "time_scale": 0.004, "image_kb": 4, "keypad": "http_execute",
    "scenarios": {"healthy": 2, "stale_itl": 1},
})
PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class Bench:
    config: Path
    runs: Path

    def erase(self, *args: str) -> tuple[Path, dict[str, Any]]:
        """`rig erase ARGS --json`: the run directory and the JSON summary."""
        result = CliRunner().invoke(app, ["--config", str(self.config), "erase", "--runs-dir", str(self.runs),
                                          "--json", *args])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        return Path(summary["run_dir"]), summary

    def diagnostics(self, *args: str) -> None:
        """`rig diagnostics ARGS` into b.zip beside the runs."""
        result = CliRunner().invoke(app, ["--config", str(self.config), "diagnostics", "--out",
                                          str(self.runs.parent / "b.zip"), "--runs-dir", str(self.runs), *args])
        assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    tmp = tmp_path_factory.mktemp("key-screens")
    with bench_config(SIMULATION, "screens-bench", tmp) as (_, config):
        yield Bench(config, tmp / "runs")


def erase_steps(run_dir: Path, phone: str) -> list[dict[str, Any]]:
    events = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    return [e for e in events if e["event"] == "step" and e["phone"] == phone and e["name"] == "erase"]


def test_a_single_phone_keeps_its_screen_after_each_key_and_the_report_shows_the_strip(bench):
    run_dir, summary = bench.erase("desk-01")
    assert summary["summary"]["passed"] == 1
    erase = erase_steps(run_dir, "desk-01")[-1]
    shots = erase["data"]["screenshots"]
    assert [s["key"] for s in shots] == erase["data"]["keys"]
    assert len(shots) == 9 and all("error" not in s for s in shots)
    for shot in shots:
        assert (run_dir / shot["file"]).read_bytes().startswith(PNG)
    assert shots[0]["file"] == "screens/desk-01/erase-01-Settings.png"
    report = (run_dir / "report.html").read_text()
    assert all(f'<img src="{s["file"]}"' in report for s in shots)
    bench.diagnostics("desk-01", "--screenshots")
    with zipfile.ZipFile(bench.runs.parent / "b.zip") as bundle:
        kept = [n for n in bundle.namelist() if re.fullmatch(r"phones/[^/]+/screens/erase-\d\d-\w+\.png", n)]
        assert len(kept) == 9 and all(bundle.read(n).startswith(PNG) for n in kept)


def test_a_fleet_keeps_no_screens_unless_asked_and_one_phone_can_be_asked_for_none(bench):
    run_dir, _ = bench.erase("desk-01", "desk-02")
    assert not (run_dir / "screens").exists()
    assert all("screenshots" not in e["data"] for p in ("desk-01", "desk-02") for e in erase_steps(run_dir, p))
    run_dir, _ = bench.erase("--no-screenshots", "desk-01")
    assert not (run_dir / "screens").exists()
    run_dir, _ = bench.erase("--screenshots", "desk-01", "desk-02")
    assert sorted(p.name for p in (run_dir / "screens").iterdir()) == ["desk-01", "desk-02"]


def test_a_phone_refusing_its_screenshots_is_still_erased_and_rig_stops_asking(bench):
    run_dir, summary = bench.erase("desk-03")  # stale: it refuses the credentials until its ITL is erased
    assert summary["summary"]["passed"] == 1
    erase = erase_steps(run_dir, "desk-03")[-1]
    assert erase["ok"] and erase["data"]["backend"] == "serial_actuator"
    shots = erase["data"]["screenshots"]
    assert len(shots) == 3 and all("error" in s and "file" not in s for s in shots)
    assert erase["data"]["screenshots_stopped"].startswith("after 3 keys: ")
