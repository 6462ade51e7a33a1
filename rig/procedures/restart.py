"""restart: power the phone off and on through its power part (rig.procedures.power_parts).

The phone was identified by an earlier step (restart declares that it needs it). On a bench the
part is the phone's PoE port, switched through rig.actions' power primitive inside the switch's
power budget; in field mode it is the technician, asked through the bench's operator to unplug
the phone and plug it back in, and after an ITL erase the phone's own restart (the one that
confirmed the erase) stands in for the cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rig.procedures.context import PhoneContext
from rig.procedures.findings import ConsoleOpened, Erased, Identified, Restarted, StepView
from rig.procedures.steps import Step
from rig.record.steps import RESTART


def power_cycle(ctx: PhoneContext, step: Step, before_on: Callable[[], None] | None = None) -> datetime:
    """Off, wait `timeouts.power_off`, on, by the phone's power part; `before_on` runs last thing
    before power returns (the factory reset starts holding a key there). Returns the power-on time."""
    return ctx.power.cycle(ctx, step, before_on)


def run(ctx: PhoneContext, view: StepView) -> Restarted:
    view.need(Identified)
    console = view.need(ConsoleOpened).console
    erased = view.use(Erased)
    mark = console.mark() if console is not None else None
    with ctx.steps.step(RESTART) as step:
        by_itself = ctx.power.after_erase(step, erased) if erased is not None else None
        return by_itself or Restarted(power_on_at=power_cycle(ctx, step), console_mark=mark)
