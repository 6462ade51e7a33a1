"""`rig factory-reset PHONE...`: the factory-reset procedure reached from the command line, through
the same job service as `rig erase` (leases, journal, reports), and only on phones named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from rig.record.journal import Journal
from rig.report import render
from tests.test_validation_cli import rig_in_process

SIM = {"bench": "sim-reset", "simulation": {"phones": 2, "switches": 1, "scenarios": {"healthy": 2},
                                            "time_scale": 0.004, "image_kb": 4}}


@pytest.fixture
def sim_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    path = tmp_path / "sim.yaml"
    path.write_text(yaml.safe_dump(SIM))
    return path


def test_without_phone_names_nothing_is_reset_one_line_exit_2(sim_config, tmp_path, monkeypatch, capsys):
    code, out, err = rig_in_process(["factory-reset", "--config", str(sim_config), "--runs-dir", str(tmp_path / "runs")],
                                    monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err == "rig: error: factory-reset needs phone names: it never runs on every phone of the bench by default\n"
    assert not (tmp_path / "runs").exists()


def test_the_named_phone_is_reset_verified_and_reported_and_no_other(sim_config, tmp_path, monkeypatch, capsys):
    code, out, err = rig_in_process(["factory-reset", "desk-02", "--config", str(sim_config), "--runs-dir",
                                     str(tmp_path / "runs"), "--json"], monkeypatch, capsys)
    assert code == 0, err
    document = json.loads(out)
    assert [(p["name"], p["outcome"]) for p in document["phones"]] == [("desk-02", "passed")]
    run_dir = Path(document["run_dir"])
    results = json.loads((run_dir / "results.json").read_text())
    assert results["procedure"] == "factory_reset"
    steps = [s["name"] for s in results["phones"][0]["steps"]]
    assert steps[:4] == ["identify", "console", "baseline", "factory_reset"]
    proof = ["observe", "verify_itl", "verify_config", "verify_load", "verify_trust_list"]
    assert [s for s in steps[4:] if s in proof] == proof  # then its fetches and files proved, in order
    assert {p.name for p in run_dir.iterdir()} >= {"journal.jsonl", "results.json", "junit.xml", "report.html"}

    code, out, err = rig_in_process(["factory-reset", "--resume", str(run_dir), "--config", str(sim_config), "--json"],
                                    monkeypatch, capsys)
    assert code == 0, err  # the resume keeps the phone that passed
    assert json.loads(out)["phones"] == document["phones"]


def test_a_phone_interrupted_after_its_factory_reset_is_an_error_saying_so_not_skipped(tmp_path):
    run = tmp_path / "r"
    with Journal(run / "journal.jsonl") as j:
        j.append("run_started", run_id="r", procedure="factory_reset", bench="b",
                 phones=[{"name": "desk-01", "mac": "001D705F0001", "switch": "sw1", "port": "Gi1/0/1"}])
        j.append("phone_started", phone="desk-01")
        for step in ("identify", "factory_reset"):
            j.append("step", phone="desk-01", name=step, started="2026-11-25T09:00:00Z",
                     ended="2026-11-25T09:00:01Z", ok=True)
        j.append("phone_interrupted", phone="desk-01")
        j.append("run_interrupted", outcomes={})
    phone = render(run).phones[0]
    assert (phone.outcome, phone.reason) == ("error", "interrupted after a factory reset")
