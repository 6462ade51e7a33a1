"""Field mode is a choice of bench parts (issue 27): each phone's power and identification parts
are chosen once from its config, the steps use them, and no procedure, action or job module asks
whether a switch or a port exists."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from rig.actions.manual_power import ManualPower
from rig.actions.power import PowerProtocol
from rig.config.lab import PhoneConfig
from rig.drivers.operator import Ask, NoOperator, OperatorError
from rig.procedures.identify import OwnAnswer, SwitchTables
from rig.procedures.parts import parts_for
from rig.procedures.power_parts import HandPower, PoePower
from rig.procedures.steps import BenchFault, Step
from tests.operators import ScriptedOperator

REPO = Path(__file__).resolve().parents[1]
ASKS_FOR_A_SWITCH = re.compile(r"\b(switch|port) is (not )?None\b"
                               r"|\b(if|elif|and|or|not|while)\s+[\w.]*\.(switch|port)(?=\s*(:|\)|$|\b(else|and|or)\b))")
"""`x.switch is None`, or the same asked by truth (`if phone.switch:`, `not ctx.phone.port`)."""
ASKS_WHICH_PART = re.compile(r"(?<!PhoneConfig)\.(power|identity)_part\b")
"""The config's choice of part, read anywhere but where the parts are chosen: a field-mode branch
(a docstring naming `PhoneConfig.power_part` is not one)."""
LABEL = "desk-03 (SEP001D705F0002, 10.0.0.3)"


def test_no_procedure_action_or_job_module_tests_for_a_missing_switch_or_port():
    found = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
             for folder in ("rig/procedures", "rig/actions", "rig/jobs")
             for path in sorted((REPO / folder).rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if ASKS_FOR_A_SWITCH.search(line)]
    assert found == []


def test_only_the_parts_module_reads_which_part_a_phone_has():
    found = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
             for folder in ("rig/procedures", "rig/actions", "rig/jobs")
             for path in sorted((REPO / folder).rglob("*.py")) if path != REPO / "rig/procedures/parts.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if ASKS_WHICH_PART.search(line)]
    assert found == []


def test_a_person_powered_phone_says_its_cycle_needs_a_person_and_a_poe_port_says_it_does_not():
    phone = PhoneConfig(name="desk-01", mac="001D705F0000", switch="sw1", port="Gi1/0/1")
    field = PhoneConfig(name="desk-03", mac="001D705F0002", ip="10.0.0.3")
    assert not parts_for(_bench(), phone, {"sw1": object()}).power.needs_a_person  # type: ignore[dict-item]
    assert parts_for(_bench(), field, {}).power.needs_a_person


def _bench() -> Any:
    return SimpleNamespace(switch=lambda name: SimpleNamespace(name=name), operator=ScriptedOperator())


def test_a_bench_phone_gets_its_poe_port_and_the_switch_tables():
    phone = PhoneConfig(name="desk-01", mac="001D705F0000", switch="sw1", port="Gi1/0/1")
    budget = object()
    parts = parts_for(_bench(), phone, {"sw1": budget})  # type: ignore[dict-item]
    assert isinstance(parts.power, PoePower) and parts.power.switch.name == "sw1" and parts.power.budget is budget
    assert isinstance(parts.identification, SwitchTables) and parts.identification.switch.name == "sw1"


def test_a_field_phone_gets_a_person_for_power_and_its_own_answer_for_identity():
    phone = PhoneConfig(name="desk-03", mac="001D705F0002", ip="10.0.0.3")
    parts = parts_for(_bench(), phone, {})
    assert isinstance(parts.power, HandPower) and parts.power.power.phone == LABEL
    assert isinstance(parts.identification, OwnAnswer)
    assert parts.identification.cdp_entry(max_age=0) is None and not parts.identification.cdp_gone()


def test_manual_power_asks_the_person_to_unplug_then_plug_back_in():
    person = ScriptedOperator()
    power: PowerProtocol = ManualPower(person, LABEL)
    power.off()
    assert not power.is_on()
    power.on()
    assert power.is_on()
    assert person.asked == [Ask(LABEL, "unplug it now", 1, 2), Ask(LABEL, "plug it back in", 2, 2)]


def _ctx() -> Any:
    return SimpleNamespace(sleep=lambda seconds: None, config=SimpleNamespace(timeouts=SimpleNamespace(power_off=3.0)))


def _step() -> Step:
    return Step("restart", datetime.now(timezone.utc))


def test_a_cycle_by_hand_runs_before_on_between_the_two_asks_and_names_the_technician():
    person = ScriptedOperator()
    step = _step()
    HandPower(ManualPower(person, LABEL)).cycle(_ctx(), step, before_on=lambda: person.asked.append("before on"))
    assert person.asked == [Ask(LABEL, "unplug it now", 1, 2), "before on", Ask(LABEL, "plug it back in", 2, 2)]
    assert step.data["restarted_by"] == "technician"
    assert step.detail == "field mode: unplugged and plugged back in by the technician"


def test_nobody_to_unplug_the_phone_is_the_operators_fault_not_the_phones():
    power = ManualPower(NoOperator(), LABEL)
    with pytest.raises(BenchFault, match="field mode restart") as fault:
        HandPower(power).cycle(_ctx(), _step())
    assert fault.value.part == "operator" and power.is_on()


def test_manual_power_passes_the_persons_refusal_on():
    with pytest.raises(OperatorError):
        ManualPower(NoOperator(), LABEL).off()
