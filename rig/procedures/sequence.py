"""Procedures as declared sequences of steps (after OpenHTF's phases).

A `StepDef` names its function, the findings it `needs` (must exist), the ones it `uses` when
present, and the finding it `gives`. A `Procedure` is a list of StepDefs; building one checks
that every need is given by an earlier step, so a step never depends on its position, only on
what it declared. `run_phone` runs one phone through a procedure, its findings kept in
`ctx.found`, or raises what ends it (PhoneSkipped, PhoneFailed, BenchFault, Interrupted, a driver error).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rig.procedures.context import PhoneContext
from rig.procedures.findings import Finding, StepView
from rig.procedures.steps import Interrupted, PhoneFailed

StepFunction = Callable[[PhoneContext, StepView], Finding]


@dataclass(frozen=True)
class StepDef:
    name: str
    run: StepFunction
    gives: type[Finding]
    needs: tuple[type[Finding], ...] = ()
    uses: tuple[type[Finding], ...] = ()


@dataclass(frozen=True)
class Procedure:
    name: str
    steps: tuple[StepDef, ...]
    key_script: str | None = None
    """The keypad script procedure the phones need (checked before any phone is touched)."""

    def __post_init__(self) -> None:
        given: set[type[Finding]] = set()
        for step in self.steps:
            missing = [n.__name__ for n in step.needs if n not in given]
            if missing:
                raise ValueError(f"procedure {self.name}: step {step.name} needs {', '.join(missing)}, "
                                 f"which no earlier step gives")
            given.add(step.gives)

    @property
    def step_names(self) -> list[str]:
        return [step.name for step in self.steps]


def run_phone(ctx: PhoneContext, procedure: Procedure) -> None:
    """Every step of `procedure` on one phone, in order; the phone's resources closed at the end.

    Whatever ends the phone, `ctx.found` still holds what its steps learned.
    """
    with ctx.resources:
        for step in procedure.steps:
            if ctx.stop.is_set():
                raise Interrupted("run interrupted")
            try:
                finding = step.run(ctx, StepView(ctx.found, step.name, step.needs, step.uses))
            except PhoneFailed as failed:
                if failed.finding is not None:  # what the failing step saw stays in the report
                    ctx.found.put(failed.finding)
                raise
            ctx.found.put(finding)
