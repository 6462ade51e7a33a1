"""`rig sim` serves a bench in the foreground; its written config drives it as hardware."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from rig.config.lab import load_config

REPO = Path(__file__).resolve().parent.parent


def rig(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rig", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@contextlib.contextmanager
def serving(*args: str, until: Path) -> Iterator[None]:
    """`rig sim ARGS` in the background once it has written `until`; Ctrl-C ends it (exit 0)."""
    proc = subprocess.Popen([sys.executable, "-m", "rig", "sim", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not until.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "rig sim exited"
        assert time.monotonic() < deadline, f"rig sim wrote no {until.name}"
        time.sleep(0.05)
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0


RUN_SETTINGS = {"timeouts": {"boot": 77}, "parallel": {"max_phones": 3}, "retries": {"erase_script": 2}}
"""What the served bench's source config says about the run (none of it slows the tests below)."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("served")
    source = tmp / "sim.yaml"
    source.write_text(yaml.safe_dump({"bench": "served", "simulation": {
        "phones": 2, "scenarios": {"stale_itl": 1}, "time_scale": 0.004, "image_kb": 1},
        **RUN_SETTINGS}))
    written = tmp / "out" / "bench.yaml"
    with serving("--config", str(source), "--write-config", str(written), until=written):
        yield written


def test_written_config_has_a_real_bench_form_with_files_beside_it(served: Path) -> None:
    config = load_config(served)
    assert config.simulation is None
    switch = config.switches["sw1"]
    assert switch.known_hosts == served.parent / "known_hosts" and switch.known_hosts.is_file()
    assert config.cucm is not None and config.cucm.trust_anchor == served.parent / "cucm-tftp.pem"
    assert [p.name for p in config.phones] == ["desk-01", "desk-02"]


def test_written_config_keeps_what_the_source_says_about_the_run(served: Path) -> None:
    config = load_config(served)
    assert config.timeouts.boot == 77
    assert config.timeouts.power_off < 1, "the timeouts the source did not give stay on the simulator's time"
    assert config.parallel.max_phones == 3 and config.retries.erase_script == 2


def test_written_config_is_readable_by_its_owner_only(served: Path) -> None:
    """It holds the simulator's passwords (issue 12 case 7)."""
    assert served.stat().st_mode & 0o777 == 0o600
    assert served.read_text().startswith("# Written by `rig sim`")


@pytest.mark.parametrize("foreign", ["known_hosts", "cucm-tftp.pem", "bench.yaml"])
def test_sim_never_overwrites_a_file_it_did_not_write(tmp_path: Path, foreign: str) -> None:
    """Written to ~/.ssh/x.yaml, `rig sim --write-config` must not wipe the user's known_hosts."""
    source = tmp_path / "sim.yaml"
    source.write_text(yaml.safe_dump({"bench": "b", "simulation": {"phones": 1}}))
    theirs = tmp_path / foreign
    theirs.write_text("[host.example]:22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
    before = theirs.read_bytes()
    refused = rig("sim", "--config", str(source), "--write-config", str(tmp_path / "bench.yaml"))
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and str(theirs) in refused.stderr and "Traceback" not in refused.stderr
    assert theirs.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"sim.yaml", foreign})


def test_rig_commands_drive_the_served_bench_through_its_written_config(served: Path) -> None:
    status = rig("status", "--config", str(served))
    assert status.returncode == 0, status.stderr
    assert "desk-01" in status.stdout and "desk-02" in status.stdout
    cycle = rig("power", "cycle", "desk-02", "--config", str(served), cwd=served.parent)
    assert cycle.returncode == 0, cycle.stderr
    assert "learned on sw1 Gi1/0/2" in cycle.stdout


def test_status_on_the_default_config_runs_the_embedded_simulated_bench() -> None:
    status = rig("status")
    assert status.returncode == 0, status.stderr
    assert all(f"desk-0{n}" in status.stdout for n in range(1, 9))


def test_sim_refuses_a_config_without_a_simulation_section(served: Path) -> None:
    refused = rig("sim", "--config", str(served))
    assert refused.returncode == 2
    assert "simulation: is required" in refused.stderr
