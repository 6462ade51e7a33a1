"""A phone's power as a bench part: its PoE switch port, or a person who unplugs it (field mode).

The part is chosen once per phone (rig.procedures.parts, from `PhoneConfig.power_part`); the
steps that restart a phone (restart, erase, factory_reset) call `ctx.power.cycle(...)` and never
ask whether a switch exists. Each part keeps its own evidence: the PoE port its draw before, off
and after; the person who they were.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from rig.actions.manual_power import ManualPower
from rig.actions.power import PhoneUnseen, PoePort, switched_off
from rig.bench.port_proof import learned
from rig.config.lab import PhoneConfig
from rig.drivers.operator import OperatorError
from rig.procedures.context import POWER_SETTLE, poll_period, watts
from rig.procedures.findings import Erased, Restarted
from rig.procedures.steps import BenchFault, Interrupted, Step
from rig.record.journal import iso, utc_now

if TYPE_CHECKING:
    from rig.bench.switch_pool import SwitchSessions
    from rig.procedures.context import PhoneContext


class PhonePower(Protocol):
    """How one phone's power is switched on this bench."""

    needs_a_person: bool
    """A cycle takes a person's hands: no step spends one that the job does not need (a restart
    before the keys, rig.procedures.restart_first, is skipped)."""

    def cycle(self, ctx: "PhoneContext", step: Step, before_on: Callable[[], None] | None = None) -> datetime:
        """Off, wait `timeouts.power_off`, on; `before_on` runs last thing before power returns.
        Returns the power-on time; the step's data and detail say how it was done."""

    def after_erase(self, step: Step, erased: Erased) -> Restarted | None:
        """The restart step after an ITL erase: the erase's own restart where it stands in for a
        cycle (recorded on `step`), None where the step cycles the phone anyway."""

    def reading(self, since: float | None) -> dict[str, Any]:
        """The draw this part can read (`poe_watts`, `poe_oper`), from a read that started after
        `since` (None: after this call); empty where it reads none."""


class PoePower:
    """The phone's PoE port on its switch, inside the switch's power-up budget."""

    needs_a_person = False

    def __init__(self, switch: "SwitchSessions", phone: PhoneConfig, budget: threading.Semaphore) -> None:
        self.switch = switch
        self.phone = phone
        self.budget = budget
        """The switch's power-up budget (parallel.powerup_per_switch): dozens of phones powering
        up at once can exceed its PoE budget."""

    def reading(self, since: float | None) -> dict[str, Any]:
        ports = self.switch.poe_status(self.phone.port, since)
        return {"poe_watts": ports[0].watts, "poe_oper": ports[0].oper} if ports else {"poe_watts": None}

    def after_erase(self, step: Step, erased: Erased) -> Restarted | None:
        """None: a port cycle is cheap and gives the step its own clean boot."""
        return None

    def cycle(self, ctx: "PhoneContext", step: Step, before_on: Callable[[], None] | None = None) -> datetime:
        """Through rig.actions' power primitive (`switched_off`): the journal holds the off intent
        before the switch hears it, and the port comes back on however the step ends. Draw
        readings come from switch reads the phones of a switch share: one that started after the
        port went off (or on), or within a poll period of the reading before the power-off."""
        timeouts = ctx.config.timeouts
        settle = min(POWER_SETTLE, timeouts.boot)
        period = poll_period(settle)
        step.data["draw_before"] = ctx.draw(since=time.monotonic() - period)
        # A phone restarting by itself (as after its erase) has no link for a moment, and the proof
        # before `power inline never` (rig.bench.port_proof) wants its MAC learned on its port: wait
        # until the switch learned it somewhere (a phone learned on another port is refused at once),
        # and again when it lost its link between that wait and the proof (PhoneUnseen: nothing sent).
        # The wait reads the switch outside `switched_off`, which holds a slot of the switch's power
        # budget: retrying the proof alone would hold that slot while the phone boots, and the
        # switch's other phones would wait for their power waves meanwhile. It reads the MAC table
        # alone, shared by the switch's waiting phones (one read a poll period): the proof reads the rest.
        deadline = time.monotonic() + timeouts.boot
        while True:
            ctx.poll(lambda: learned(self.switch.mac_table(since=time.monotonic() - period), self.phone) or None,
                     max(0.0, deadline - time.monotonic()), period)
            try:
                on_at, drawing, power_on_at = self._switched_off(ctx, step, before_on, settle, period)
                break
            except PhoneUnseen:
                if time.monotonic() >= deadline or ctx.stop.is_set():
                    raise
        step.data["draw_after"] = ctx.draw(since=max(on_at, time.monotonic() - period) if drawing else None)
        step.detail = (
            f"powered off {timeouts.power_off:g}s; draw {watts(step.data['draw_before'])} W before, "
            f"{watts(step.data['draw_after'])} W after"
        )
        return power_on_at

    def _switched_off(self, ctx: "PhoneContext", step: Step, before_on: Callable[[], None] | None, settle: float,
                      period: float) -> tuple[float, bool, datetime]:
        """One power cycle through `switched_off`: when the port came back on, whether the phone
        drew power within `settle`, and the power-on time."""
        with switched_off(PoePort(self.switch, self.phone, ctx.journal), hold=self.budget) as port:
            off_at = time.monotonic()
            ctx.sleep(ctx.config.timeouts.power_off)
            step.data["draw_off"] = ctx.draw(since=off_at)
            if before_on is not None:
                before_on()
            with self.budget:
                power_on_at = utc_now()
                port.on()
                on_at = time.monotonic()
                step.data["power_on_at"] = iso(power_on_at)
                if ctx.stop.is_set():
                    raise Interrupted("run interrupted (port powered back on)")
                drawing = ctx.poll(lambda: (ctx.polled_watts(on_at, period) or 0.0) > 0 or None, settle, period)
        return on_at, drawing is not None, power_on_at


class HandPower:
    """Field mode: the technician unplugs the phone and plugs it back in (PoE or power supply),
    asked through the bench's operator; nobody to ask is a bench error (part `operator`)."""

    needs_a_person = True

    def __init__(self, power: ManualPower) -> None:
        self.power = power

    def reading(self, since: float | None) -> dict[str, Any]:
        return {}

    def after_erase(self, step: Step, erased: Erased) -> Restarted:
        """The phone restarts by itself after its ITL erase (that restart is what confirmed the
        erase): a person's time is not spent on a second one."""
        step.data.update(restarted_by="the phone itself", erase_confirmed_by=erased.proof.signal)
        step.detail = (f"field mode: the phone restarts by itself after its ITL erase (erase confirmed "
                       f"by {erased.proof.signal})")
        return Restarted(power_on_at=erased.started_at, console_mark=erased.console_mark)

    def cycle(self, ctx: "PhoneContext", step: Step, before_on: Callable[[], None] | None = None) -> datetime:
        try:
            self.power.off()
            ctx.sleep(ctx.config.timeouts.power_off)
            if before_on is not None:
                before_on()
            self.power.on()
        except OperatorError as error:
            raise BenchFault(f"field mode restart (no switch to power-cycle it): {error}", part="operator") from None
        power_on_at = utc_now()
        step.data.update(restarted_by="technician", power_on_at=iso(power_on_at))
        step.detail = "field mode: unplugged and plugged back in by the technician"
        return power_on_at
