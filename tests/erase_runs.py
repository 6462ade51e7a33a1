"""`rig erase --json` started in the background on a simulated bench's config, for e2e tests that
start several benches' runs side by side."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path


def start_erase(stack: ExitStack, work: Path, config: Path) -> subprocess.Popen[str]:
    """The run, in `work` with its own lease directory and `work/runs`; killed when `stack` closes."""
    env = {**os.environ, "RIG_LEASE_DIR": str(work / "leases")}
    proc = subprocess.Popen([sys.executable, "-m", "rig", "erase", "--config", str(config), "--runs-dir",
                             str(work / "runs"), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=work, env=env)
    stack.callback(proc.kill)
    return proc
