"""`rig erase` on simulated benches whose phones take their images elsewhere than the tap
(issue 23 item 3): with Peer Firmware Sharing on, and separately with a Load Server (untapped,
and with rig's second tap in front of it), every phone that can be fixed passes, and its observe
step names where its images came from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from rig.config.firmware import Firmware
from rig.config.lab import dump_config

from rig.config.simulation import Simulation
from rig.sim.bench import SimBench
from tests.erase_runs import start_erase

SCALE = 0.004
SCENARIOS = {"stale_itl": 2, "tvs_vouches": 1, "no_itl": 1}
BENCHES = {"peer": Firmware(peer_sharing=True), "load_server": Firmware(load_server=True),
           "tapped": Firmware(load_server=True, tap_load_server=True)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[SimBench, dict]]]:
    """Both benches' `rig erase --json` runs, started side by side: bench and results.json."""
    with ExitStack() as stack:
        started = {}
        for name, firmware in BENCHES.items():
            work = tmp_path_factory.mktemp(name)
            settings = Simulation(phones=4, scenarios=SCENARIOS, time_scale=SCALE, image_kb=4, firmware=firmware,
                                  keypad="http_execute")
            sim = stack.enter_context(SimBench(settings, f"fw-{name}", work))
            config = work / "lab.yaml"
            config.write_text(yaml.safe_dump(dump_config(sim.lab_config())))
            started[name] = (sim, start_erase(stack, work, config))
        done = {}
        for name, (sim, proc) in started.items():
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, f"{name}: {err}{out}"
            run_dir = Path(json.loads(out)["run_dir"])
            done[name] = (sim, json.loads((run_dir / "results.json").read_text()))
        yield done


def _observe(phone: dict) -> str:
    return next(s["detail"] for s in phone["steps"] if s["name"] == "observe")


def _fetched(phone: dict, suffix: str) -> list[str]:
    return [f["file"] for f in phone["tftp_fetches"] if f["ok"] and f["file"].endswith(suffix)]


def test_with_peer_firmware_sharing_every_phone_passes_and_the_peers_images_are_named(runs):
    sim, results = runs["peer"]
    assert results["summary"]["passed"] == 4
    through_tap = [p["name"] for p in results["phones"] if _fetched(p, ".sbn")]
    assert len(through_tap) == 1  # one phone of the subnet fetched them over TFTP: the others from it
    for phone in results["phones"]:
        assert _fetched(phone, ".loads"), phone["name"]  # the .loads file still comes over TFTP
        named = "images through the tap (5 of 5)" if phone["name"] in through_tap else "images from a peer"
        assert named in _observe(phone), phone["name"]
    image_reads = {r.client for r in sim.cucm.reads() if r.file.endswith(".sbn")}
    assert len(image_reads) == 1


def test_with_a_load_server_every_phone_passes_and_the_images_are_said_not_observed(runs):
    sim, results = runs["load_server"]
    assert results["summary"]["passed"] == 4
    assert sim.load_server is not None
    for phone in results["phones"]:
        assert not _fetched(phone, ".loads") and not _fetched(phone, ".sbn"), phone["name"]
        assert f"images from load server {sim.load_server.config_value}: not observed" in _observe(phone)
    served = {(r.client, r.file) for r in sim.load_server.reads() if r.served}
    for spec in sim.specs:
        assert (spec.ip, "apps42.9-4-2ES26.sbn") in served, spec.name
    assert not [r for r in sim.cucm.reads() if r.file.endswith(".sbn")]  # no fallback to the cluster's TFTP


def test_with_a_tap_in_front_of_the_load_server_its_files_are_required_and_seen(runs):
    sim, results = runs["tapped"]
    assert results["summary"]["passed"] == 4
    tap = f"{sim.tap_host}:{sim.load_server_tap_port}"
    for phone in results["phones"]:
        assert _fetched(phone, ".loads") and len(set(_fetched(phone, ".sbn"))) == 5, phone["name"]
        assert f"images from load server {tap} through its tap (5 of 5)" in _observe(phone)
    assert not [r for r in sim.cucm.reads() if r.file.endswith(".sbn")]
