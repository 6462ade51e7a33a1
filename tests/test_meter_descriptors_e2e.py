"""An erase on the simulated bench from a controller already holding every descriptor up to 1100
(as one driving hundreds of phones does) reads its meters (issue 29, L3): before, every phone
ended `error: power meter ...: cannot open (filedescriptor out of range in select())`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml


ROOT = Path(__file__).resolve().parent.parent
RUN = """
import sys
from tests.descriptors import held_past
from rig.cli import main

if __name__ == "__main__":
    with held_past(1100):
        sys.argv = ["rig", "--config", sys.argv[1], "erase", "--runs-dir", sys.argv[2]]
        main()
"""


def test_an_erase_past_descriptor_1024_passes_with_its_meters_read(tmp_path: Path):
    config = tmp_path / "lab.yaml"
    config.write_text(yaml.safe_dump({"bench": "fd-bench", "simulation": {
        "phones": 2, "scenarios": {"stale_itl": 1, "healthy": 1}, "time_scale": 0.004}}))
    script = tmp_path / "run.py"
    script.write_text(RUN)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RIG_LEASE_DIR": str(tmp_path / "leases")}
    done = subprocess.run([sys.executable, str(script), str(config), str(tmp_path / "runs")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed 2, failed 0, error 0" in done.stdout
    journal = next((tmp_path / "runs").glob("*/journal.jsonl"))
    text = journal.read_text()
    assert "meter_watts" in text and "meter_error" not in text
