"""CUCM as a witness of `rig erase`: each phone's registration and ActiveLoadID before and after,
read from the simulated CUCM's RisPort70 (one bench per module, run once)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from rig.config.lab import dump_config, load_config

from rig.config.simulation import Faults, Simulation
from rig.errors import ConfigError
from rig.record.events import StepDone
from rig.record.journal import read_events
from rig.sim.bench import SimBench
from tests.test_erase_e2e import rig

SCALE = 0.004


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimBench, Path]]:
    work = tmp_path_factory.mktemp("risport")
    settings = Simulation(phones=2, scenarios={"stale_itl": 1, "healthy": 1}, time_scale=SCALE, image_kb=4,
                          faults=Faults(risport_rate_control=2))
    with SimBench(settings, "ris-witness", work) as sim:
        config = work / "lab.yaml"
        config.write_text(yaml.safe_dump(dump_config(sim.lab_config())))
        yield sim, config


@pytest.fixture(scope="module")
def run(bench: tuple[SimBench, Path]) -> tuple[int, dict[tuple[str, str], StepDone]]:
    _, config = bench
    done = rig("erase", "--config", str(config), "--runs-dir", str(config.parent / "runs"), "--json",
               cwd=config.parent)
    run_dir = Path(json.loads(done.stdout)["run_dir"])
    steps = {(e.phone, e.name): e for e in read_events(run_dir / "journal.jsonl") if isinstance(e, StepDone)}
    return done.returncode, steps


def test_baseline_records_cucms_registration_and_a_stuck_phones_is_a_symptom(run):
    code, steps = run
    assert code == 0
    stuck, healthy = steps[("desk-01", "baseline")], steps[("desk-02", "baseline")]
    assert stuck.data["registration"]["status"] == "UnRegistered"
    assert stuck.data["registration"]["active_load_id"] == "SCCP42.8-5-4S"
    assert "CUCM SEP001D705F0000: UnRegistered" in stuck.detail and "RisPort" in stuck.data["evidence"]
    assert healthy.data["registration"]["status"] == "Registered"
    assert "no symptoms" in healthy.detail and "CUCM SEP001D705F0001: Registered" in healthy.detail


def test_verify_waits_for_registered_with_the_expected_load(run):
    _, steps = run
    for phone in ("desk-01", "desk-02"):
        step = steps[(phone, "verify_registration")]
        assert step.ok, step.detail
        assert step.data["registration"]["status"] == "Registered"
        assert step.data["registration"]["active_load_id"] == "SCCP42.9-4-2SR3-1S"


def test_rate_control_answers_were_waited_out_not_fatal(bench, run):
    sim, _ = bench
    asked = sim.risport.requests_received()
    assert asked[:2] == ["RateControl", "RateControl"] and "selectCmDevice" in asked


def test_an_unreadable_registration_witness_is_recorded_or_when_required_stops_the_job_before_it_starts(
        bench, tmp_path):
    sim, config = bench
    doc = yaml.safe_load(config.read_text())
    doc["cucm"]["risport"]["retries"] = 0
    sim.risport.set_rate_control(1000)  # CUCM refuses every request for the rest of this test
    try:
        doc["cucm"]["risport"]["require"] = False
        path = tmp_path / "lab-not-required.yaml"
        path.write_text(yaml.safe_dump(doc))
        done = rig("verify", "desk-02", "--config", str(path), "--runs-dir", str(tmp_path / "runs"), "--json",
                   cwd=tmp_path)
        assert done.returncode == 0, done.stdout
        run_dir = Path(json.loads(done.stdout)["run_dir"])
        step = [e for e in read_events(run_dir / "journal.jsonl")
                if isinstance(e, StepDone) and e.name == "verify_registration"][0]
        assert step.ok and "CUCM RisPort unreadable" in step.detail and "Exceeded allowed rate" in step.detail

        doc["cucm"]["risport"]["require"] = True  # verify could pass no phone: the gate stops the job
        path = tmp_path / "lab-required.yaml"
        path.write_text(yaml.safe_dump(doc))
        done = rig("verify", "desk-02", "--config", str(path), "--runs-dir", str(tmp_path / "runs-required"),
                   "--json", cwd=tmp_path)
        assert done.returncode == 2 and "nothing was touched: CUCM RisPort: unreadable" in done.stderr
        assert "Exceeded allowed rate" in done.stderr and not (tmp_path / "runs-required").exists()
    finally:
        sim.risport.set_rate_control(0)


def test_ca_bundle_and_verify_false_together_is_refused(bench, tmp_path):
    _, config = bench
    doc = yaml.safe_load(config.read_text())
    doc["cucm"]["risport"]["verify"] = False
    path = tmp_path / "both.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match=r"cucm\.risport: give ca_bundle or verify: false, not both"):
        load_config(path)
