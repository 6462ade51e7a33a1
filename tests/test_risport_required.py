"""`cucm.risport.require: true` and CUCM's RisPort unreadable: verify could not pass a single
phone, so the bench gate refuses the job before it erases or power-cycles anything; and when
RisPort becomes unreadable mid-run, the phone ends `error` (the bench's part failed), never
`failed` (the phone's fault)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from rig.drivers.risport import RisPortRateLimited
from rig.config.lab import PhoneConfig, dump_config
from rig.config.simulation import Faults, Simulation
from rig.jobs.runner import verdict_of
from rig.procedures.steps import BenchFault, Step
from rig.procedures.verify import check_registration
from rig.sim.bench import SimBench
from tests.test_validation_cli import rig_in_process

UNREADABLE = Simulation(phones=2, scenarios={"healthy": 2}, time_scale=0.004, image_kb=4, keypad="http_execute",
                        faults=Faults(risport_rate_control=100))
"""CUCM answers every selectCmDevice with Server.RateControl, past rig's retries."""


@pytest.fixture(scope="module")
def unreadable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimBench, Path]]:
    tmp = tmp_path_factory.mktemp("risport")
    with SimBench(UNREADABLE, "risport-down", tmp) as bench:
        path = tmp / "lab.yaml"
        document = dump_config(bench.lab_config())
        assert document["cucm"]["risport"]["require"] is True
        path.write_text(yaml.safe_dump(document))
        yield bench, path


def test_rig_erase_refuses_before_touching_anything_when_a_required_risport_is_unreadable(
        unreadable, tmp_path, monkeypatch, capsys):
    bench, config = unreadable
    code, out, err = rig_in_process(["erase", "--config", str(config), "--runs-dir", str(tmp_path / "runs")],
                                    monkeypatch, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith("rig: error: bench risport-down cannot work, nothing was touched: CUCM RisPort: "
                          "unreadable: "), err
    assert not (tmp_path / "runs").exists()
    assert [c for c in bench.observe.commands("sw1") if "power inline" in c and not c.startswith("show")] == []
    assert all(bench.observe.keys(name) == [] for name in bench.observe.phones())


def test_preflight_names_the_unreadable_risport_as_a_bench_problem(unreadable, monkeypatch, capsys):
    _, config = unreadable
    code, out, _ = rig_in_process(["preflight", "--config", str(config), "--json"], monkeypatch, capsys)
    assert code == 1
    problems = json.loads(out)["bench"]["problems"]
    assert any(p.startswith("CUCM RisPort: unreadable: ") and "cucm.risport.require: false" in p
               for p in problems), problems


class _Down:
    """A RisPort client whose CUCM answers nothing but faults."""

    def select(self, names: list[str]) -> list[object]:
        raise RisPortRateLimited("CUCM answered Server.RateControl 4 times")


def _context(require: bool) -> SimpleNamespace:
    phone = PhoneConfig.model_validate({"name": "desk-01", "mac": "001D70AB0001", "switch": "sw1", "port": "Gi1/0/1",
                                        "keypad": [{"backend": "http_execute", "username": "u"}]})
    client = _Down()
    config = SimpleNamespace(cucm=SimpleNamespace(expected_load=None, risport=SimpleNamespace(require=require)),
                             phones=[phone], timeouts=SimpleNamespace(boot=1.0))
    return SimpleNamespace(phone=phone, config=config, expected_load=None,
                           bench=SimpleNamespace(risport=lambda: client), script_seconds=lambda s: s,
                           poll=lambda probe, timeout, interval=None: probe())


def test_risport_unreadable_mid_run_is_the_benchs_error_when_required():
    ctx = _context(require=True)
    with pytest.raises(BenchFault) as fault:
        check_registration(ctx, Step("verify_registration", datetime.now(timezone.utc)))  # type: ignore[arg-type]
    verdict = verdict_of(fault.value, ctx.phone)
    assert verdict.outcome == "error" and verdict.reason.startswith("CUCM RisPort unreadable: ")


def test_risport_unreadable_mid_run_is_only_recorded_when_not_required():
    step = Step("verify_registration", datetime.now(timezone.utc))
    check_registration(_context(require=False), step)  # type: ignore[arg-type]
    assert step.ok and "not required" in step.detail
