"""The tap's UDP port is shared safely between `rig tap`, preflights and runs.

One process holds the port; the others use its records (rig.bench.tap_share). With `rig tap` serving,
a run passes on the service's records and preflight says so; preflights side by side never take
the port from each other or from a run; a port held by something that shares nothing is named,
with its pid, by preflight and by the gate before a run touches anything.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import tftpy
import yaml

from rig.bench.build import Bench
from rig.config.lab import LabConfig, dump_config, load_config
from rig.config.simulation import Simulation
from rig.preflight.bench_checks import check_tap_port, check_tftp
from rig.sim.bench import SimBench
from rig.bench.tap_share import port_holder
from tests.waiting import wait_for

SIMULATION = Simulation(phones=2, scenarios={"stale_itl": 1, "healthy": 1}, time_scale=0.004, image_kb=4,
                        keypad="http_execute")


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, LabConfig]]:
    work = tmp_path_factory.mktemp("tap-share")
    with SimBench(SIMULATION, "tap-share", work) as sim:
        document = dump_config(sim.lab_config())
        document["timeouts"]["boot"] = 6.0
        path = work / "lab.yaml"
        path.write_text(yaml.safe_dump(document))
        yield path, load_config(path)


@pytest.fixture
def leases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One lease directory for this test's processes: where the port's holder publishes."""
    directory = tmp_path / "leases"
    monkeypatch.setenv("RIG_LEASE_DIR", str(directory))
    return directory


def _rig(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "rig", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=cwd, env=os.environ.copy())


def _fetch(config: LabConfig, port: int | None = None) -> bytes:
    """A phone's ITL fetched through the tap's port, as the phone fetches it."""
    assert config.tftp_tap is not None
    phone = config.phones[0]
    out = io.BytesIO()
    client = tftpy.TftpClient(config.tftp_tap.listen.host, port or config.tftp_tap.listen.port,
                              localip=str(phone.ip))
    client.download(f"ITLSEP{phone.mac}.tlv", out, timeout=2)
    return out.getvalue()


def test_with_rig_tap_serving_preflight_is_ready_and_a_run_passes_on_the_services_records(bench, leases, tmp_path):
    path, config = bench
    service = _rig("tap", "--config", str(path), cwd=tmp_path)
    try:
        assert service.stderr is not None and "tap listening" in service.stderr.readline()
        port = check_tap_port(Bench(config))
        assert port.ok and f"held by rig pid {service.pid}, which shares its records" in port.detail
        run = _rig("erase", "--config", str(path), "--runs-dir", str(tmp_path / "runs"), "--json", cwd=tmp_path)
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        results = json.loads((Path(json.loads(out)["run_dir"]) / "results.json").read_text())
        assert {p["name"]: p["outcome"] for p in results["phones"]} == {"desk-01": "passed", "desk-02": "passed"}
        assert service.poll() is None  # the service still serves
    finally:
        service.send_signal(signal.SIGINT)
        service.wait(timeout=10)


def test_preflights_side_by_side_all_read_cucm_through_a_relay_of_their_own(bench, leases):
    _, config = bench
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: check_tftp(Bench(config), config.phones[0]), range(8)))
    assert [checks[0].ok for checks in results] == [True] * 8, [checks[0].detail for checks in results]


def test_a_preflight_never_binds_the_taps_port_so_a_run_starting_meanwhile_gets_it(bench, leases):
    _, config = bench
    assert config.tftp_tap is not None
    listen = (config.tftp_tap.listen.host, config.tftp_tap.listen.port)
    seen: list[str] = []
    done = threading.Event()

    def watch_the_port() -> None:
        while not done.is_set():
            holder = port_holder(*listen)
            if holder is not None:
                seen.append(holder)
            done.wait(0.005)

    watcher = threading.Thread(target=watch_the_port)
    watcher.start()
    try:
        assert check_tftp(Bench(config), config.phones[0])[0].ok
    finally:
        done.set()
        watcher.join()
    assert seen == []


def test_a_preflight_beside_a_run_leaves_the_runs_tap_alone(bench, leases):
    _, config = bench
    run_tap = Bench(config).tap()
    assert run_tap is not None
    with run_tap:  # what a run holds for its whole length
        assert check_tftp(Bench(config), config.phones[0])[0].ok
        assert check_tap_port(Bench(config)).detail.startswith("UDP ")
        _fetch(config)
        wait_for(lambda: run_tap.transfers(), timeout=10, what="the run's tap to record the fetch")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_started_beside_another_shares_its_tap_and_takes_the_port_over_when_it_ends(bench, leases, workers):
    _, config = bench
    assert config.tftp_tap is not None  # two workers hold the port as one relay does: the second run subscribes
    config = config.model_copy(update={"tftp_tap": config.tftp_tap.model_copy(update={"workers": workers})})
    first, second = Bench(config).tap(), Bench(config).tap()
    assert first is not None and second is not None
    first.start()
    try:
        assert first._relay is not None and len(first._relay._workers) == workers
        second.start()
        assert second.holder is not None and f"pid {os.getpid()}" in second.holder
        _fetch(config)
        wait_for(lambda: second.transfers() and first.transfers(), timeout=10, what="both to see the fetch")
    finally:
        first.stop()
    try:
        wait_for(lambda: second.relaying, timeout=15, what="the second to take the port over")
        assert second.holder is None
        _fetch(config)
        wait_for(lambda: len(second.transfers()) == 2, timeout=10, what="the second's own record")
    finally:
        second.stop()


def test_a_port_held_by_a_process_that_shares_nothing_is_named_and_stops_runs_and_rig_tap_before_they_start(
        bench, leases, tmp_path):
    path, config = bench
    assert config.tftp_tap is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:  # another TFTP server, say
        squatter.bind((config.tftp_tap.listen.host, config.tftp_tap.listen.port))
        port = check_tap_port(Bench(config))
        assert not port.ok and f"held by pid {os.getpid()} (" in port.detail
        run = _rig("erase", "--config", str(path), "--runs-dir", str(tmp_path / "runs"), cwd=tmp_path)
        _, err = run.communicate(timeout=60)
        assert run.returncode == 2 and "nothing was touched: tap port: " in err
        assert f"held by pid {os.getpid()}" in err and not (tmp_path / "runs").exists()
        service = _rig("tap", "--config", str(path), cwd=tmp_path)
        _, err = service.communicate(timeout=60)
        assert service.returncode == 2 and err.count("\n") == 1 and f"the port is held by pid {os.getpid()}" in err


def test_a_tap_that_cannot_share_its_records_still_relays_for_its_own_run(bench, tmp_path, monkeypatch):
    _, config = bench
    not_a_directory = tmp_path / "leases"
    not_a_directory.write_text("")  # no socket can be made in it, whoever runs the test
    monkeypatch.setenv("RIG_LEASE_DIR", str(not_a_directory))
    tap = Bench(config).tap()
    assert tap is not None
    with tap:
        assert tap.relaying and tap.subscribers == 0
        _fetch(config)
        wait_for(lambda: tap.transfers(), timeout=10, what="the tap's own record")
