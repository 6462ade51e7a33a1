"""`rig power` keeps the promise a job keeps (issue 29, H2): a port it turned off comes back on when
the command is stopped (Ctrl-C, SIGTERM, SIGHUP), and after `kill -9` its journal lets
`rig power --resume` or the next command or run on the phone turn the port back on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

pytest.importorskip("rig.sim.bench")

from rig.config.lab import LabConfig, dump_config  # noqa: E402

from rig.config.simulation import Simulation  # noqa: E402
from rig.record.events import PowerAction  # noqa: E402
from rig.jobs import JobRequest, JobResult, JobService  # noqa: E402
from rig.record.journal import JOURNAL_NAME, ports_left_off, read_events  # noqa: E402
from rig.bench.build import Bench  # noqa: E402
from rig.sim.bench import SimBench  # noqa: E402
from tests.waiting import wait_for  # noqa: E402

BENCH = "cli-power"


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimBench, Path]]:
    tmp = tmp_path_factory.mktemp("sim")
    settings = Simulation(phones=4, scenarios={"healthy": 4}, time_scale=0.004, image_kb=4)
    with SimBench(settings, BENCH, tmp) as bench:
        path = tmp / "lab.yaml"
        path.write_text(yaml.safe_dump(dump_config(bench.lab_config())))
        path.chmod(0o600)
        yield bench, path


def _start(config: Path, work: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "RIG_LEASE_DIR": str(work / "leases")}
    return subprocess.Popen([sys.executable, "-m", "rig", "--config", str(config), *args], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(config: Path, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = _start(config, work, *args)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _admin(sim: SimBench, phone: str) -> str:
    bench = Bench(sim.lab_config())
    try:
        cfg = bench.config.phone(phone)
        (port,) = bench.switch(cfg.switch).poe_status(cfg.port)
        return port.admin.lower()
    finally:
        bench.close()


def next_verify(config: LabConfig, phone: str, runs_dir: Path) -> JobResult:
    """The next run on the bench: `rig verify PHONE` in this process (leases in $RIG_LEASE_DIR)."""
    bench = Bench(config)
    try:
        service = JobService(bench)
        return service.run(service.plan(JobRequest("verify", (phone,), runs_dir=runs_dir)))
    finally:
        bench.close()


def _off_mid_cycle(sim: SimBench, config: Path, work: Path, phone: str) -> subprocess.Popen[str]:
    """`rig power cycle PHONE` with a long off time, once the phone is dark."""
    proc = _start(config, work, "power", "cycle", phone, "--off-seconds", "60")
    wait_for(lambda: sim.observe.phone(phone).state == "off", timeout=30, what=f"{phone} to go dark")
    return proc


@pytest.mark.parametrize(("sig", "phone"), [(signal.SIGINT, "desk-01"), (signal.SIGTERM, "desk-02"),
                                            (signal.SIGHUP, "desk-03")])
def test_a_signal_while_rig_power_cycle_has_the_port_off_turns_it_back_on(sim, tmp_path, sig, phone):
    bench, config = sim
    proc = _off_mid_cycle(bench, config, tmp_path, phone)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "port is on again" in err
    assert _admin(bench, phone) == "auto"
    (journal,) = (tmp_path / "runs").glob(f"*-power/{JOURNAL_NAME}")
    assert ports_left_off(read_events(journal), BENCH) == []
    wait_for(lambda: bench.observe.phone(phone).watts > 0, what=f"{phone} to draw power again")


def test_after_kill_9_rig_power_resume_turns_the_port_back_on(sim, tmp_path):
    bench, config = sim
    proc = _off_mid_cycle(bench, config, tmp_path, "desk-04")
    proc.kill()
    proc.wait(timeout=30)
    assert _admin(bench, "desk-04") in ("off", "never")
    (journal,) = (tmp_path / "runs").glob(f"*-power/{JOURNAL_NAME}")
    done = _run(config, tmp_path, "power", "--resume", str(journal.parent))
    assert done.returncode == 0, done.stderr
    assert "desk-04: port turned back on" in done.stdout
    assert _admin(bench, "desk-04") == "auto"
    assert ports_left_off(read_events(journal), BENCH) == []
    wait_for(lambda: bench.observe.phone("desk-04").watts > 0, what="desk-04 to draw power again")


def test_after_kill_9_the_next_command_on_the_phone_turns_its_port_back_on(sim, tmp_path):
    bench, config = sim
    proc = _off_mid_cycle(bench, config, tmp_path, "desk-01")
    proc.kill()
    proc.wait(timeout=30)
    done = _run(config, tmp_path, "power", "on", "desk-01")
    assert done.returncode == 0, done.stderr
    assert "desk-01: port turned back on (a crashed run had left it off)" in done.stdout
    assert _admin(bench, "desk-01") == "auto"
    wait_for(lambda: bench.observe.phone("desk-01").watts > 0, what="desk-01 to draw power again")


def test_after_kill_9_the_next_run_leasing_the_phone_turns_its_port_back_on(sim, tmp_path, monkeypatch):
    bench, config = sim
    proc = _off_mid_cycle(bench, config, tmp_path, "desk-02")
    proc.kill()
    proc.wait(timeout=30)
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    result = next_verify(bench.lab_config(), "desk-02", tmp_path / "jobs")
    assert result.restored == ["desk-02"]
    assert result.results.phones[0].outcome == "passed", result.results.phones[0]
    (journal,) = (tmp_path / "runs").glob(f"*-power/{JOURNAL_NAME}")
    assert [(e.action, e.phase) for e in read_events(journal) if isinstance(e, PowerAction)][-1] == ("on", "done")


def test_rig_power_off_leaves_the_port_off_on_purpose_and_on_turns_it_on(sim, tmp_path):
    bench, config = sim
    off = _run(config, tmp_path, "power", "off", "desk-03")
    assert off.returncode == 0, off.stderr
    assert _admin(bench, "desk-03") in ("off", "never")
    on = _run(config, tmp_path, "power", "on", "desk-03")
    assert on.returncode == 0, on.stderr
    assert _admin(bench, "desk-03") == "auto"
    assert on.stdout.startswith("desk-03: power on")
    wait_for(lambda: bench.observe.phone("desk-03").watts > 0, what="desk-03 to draw power again")
