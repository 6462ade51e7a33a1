"""A whole simulated bench as `rig` commands see it, for end-to-end tests of the command line:
started, its config written as a real bench's, leases and the current directory its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from rig.config.lab import dump_config
from rig.config.simulation import Simulation
from rig.sim.bench import SimBench


@contextmanager
def bench_config(simulation: Simulation, name: str, workdir: Path) -> Iterator[tuple[SimBench, Path]]:
    """The started bench and its config, `workdir/<name>.yaml`; while it runs, `workdir` is the
    current directory and holds the lease directory (both undone on exit)."""
    workdir.mkdir(parents=True, exist_ok=True)
    with SimBench(simulation, name, workdir) as sim, pytest.MonkeyPatch.context() as patch:
        patch.setenv("RIG_LEASE_DIR", str(workdir / "leases"))
        patch.chdir(workdir)
        config = workdir / f"{name}.yaml"
        config.write_text(yaml.safe_dump(dump_config(sim.lab_config())))
        yield sim, config
