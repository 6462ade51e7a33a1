"""How a phone's trust was restored (`fix` in results.json), read from the steps its journal holds."""

from __future__ import annotations

from typing import Any

from rig.record.events import StepDone
from rig.report.results import fix_counts, fix_line, fix_of
from tests.results import phone_result, run_results

AT = "2026-11-25T09:00:00.000Z"


def step(name: str, ok: bool = True, attempt: int = 1, **data: Any) -> StepDone:
    return StepDone(phone="desk-01", name=name, started=AT, ended=AT, ok=ok, data=data, attempt=attempt)


REFUSED = step("erase", backend="serial_actuator", fallbacks=[{"from": "http_execute", "reason": "error 4"}])
"""The erase step that stopped at a refused web key-press, before the restart."""


def test_a_phone_a_restart_fixed_says_restart_though_its_keys_were_refused_first():
    events = [step("baseline"), REFUSED, step("restart_first", took_trust=True, fix="restart"), step("observe")]
    assert fix_of("passed", events) == "restart"


def test_a_phone_still_stuck_after_the_restart_names_the_backend_that_erased_it():
    events = [REFUSED, step("restart_first", took_trust=False),
              step("erase", ok=False, backend="serial_actuator", erase_confirmed_by=None),
              step("recover"), step("erase", attempt=2, backend="serial_actuator", erase_confirmed_by="restart")]
    assert fix_of("passed", events) == "erase:serial_actuator"


def test_a_phone_that_needed_nothing_says_none_and_one_not_passed_has_no_fix():
    assert fix_of("passed", [step("restart_first", took_trust=True, fix="none")]) == "none"
    assert fix_of("passed", [step("restart"), step("observe")]) == "none"  # rig verify
    assert fix_of("failed", [step("erase", backend="operator", erase_confirmed_by="restart")]) is None


def test_the_counts_per_fix_put_the_desks_left_to_visit_in_one_line():
    fixes = ["erase:operator", "restart", "restart", None, "none"]
    assert fix_counts(fixes) == {"restart": 2, "erase:operator": 1, "none": 1, "not fixed": 1}
    phones = [phone_result(f"desk-{i}", "passed" if fix else "failed", fix=fix) for i, fix in enumerate(fixes)]
    assert fix_line(run_results(phones)) == "fix: restart 2, erase:operator 1, none 1, not fixed 1"
    nothing = [phone_result("desk-1", fix="none"), phone_result("desk-2", fix="none"), phone_result("desk-3", "failed")]
    assert fix_line(run_results(nothing)) == ""  # nothing was fixed (rig verify)


def test_a_factory_reset_names_its_backend():
    assert fix_of("passed", [step("factory_reset", backend="operator", keys=["Settings"])]) == "factory_reset:operator"
