"""The factory-reset script's `power_cycle: true` is kept: the runner power-cycles the phone with the
script's first key held through power-up, then presses the rest. The simulated 7942 has no factory
reset, and no signal could tell one from the bench's own power cycle anyway: the step says the reset
is unconfirmed, and observe and verify decide."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("rig.sim.bench")

from rig.bench.build import Bench  # noqa: E402
from rig.config.simulation import Simulation  # noqa: E402
from rig.record.events import PowerAction, StepDone  # noqa: E402
from rig.record.journal import read_events  # noqa: E402
from rig.phone.keyscript import scripts_for  # noqa: E402
from rig.jobs.runner import Runner  # noqa: E402
from rig.sim.bench import SimBench  # noqa: E402

SCALE = 0.004


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("factory")
    settings = Simulation(phones=1, scenarios={"healthy": 1}, time_scale=SCALE, image_kb=4)
    with SimBench(settings, "factory", work) as sim:
        config = sim.lab_config()
        config = config.model_copy(update={"timeouts": config.timeouts.model_copy(update={"boot": 2.0})})
        bench = Bench(config)
        try:
            scripts = scripts_for(config.phones, "factory_reset", "lab.yaml")
            Runner(bench, "factory_reset", config.phones, work / "run", scripts=scripts).run()
        finally:
            bench.close()
        return {"events": read_events(work / "run" / "journal.jsonl"),
                "keys": sim.observe.key_events("desk-01"), "commands": sim.observe.commands("sw1")}


def _step(run: dict, name: str) -> StepDone:
    return next(e for e in run["events"] if isinstance(e, StepDone) and e.name == name)


def test_the_first_key_is_held_through_a_power_cycle_then_the_rest_is_pressed(run):
    step = _step(run, "factory_reset")
    assert step.data["held"] == {"keys": ["KeyPadPound"], "seconds": pytest.approx(10.0 * SCALE)}
    assert step.data["keys"] == ["KeyPadPound", *[f"KeyPad{d}" for d in "123456789"], "KeyPadStar", "KeyPad0",
                                 "KeyPadPound"]
    assert [e.key for e in run["keys"]] == step.data["keys"]  # every key reached the board, in order
    power = [(e.action, e.phase) for e in run["events"] if isinstance(e, PowerAction)]
    assert power == [("off", "intent"), ("off", "done"), ("on", "done")]  # on: the switch first, never the disk
    assert "power inline never" in run["commands"] and "power inline auto" in run["commands"]


def test_the_benchs_own_power_cycle_is_not_taken_for_proof_of_a_reset(run):
    step = _step(run, "factory_reset")
    assert step.ok and step.data["reset_confirmed_by"] is None and "reset unconfirmed" in step.detail
    # the outcome hangs on what observe and verify prove, never on the unconfirmed reset
    assert [e.name for e in run["events"] if isinstance(e, StepDone)][-6:] == [
        "observe", "verify_itl", "verify_config", "verify_load", "verify_registration", "verify_trust_list"]
