"""`python -m rig.sim.multiproc` as a benchmark drives it: a bench served by shard processes,
its config written once every shard is up, command counts on SIGINT, and no process left behind
when the simulator itself is killed (the shards are forked: each must drop the pipe ends it
inherited, or the parent's death would never reach it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rig.config.lab import load_config
from tests.waiting import wait_for

SIM = "bench: multi\nsimulation: {phones: 4, switches: 2, time_scale: 0.01, image_kb: 2}\n"


def children(pid: int) -> set[int]:
    """Every live descendant of `pid`."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    (tmp_path / "sim.yaml").write_text(SIM)
    written = tmp_path / "bench.yaml"
    process = subprocess.Popen(
        [sys.executable, "-m", "rig.sim.multiproc", "--config", str(tmp_path / "sim.yaml"), "--write-config",
         str(written), "--shards", "2", "--counts", str(tmp_path / "counts.json")],
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(written.exists, 60.0, "the simulator's bench config")
        yield process, written
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_bench_is_served_by_shards_and_counts_come_back_on_sigint(simulator) -> None:
    process, written = simulator
    config = load_config(written)
    assert sorted(config.switches) == ["sw1", "sw2"] and len(config.phones) == 4
    assert len(children(process.pid)) == 3  # two shards and CUCM's TFTP server
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert sorted(json.loads((written.parent / "counts.json").read_text())) == ["sw1", "sw2"]


def test_no_shard_outlives_a_killed_simulator(simulator) -> None:
    process, _ = simulator
    left = children(process.pid)
    assert left
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 20
    while left and time.monotonic() < deadline:
        left = {pid for pid in left if Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)}
        time.sleep(0.1)
    assert not left, f"still running after the simulator was killed: {sorted(left)}"


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "Z"
    return stat[stat.rindex(")") + 2:].split()[0]
