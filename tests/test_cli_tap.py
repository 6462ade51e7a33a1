"""`rig tap` as a long-lived service: relays a phone's fetch to CUCM and records it."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tftpy
import yaml

from rig.config.lab import LabConfig, dump_config

from rig.config.simulation import Simulation
from rig.sim.bench import SimBench
from rig.sim.loads import app_image


@pytest.fixture(scope="module")
def bench_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, LabConfig]]:
    workdir = tmp_path_factory.mktemp("tap")
    with SimBench(Simulation(phones=1, time_scale=0.004, image_kb=1), "tap-bench", workdir) as sim:
        config = sim.lab_config()
        path = workdir / "bench.yaml"
        path.write_text(yaml.safe_dump(dump_config(config)))
        yield path, config


def test_rig_tap_relays_and_records_each_transfer_until_ctrl_c(
    bench_file: tuple[Path, LabConfig], tmp_path: Path
) -> None:
    path, config = bench_file
    assert config.tftp_tap is not None
    log = tmp_path / "fetches.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "rig", "tap", "--config", str(path), "--log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None and "tap listening" in proc.stderr.readline()
        phone = config.phones[0]
        out = io.BytesIO()
        client = tftpy.TftpClient(config.tftp_tap.listen.host, config.tftp_tap.listen.port, localip=str(phone.ip))
        client.download(f"ITLSEP{phone.mac}.tlv", out, timeout=2)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"{phone.ip} ITLSEP{phone.mac}.tlv {len(out.getvalue())} B ok" in line
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0
    record = json.loads(log.read_text().splitlines()[0])
    assert record["file"] == f"ITLSEP{phone.mac}.tlv" and record["ok"] is True


def test_rig_tap_says_which_image_it_read_from_cucm_for_its_cache_and_which_it_served_from_there(
    bench_file: tuple[Path, LabConfig], tmp_path: Path
) -> None:
    path, config = bench_file
    assert config.tftp_tap is not None and config.cucm is not None
    log = tmp_path / "fetches.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "rig", "tap", "--config", str(path), "--log", str(log)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    load, image = f"{config.cucm.expected_load}.loads", app_image(config.cucm.expected_load)
    try:
        assert proc.stderr is not None and "tap listening" in proc.stderr.readline()
        client = tftpy.TftpClient(config.tftp_tap.listen.host, config.tftp_tap.listen.port,
                                  localip=str(config.phones[0].ip), options={"blksize": 1428})
        for name in (load, image):
            client.download(name, io.BytesIO(), timeout=2)
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert f" {load} " in lines[0] and "cache" not in lines[0]
    assert f"{config.cucm.tftp.host} {image}" in lines[1] and "(read from CUCM into the tap's cache)" in lines[1]
    assert f"{config.phones[0].ip} {image}" in lines[2] and "(from the tap's cache)" in lines[2]
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records[2]["source"] == "cache" and records[2]["sha256"] == records[1]["sha256"] == records[2]["upstream_sha256"]
