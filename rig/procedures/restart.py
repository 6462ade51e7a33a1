"""restart: power the phone off and on through its PoE port, inside the switch's power budget.

The phone was identified on its port by an earlier step (restart declares that it needs it), so
the port is switched through rig.actions' power primitive (`switched_off`): the journal holds the
off intent before the switch hears it, and the port comes back on however the step ends.
Power-on holds the switch's power-up semaphore until the port draws power again (or a short
settle time passes): a switch powering dozens of phones at once can exceed its PoE budget.

Field mode (a phone without switch) has no port to switch: after an ITL erase the phone restarts
by itself (that restart is what confirmed the erase), so the step records it; otherwise the
technician is asked to unplug the phone and plug it back in, through the bench's operator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from rig.drivers.operator import Ask, OperatorError
from rig.actions.power import PoePort, switched_off
from rig.bench.port_proof import absent, read_port
from rig.record.journal import iso, utc_now
from rig.procedures.context import POWER_SETTLE, PhoneContext, poll_period, watts
from rig.procedures.findings import ConsoleOpened, Erased, Identified, Restarted, StepView
from rig.procedures.steps import BenchFault, Interrupted, Step


def power_cycle(ctx: PhoneContext, step: Step, before_on: Callable[[], None] | None = None) -> datetime:
    """Off, wait `timeouts.power_off`, on; draw before and after go into the step's evidence.

    `before_on` runs last thing before the port is told to power on (the factory reset starts
    holding a key there). Returns the power-on time. In field mode the technician does it.
    Draw readings come from switch reads the phones of a switch share: one that started after
    the port went off (or on), or within a poll period of the reading before the power-off.
    """
    if ctx.phone.switch is None:
        return _by_hand(ctx, step, before_on)
    timeouts = ctx.config.timeouts
    settle = min(POWER_SETTLE, timeouts.boot)
    period = poll_period(settle)
    step.data["draw_before"] = ctx.draw(since=time.monotonic() - period)
    # A phone restarting by itself (as after its erase) has no link for a moment, and the proof
    # before `power inline never` (rig.bench.port_proof) refuses a phone the switch sees nowhere: wait
    # until it is seen somewhere (a phone seen on another port is refused at once).
    ctx.poll(lambda: None if absent(read_port(ctx.switch, ctx.phone.port), ctx.phone) else True, timeouts.boot,
             period)
    with switched_off(PoePort(ctx.switch, ctx.phone, ctx.journal), hold=ctx.powerup) as port:
        off_at = time.monotonic()
        ctx.sleep(timeouts.power_off)
        step.data["draw_off"] = ctx.draw(since=off_at)
        if before_on is not None:
            before_on()
        with ctx.powerup:
            power_on_at = utc_now()
            port.on()
            on_at = time.monotonic()
            step.data["power_on_at"] = iso(power_on_at)
            if ctx.stop.is_set():
                raise Interrupted("run interrupted (port powered back on)")
            drawing = ctx.poll(lambda: (ctx.polled_watts(on_at, period) or 0.0) > 0 or None, settle, period)
    step.data["draw_after"] = ctx.draw(since=max(on_at, time.monotonic() - period) if drawing else None)
    step.detail = (
        f"powered off {timeouts.power_off:g}s; draw {watts(step.data['draw_before'])} W before, "
        f"{watts(step.data['draw_after'])} W after"
    )
    return power_on_at


def _by_hand(ctx: PhoneContext, step: Step, before_on: Callable[[], None] | None) -> datetime:
    """Field mode: the technician unplugs the phone and plugs it back in (PoE or power supply),
    asked through the bench's operator (rig.drivers.operator); nobody to ask is a bench error."""
    label = f"{ctx.phone.name} (SEP{ctx.phone.mac}, {ctx.phone.ip})"
    try:
        ctx.bench.operator.ask(Ask(label, "unplug it now", 1, 2))
        ctx.sleep(ctx.config.timeouts.power_off)
        if before_on is not None:
            before_on()
        ctx.bench.operator.ask(Ask(label, "plug it back in", 2, 2))
    except OperatorError as error:
        raise BenchFault(f"field mode restart (no switch to power-cycle it): {error}", part="operator") from None
    power_on_at = utc_now()
    step.data.update(restarted_by="technician", power_on_at=iso(power_on_at))
    step.detail = "field mode: unplugged and plugged back in by the technician"
    return power_on_at


def run(ctx: PhoneContext, view: StepView) -> Restarted:
    view.need(Identified)
    console = view.need(ConsoleOpened).console
    erased = view.use(Erased)
    mark = console.mark() if console is not None else None
    with ctx.steps.step("restart") as step:
        if ctx.phone.switch is None and erased is not None:
            step.data.update(restarted_by="the phone itself", erase_confirmed_by=erased.proof.signal)
            step.detail = (f"field mode: the phone restarts by itself after its ITL erase (erase confirmed "
                           f"by {erased.proof.signal})")
            return Restarted(power_on_at=erased.started_at, console_mark=erased.console_mark)
        return Restarted(power_on_at=power_cycle(ctx, step), console_mark=mark)
