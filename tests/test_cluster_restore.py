"""A Dask bench worker stopped while a port is off (issue 29, L4): SIGTERM stops its job as Ctrl-C
stops a run (the port comes back on before the worker leaves); after `kill -9`, `--resume` of the
cluster run turns the port back on, from the dead job's journal kept on the bench host beside
the leases (not in /tmp, which a cleaner may empty first), and finishes the phone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from rig.cluster import run_on_cluster  # noqa: E402
from rig.cluster.client import owned_benches  # noqa: E402
from rig.sim.bench import SimBench  # noqa: E402
from tests.test_fault_matrix import faults  # noqa: E402
from tests.waiting import wait_for  # noqa: E402

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[1]


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env=env, cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT)


def _worker(address: str, config: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`rig worker` for the bench of `config`, once the scheduler sees it."""
    from distributed import Client

    worker = _spawn([sys.executable, "-m", "rig", "worker", "--scheduler", address, "--host", "127.0.0.1",
                     "--config", str(config)], env, log)
    with Client(address, set_as_default=False) as client:
        wait_for(lambda: "bench-north" in owned_benches(client), 30, "the worker")
    return worker


@pytest.mark.parametrize("how", ["SIGTERM", "kill -9"])
def test_a_port_a_stopped_worker_had_off_comes_back_on(tmp_path, monkeypatch, capsys, how):
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    env = {**os.environ, "RIG_LEASE_DIR": str(tmp_path / "leases")}
    site = tmp_path / "site.yaml"
    (tmp_path / "sim").mkdir()
    with SimBench(faults.simulation(faults.FaultCase("worker-stopped")), "north", tmp_path / "sim") as sim:
        config = faults.write_config(sim, tmp_path / "north.yaml", power_off=600.0)  # stopped in this window
        site.write_text("site: lab\nbenches: [north.yaml]\n")
        info = tmp_path / "scheduler.json"
        scheduler = _spawn([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                            "--scheduler-file", str(info)], env, tmp_path / "scheduler.log")
        workers: list[subprocess.Popen[bytes]] = []
        try:
            wait_for(lambda: info.is_file() and info.stat().st_size > 0, 30, "the scheduler")
            address = json.loads(info.read_text())["address"]
            workers.append(_worker(address, tmp_path / "north.yaml", env, tmp_path / "worker.log"))

            def stop_once_a_port_is_off() -> None:
                wait_for(lambda: any(sim.observe.phone(p).state == "off" for p in sim.observe.phones()), 60,
                         "a port to go off")
                workers[0].terminate() if how == "SIGTERM" else workers[0].kill()
                workers[0].wait(timeout=60)  # a stopped job ends at its next wait, not after 600 s

            stopper = threading.Thread(target=stop_once_a_port_is_off)
            stopper.start()
            code = run_on_cluster(address, site, "erase", ["desk-04"], tmp_path / "runs", json_out=False)
            stopper.join()
            assert code in (1, 130), capsys.readouterr()
            if how == "SIGTERM":
                assert faults.ports_admin_off(config) == [], "back on before the worker left"
                return
            assert faults.ports_admin_off(config) == ["desk-04"]
            assert list((tmp_path / "worker-runs").glob("rig-job-*/*/journal.jsonl")), "the dead job's journal is kept"

            faults.write_config(sim, tmp_path / "north.yaml")  # the resume powers off for the usual time
            workers.append(_worker(address, tmp_path / "north.yaml", env, tmp_path / "worker2.log"))
            (run_dir,) = (tmp_path / "runs").iterdir()
            resumed = run_on_cluster(address, site, "erase", [], tmp_path / "runs", json_out=False, resume=run_dir)
        finally:
            for process in (*workers, scheduler):
                process.kill()
                process.wait()
        assert faults.ports_admin_off(config) == []
        assert resumed == 0, capsys.readouterr()
        assert json.loads((run_dir / "results.json").read_text())["phones"][0]["outcome"] == "passed"
