"""restart: power the phone off and on through its PoE port, inside the switch's power budget.

The phone was identified on its port by an earlier step (restart declares that it needs it), so
the port is switched through rig.actions' write-ahead power: the journal holds each intent before
the switch hears it. Power-on holds the switch's power-up semaphore until the port draws power
again (or a short settle time passes): a switch powering dozens of phones at once can exceed its
PoE budget. Once the port has been turned off it is always turned back on, even when the run is
interrupted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rig.actions.power import power_off, power_on
from rig.journal import iso, utc_now
from rig.procedures.context import POWER_SETTLE, PhoneContext, watts
from rig.procedures.findings import ConsoleOpened, Identified, Restarted, StepView
from rig.procedures.steps import Interrupted, Step


def _drawing(ctx: PhoneContext) -> dict[str, object] | None:
    reading = ctx.draw()
    return reading if (watts(reading) or 0.0) > 0 else None


def power_cycle(ctx: PhoneContext, step: Step, before_on: Callable[[], None] | None = None) -> datetime:
    """Off, wait `timeouts.power_off`, on; draw before and after go into the step's evidence.

    `before_on` runs last thing before the port is told to power on (the factory reset starts
    holding a key there). Returns the power-on time.
    """
    timeouts = ctx.config.timeouts
    step.data["draw_before"] = ctx.draw()
    power_off(ctx.switch, ctx.phone, ctx.journal)
    try:
        ctx.sleep(timeouts.power_off)
        step.data["draw_off"] = ctx.draw()
        if before_on is not None:
            before_on()
    finally:
        with ctx.powerup:
            power_on_at = utc_now()
            power_on(ctx.switch, ctx.phone, ctx.journal)
            step.data["power_on_at"] = iso(power_on_at)
            if ctx.stop.is_set():
                raise Interrupted("run interrupted (port powered back on)")
            after = ctx.poll(lambda: _drawing(ctx), min(POWER_SETTLE, timeouts.boot))
    step.data["draw_after"] = after if after is not None else ctx.draw()
    step.detail = (
        f"powered off {timeouts.power_off:g}s; draw {watts(step.data['draw_before'])} W before, "
        f"{watts(step.data['draw_after'])} W after"
    )
    return power_on_at


def run(ctx: PhoneContext, view: StepView) -> Restarted:
    view.need(Identified)
    console = view.need(ConsoleOpened).console
    mark = console.mark() if console is not None else None
    with ctx.steps.step("restart") as step:
        return Restarted(power_on_at=power_cycle(ctx, step), console_mark=mark)
