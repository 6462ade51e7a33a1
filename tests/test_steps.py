"""Procedures are declared sequences: each step names the findings it needs, and run_phone keeps
what every step found even when one ends the phone."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from rig.procedures import KEY_SCRIPT_FOR, PROCEDURES, PhoneContext, Procedure, StepDef, run_phone
from rig.procedures.findings import Baseline, Finding, Identified, Observed, Restarted, StepView
from rig.procedures.steps import Interrupted, PhoneFailed
from rig.record.steps import STEP_NAMES


def _context(tmp_path: Path, stop: threading.Event | None = None) -> PhoneContext:
    """A context for steps that touch no bench part (they only return findings)."""
    none: Any = None
    return PhoneContext(phone=none, bench=none, journal=none, steps=none, stop=stop or threading.Event(),
                        parts=none, run_dir=tmp_path)


def _identified(ctx: PhoneContext, view: StepView) -> Identified:
    return Identified(evidence="MAC learned on sw1 Gi1/0/1", cdp_version="SCCP42.9-4-2SR3-1S")


def _baseline(ctx: PhoneContext, view: StepView) -> Baseline:
    return Baseline(load=view.need(Identified).cdp_version, web_access=False, symptoms=("TFTP Timeout",))


def test_every_shipped_procedure_is_a_valid_declaration_opening_the_console_after_identify():
    for procedure in PROCEDURES.values():
        names = procedure.step_names
        assert names[:2] == ["identify", "console"], procedure.name
    assert PROCEDURES["erase"].step_names == ["identify", "console", "baseline", "erase", "restart", "observe",
                                              "verify"]
    assert "erase" not in PROCEDURES["verify"].step_names
    assert KEY_SCRIPT_FOR == {"erase": "itl_erase", "verify": None, "factory_reset": "factory_reset",
                              "migrate": "itl_erase"}


def test_every_procedure_step_is_named_as_the_journal_declares_its_steps():
    families = {s.family for s in STEP_NAMES.values()}
    assert {step.name for p in PROCEDURES.values() for step in p.steps} <= families


def test_a_step_needing_what_no_earlier_step_gives_is_refused_when_the_procedure_is_declared():
    baseline = StepDef("baseline", _baseline, gives=Baseline, needs=(Identified,))
    identify = StepDef("identify", _identified, gives=Identified)
    with pytest.raises(ValueError, match="step baseline needs Identified, which no earlier step gives"):
        Procedure("backwards", (baseline, identify))
    assert Procedure("forwards", (identify, baseline)).step_names == ["identify", "baseline"]


def test_a_step_reading_a_finding_it_did_not_declare_is_a_bug_raised_at_once(tmp_path):
    def sneaky(ctx: PhoneContext, view: StepView) -> Baseline:
        view.use(Restarted)
        raise AssertionError("not reached")

    procedure = Procedure("p", (StepDef("identify", _identified, gives=Identified),
                                StepDef("baseline", sneaky, gives=Baseline, needs=(Identified,))))
    with pytest.raises(TypeError, match="step baseline reads Restarted without declaring it"):
        run_phone(_context(tmp_path), procedure)


def test_findings_pass_between_steps_by_type_and_make_the_phones_phone_done(tmp_path):
    procedure = Procedure("p", (StepDef("identify", _identified, gives=Identified),
                                StepDef("baseline", _baseline, gives=Baseline, needs=(Identified,))))
    ctx = _context(tmp_path)
    run_phone(ctx, procedure)
    done = ctx.found.phone_done("desk-01", "passed", None)
    assert (done.load_before, done.symptoms) == ("SCCP42.9-4-2SR3-1S", ["TFTP Timeout"])


def test_a_step_fails_a_phone_by_raising_and_what_it_saw_is_kept_for_the_report(tmp_path):
    def observe(ctx: PhoneContext, view: StepView) -> Observed:
        raise PhoneFailed("no TFTP request within 6s after power-on", Observed(fetches=(), watched=True, load=None))

    after = StepDef("never", lambda ctx, view: Finding(), gives=Finding)
    procedure = Procedure("p", (StepDef("identify", _identified, gives=Identified),
                                StepDef("baseline", _baseline, gives=Baseline, needs=(Identified,)),
                                StepDef("observe", observe, gives=Observed), after))
    ctx = _context(tmp_path)
    with pytest.raises(PhoneFailed, match="no TFTP request within 6s"):
        run_phone(ctx, procedure)
    assert ctx.found.get(Observed) is not None and ctx.found.get(Finding) is None
    assert ctx.found.phone_done("desk-01", "failed", "no TFTP request").load_before == "SCCP42.9-4-2SR3-1S"


def test_an_interrupted_run_starts_no_further_step_and_closes_the_phones_resources(tmp_path):
    stop = threading.Event()
    closed: list[str] = []

    def opens_then_stops(ctx: PhoneContext, view: StepView) -> Identified:
        ctx.resources.callback(closed.append, "console")
        stop.set()  # Ctrl-C arrives while this step runs
        return _identified(ctx, view)

    procedure = Procedure("p", (StepDef("identify", opens_then_stops, gives=Identified),
                                StepDef("baseline", _baseline, gives=Baseline, needs=(Identified,))))
    ctx = _context(tmp_path, stop)
    with pytest.raises(Interrupted):
        run_phone(ctx, procedure)
    assert closed == ["console"] and ctx.found.get(Baseline) is None
