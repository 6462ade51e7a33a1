"""A restart before a touch, end to end: `rig erase` on simulated benches with every trust scenario.

Every phone's keypad is the web key-press first, then the solenoid board. A stuck phone refuses
the web key-press (its cached authentication URL is dead), so before the solenoid rig restarts
it: a `tvs_vouches` phone then takes the cluster's ITL and config by itself (TVS vouches for the
new signer) and gets no key at all; `regenerated_cert` and `stale_itl` phones stay stuck and are
erased by the board. With TVS unreachable, `tvs_vouches` phones stay stuck too and get keys.
Each phone's `fix` (results.json, `--json`, JUnit, report) and the counts per fix are checked.
Both benches run side by side (they mostly wait on scaled device time).
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

pytest.importorskip("rig.sim.bench")

from rig.config.lab import dump_config  # noqa: E402
from rig.config.simulation import Faults, Simulation  # noqa: E402
from rig.record.events import StepDone  # noqa: E402
from rig.record.journal import read_events  # noqa: E402
from rig.sim.bench import SimBench  # noqa: E402
from tests.erase_runs import start_erase  # noqa: E402

SCALE = 0.004
EVERY_SCENARIO = {"tvs_vouches": 2, "regenerated_cert": 1, "stale_itl": 1, "no_itl": 1, "healthy": 1}
BENCHES = {
    "every": Simulation(phones=6, scenarios=EVERY_SCENARIO, time_scale=SCALE, image_kb=4, keypad="http_execute"),
    "tvs-down": Simulation(phones=2, scenarios={"tvs_vouches": 2}, time_scale=SCALE, image_kb=4,
                           keypad="http_execute", faults=Faults(tvs_unreachable=True)),
    "always": Simulation(phones=4, scenarios={"tvs_vouches": 1, "stale_itl": 1, "no_itl": 1, "healthy": 1},
                         time_scale=SCALE, image_kb=4, keypad="http_execute"),
}
RESTART_FIRST = {"always": "always"}
"""The benches whose config sets `restart_first` (the others keep the default, before_touch)."""


def _scenario_of(sim: SimBench) -> dict[str, str]:
    return {spec.name: spec.scenario for spec in sim.specs}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict]]:
    with ExitStack() as stack:
        started = {}
        for name, settings in BENCHES.items():
            work = tmp_path_factory.mktemp(name)
            sim = stack.enter_context(SimBench(settings, f"rf-{name}", work))
            doc = dump_config(sim.lab_config())
            for phone in doc["phones"]:
                for keypad in phone["keypad"]:
                    if keypad["backend"] == "serial_actuator":
                        keypad["press_ms"] = 10
            if name in RESTART_FIRST:
                doc["restart_first"] = RESTART_FIRST[name]
            config = work / "lab.yaml"
            config.write_text(yaml.safe_dump(doc))
            started[name] = (sim, start_erase(stack, work, config))
        done = {}
        for name, (sim, proc) in started.items():
            out, err = proc.communicate(timeout=120)
            assert out, err
            document = json.loads(out)
            run_dir = Path(document["run_dir"])
            done[name] = {"sim": sim, "rc": proc.returncode, "stderr": err, "json": document,
                          "results": json.loads((run_dir / "results.json").read_text()),
                          "events": read_events(run_dir / "journal.jsonl"), "run_dir": run_dir}
        yield done


def _keys_journaled(events: list, phone: str) -> list[str]:
    return [key for e in events if isinstance(e, StepDone) and e.phone == phone for key in e.data.get("keys", [])]


def test_every_fixable_phone_passes_and_tvs_vouches_phones_get_no_key(runs):
    run = runs["every"]
    assert run["rc"] == 0, run["stderr"] + json.dumps(run["json"])
    scenario = _scenario_of(run["sim"])
    for phone in run["results"]["phones"]:
        assert phone["outcome"] == "passed", phone
        if scenario[phone["name"]] == "tvs_vouches":
            assert _keys_journaled(run["events"], phone["name"]) == [], phone["name"]
            assert run["sim"].observe.keys(phone["name"]) == [], phone["name"]  # and the phone saw none
            steps = [s["name"] for s in phone["steps"]]
            assert steps.count("restart_first") == 1 and "restart" not in steps, steps  # restarted once


def test_each_phone_says_how_its_trust_was_restored(runs):
    run = runs["every"]
    scenario = _scenario_of(run["sim"])
    fix = {p["name"]: p["fix"] for p in run["results"]["phones"]}
    expected = {"tvs_vouches": "restart", "regenerated_cert": "erase:serial_actuator",
                "stale_itl": "erase:serial_actuator", "healthy": "erase:http_execute", "no_itl": "erase:http_execute"}
    assert fix == {name: expected[scenario[name]] for name in fix}
    assert run["results"]["fixes"] == {"erase:http_execute": 2, "erase:serial_actuator": 2, "restart": 2}
    assert {p["name"]: p["fix"] for p in run["json"]["phones"]} == fix
    assert run["json"]["fixes"] == run["results"]["fixes"]


def test_the_fix_reaches_junit_and_the_report(runs):
    run = runs["every"]
    suite = ET.parse(run["run_dir"] / "junit.xml").getroot()
    assert suite.find("properties/property[@name='fixes']").get("value") == \
        "erase:http_execute 2, erase:serial_actuator 2, restart 2"
    fixes = {case.get("name"): case.find("properties/property[@name='fix']").get("value")
             for case in suite.iter("testcase")}
    assert fixes == {p["name"]: p["fix"] for p in run["results"]["phones"]}
    html = (run["run_dir"] / "report.html").read_text()
    assert "How trust was restored: <b>2</b> erase:http_execute" in html


def test_the_terminal_summary_counts_phones_per_fix(runs):
    run = runs["every"]
    shown = subprocess.run([sys.executable, "-m", "rig", "report", str(run["run_dir"])], capture_output=True,
                           text=True, cwd=run["run_dir"].parent)
    assert shown.returncode == 0, shown.stderr
    assert "fix: erase:http_execute 2, erase:serial_actuator 2, restart 2\n" in shown.stdout


def test_with_tvs_unreachable_tvs_vouches_phones_are_erased_by_keys_after_one_restart(runs):
    run = runs["tvs-down"]
    assert run["rc"] == 0, run["stderr"] + json.dumps(run["json"])
    for phone in run["results"]["phones"]:
        assert phone["fix"] == "erase:serial_actuator", phone
        assert _keys_journaled(run["events"], phone["name"]), phone["name"]
        first = next(s for s in phone["steps"] if s["name"] == "restart_first")
        assert "still stuck" in first["detail"], first
    assert run["results"]["fixes"] == {"erase:serial_actuator": 2}


def test_restart_first_always_restarts_every_phone_before_any_key_and_names_what_needed_nothing(runs):
    run = runs["always"]
    assert run["rc"] == 0, run["stderr"] + json.dumps(run["json"])
    scenario = _scenario_of(run["sim"])
    fix = {p["name"]: p["fix"] for p in run["results"]["phones"]}
    expected = {"tvs_vouches": "restart", "stale_itl": "erase:serial_actuator", "no_itl": "none", "healthy": "none"}
    assert fix == {name: expected[scenario[name]] for name in fix}
    for phone in run["results"]["phones"]:
        names = [s["name"] for s in phone["steps"]]
        assert names.count("restart_first") == 1, names
        if "erase" in names:
            assert names.index("restart_first") < names.index("erase"), names
        if fix[phone["name"]] != "erase:serial_actuator":  # fixed by the restart: no keys, no second restart
            assert _keys_journaled(run["events"], phone["name"]) == [] and "restart" not in names, names
