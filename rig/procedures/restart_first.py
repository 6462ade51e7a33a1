"""A restart before a touch: restart a phone and watch whether it takes its trust by itself.

A phone stuck on a stale ITL usually refuses remote key presses (its cached config names a dead
authentication URL), so its next keypad backend is a solenoid or a person at its desk. Yet many
such phones recover by themselves on their next boot: when only the CallManager certificate was
regenerated, TVS vouches for the new signer (docs/simulator.md, "Trust"; Cisco document 116232).
So before that touch (`restart_first: before_touch`, the default), or before any key (`always`),
the erase step calls `restart_then_watch`: the phone is power-cycled through the restart step's
primitive (which proves the port first) and watched with the evidence observe and verify use: the
tap's fetches of its ITL and signed config, a trust-list failure line (console since the restart,
else a status message new since the baseline), and the load witnesses. A phone that gives no sign
of life within `timeouts.boot` (no fetch, no witness) fails, as observe would fail it. A phone that fetched both
files, shows no failure and runs the expected load took its trust by itself: it gets no keys, and
the restart step does not restart it again (`restart_once`). A failure line, or `timeouts.boot`
without that proof, means it is still stuck: the keys go on.

The step `restart_first` records the outcome; `data.fix` is `restart` when it fixed a phone whose
baseline showed a trust-list failure (the profile's `trust_failure`), `none` when it showed none
(a healthy phone, or one without an ITL: it needed nothing); rig.report.results reads it.
A phone without a switch (field mode) is never restarted first: its restart needs a person too.
"""

from __future__ import annotations

from dataclasses import dataclass

from rig.drivers.console import Console
from rig.drivers.phone_web import PhoneWebError
from rig.procedures import restart
from rig.procedures.context import PhoneContext
from rig.procedures.findings import Baseline, Restarted, StepView
from rig.procedures.observe import fetches_since, witnessed_load
from rig.procedures.restart import power_cycle
from rig.procedures.steps import PhoneFailed, Step
from rig.record.steps import RESTART_FIRST

TOUCH_BACKENDS = frozenset({"serial_actuator", "operator"})
"""Keypad backends that need a solenoid on the phone or a person at its desk."""


class TouchDeferred(Exception):
    """The keys were about to move to a backend that needs a touch: restart the phone first."""

    def __init__(self, backend: str) -> None:
        super().__init__(f"the next keypad backend, {backend}, needs a touch: restart first")
        self.backend = backend


@dataclass
class RestartGate:
    """When the erase step restarts its phone before keys, and what that restart showed."""

    ctx: PhoneContext
    baseline: Baseline
    console: Console | None
    tried: bool = False
    alive: bool = False
    """The phone showed life after the restart: a fetch, or a witness that answered."""

    @property
    def policy(self) -> str:
        """`never` for a phone whose power is a person's hands: restarting it needs a person as well."""
        return "never" if self.ctx.power.needs_a_person else self.ctx.config.restart_first

    def before_fallback(self, backend: str) -> None:
        """KeypadChain's hook: stop the keys before the first touch backend, once."""
        if self.policy == "before_touch" and not self.tried and backend in TOUCH_BACKENDS:
            raise TouchDeferred(backend)

    def restart_then_watch(self, why: str) -> Restarted | None:
        """Restart the phone and watch it; its Restarted when it took its trust, else None."""
        self.tried = True
        ctx = self.ctx
        mark = self.console.mark() if self.console is not None else None
        with ctx.steps.step(RESTART_FIRST) as step:
            step.data["why"] = why
            power_on_at = power_cycle(ctx, step)
            restarted = Restarted(power_on_at=power_on_at, console_mark=mark)
            boot = ctx.config.timeouts.boot
            verdict = ctx.poll(lambda: self._verdict(restarted), boot)
            if verdict is None and not self.alive:  # as observe says of a phone that never came back
                raise PhoneFailed(f"no TFTP request / no answer within {boot:g}s after power-on (restarted "
                                  "before its keys)")
            if verdict is None:
                verdict = GateVerdict(False, f"no proof within {boot:g}s that it took the cluster's ITL and config")
            step.data["took_trust"] = verdict.took
            step.detail = f"{step.detail}; {verdict.evidence}"
            if not verdict.took:  # keys pressed while it still boots would be lost
                step.detail += "; still stuck: the keys go on"
                wait_until_up(ctx, self.baseline.web_access, step, "after the restart before its keys")
                return None
            fix = "restart" if ctx.profile.trust_failures_in(self.baseline.symptoms) else "none"
            step.data["fix"] = fix
            step.detail += ("; no keys needed" if fix == "restart"
                            else "; it showed no trust list failure before: it needed nothing")
            return restarted

    def _verdict(self, restarted: Restarted) -> "GateVerdict | None":
        ctx, since = self.ctx, restarted.power_on_at
        fetches = fetches_since(ctx, since) if ctx.watching else []
        failure = self._trust_failure(restarted)
        if failure is not None:
            return GateVerdict(False, f"trust list failure after the restart: {failure}")
        self.alive = self.alive or bool(fetches)
        fetched = {t.file for t in fetches if t.ok}
        wanted = [ctx.profile.itl_file(ctx.phone.mac), ctx.profile.config_file(ctx.phone.mac)]
        if ctx.watching and not set(wanted) <= fetched:
            return None
        load = witnessed_load(ctx, since, fetches, self.baseline.web_access)
        self.alive = self.alive or load is not None
        if load is None or (ctx.expected_load and not load.running):
            return None
        seen = f"fetched {' and '.join(wanted)}; " if ctx.watching else ""
        return GateVerdict(True, f"took its trust by itself: {seen}no trust list failure; {load.describe()}")

    def _trust_failure(self, restarted: Restarted) -> str | None:
        return trust_failure_since(self.ctx, self.baseline, self.console, restarted)


def trust_failure_since(ctx: PhoneContext, baseline: Baseline, console: Console | None,
                        restarted: Restarted) -> str | None:
    """A trust-list failure line since the restart: on the console, else a status message the
    baseline did not show; None when there is none (or nothing to read it from)."""
    if console is not None:
        lines = console.lines_since(restarted.console_mark or 0)
    elif baseline.web_access and ctx.web is not None:
        try:
            lines = [m for m in ctx.web.status_messages() if m not in baseline.status_messages]
        except PhoneWebError:
            return None
    else:
        return None
    failures = ctx.profile.trust_failures_in(lines)
    return failures[0] if failures else None


@dataclass(frozen=True)
class GateVerdict:
    """What a restart before keys showed: whether the phone took its trust by itself, and the evidence."""

    took: bool
    evidence: str


def wait_until_up(ctx: PhoneContext, web_access: bool, step: Step, after: str) -> None:
    """Wait until the restarted phone answers HTTP again (its keys would be lost while it boots);
    without web access, a quarter of `timeouts.boot`. No answer within `timeouts.boot` fails it."""
    web, boot = ctx.web, ctx.config.timeouts.boot
    if web is None or not web_access:
        ctx.sleep(boot / 4)
        step.detail += "; no web access to wait for: waited a quarter of timeouts.boot"
        return

    def answers() -> str | None:
        try:
            info = web.device_info()
        except PhoneWebError:
            return None
        return info.version_id or info.app_load_id or "?"

    load = ctx.poll(answers, boot)
    if load is None:
        raise PhoneFailed(f"{after}, no HTTP answer within {boot:g}s")
    step.detail += f"; answers HTTP again (load {load})"


def restart_once(ctx: PhoneContext, view: StepView) -> Restarted:
    """The restart step, unless a restart before the keys already fixed the phone (the erase step
    then gave its Restarted): one restart is enough."""
    earlier = view.use(Restarted)
    return earlier if earlier is not None else restart.run(ctx, view)
