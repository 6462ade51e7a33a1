"""A Dask bench worker stopped while a port is off (issue 29, L4): SIGTERM stops its job as Ctrl-C
stops a run (the port comes back on before the worker leaves); after `kill -9` the next run on
that bench turns the port back on from the dead job's journal, kept on the bench host beside the
leases (not in /tmp, which a cleaner may empty first)."""

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
from tests.test_cli_power import next_verify  # noqa: E402
from tests.test_fault_matrix import faults  # noqa: E402
from tests.waiting import wait_for  # noqa: E402

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[1]


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env=env, cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT)


@pytest.mark.parametrize("how", ["SIGTERM", "kill -9"])
def test_a_port_a_stopped_worker_had_off_comes_back_on(tmp_path, monkeypatch, capsys, how):
    from distributed import Client

    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    env = {**os.environ, "RIG_LEASE_DIR": str(tmp_path / "leases")}
    case = faults.FaultCase("worker-killed")
    (tmp_path / "sim").mkdir()
    with SimBench(faults.simulation(case), "north", tmp_path / "sim") as sim:
        config = faults.write_config(sim, tmp_path / "north.yaml", power_off=600.0)  # stopped in this window
        (tmp_path / "site.yaml").write_text("site: lab\nbenches: [north.yaml]\n")
        info = tmp_path / "scheduler.json"
        scheduler = _spawn([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                            "--scheduler-file", str(info)], env, tmp_path / "scheduler.log")
        worker = None
        try:
            wait_for(lambda: info.is_file() and info.stat().st_size > 0, 30, "the scheduler")
            address = json.loads(info.read_text())["address"]
            worker = _spawn([sys.executable, "-m", "rig", "worker", "--scheduler", address, "--host", "127.0.0.1",
                             "--config", str(tmp_path / "north.yaml")], env, tmp_path / "worker.log")
            with Client(address, set_as_default=False) as client:
                wait_for(lambda: "bench-north" in owned_benches(client), 30, "the worker")

            def kill_once_a_port_is_off() -> None:
                wait_for(lambda: any(sim.observe.phone(p).state == "off" for p in sim.observe.phones()), 60,
                         "a port to go off")
                worker.terminate() if how == "SIGTERM" else worker.kill()
                worker.wait(timeout=60)  # a stopped job ends at its next wait, not after 600 s

            killer = threading.Thread(target=kill_once_a_port_is_off)
            killer.start()
            code = run_on_cluster(address, tmp_path / "site.yaml", "erase", ["desk-04"], tmp_path / "runs",
                                  json_out=False)
            killer.join()
        finally:
            for process in (worker, scheduler):
                if process is not None:
                    process.kill()
                    process.wait()
        assert code in (1, 130), capsys.readouterr()
        if how == "SIGTERM":
            assert faults.ports_admin_off(config) == [], "back on before the worker left"
            return
        assert faults.ports_admin_off(config) == ["desk-04"]
        assert list((tmp_path / "worker-runs").glob("rig-job-*/*/journal.jsonl")), "the dead job's journal is kept"

        assert next_verify(config, "desk-04", tmp_path / "next").restored == ["desk-04"]
        assert faults.ports_admin_off(config) == []
