"""erase: run the phone's keypad script, confirm the erase by evidence, retry after a power cycle.

Backends are tried in the configured order (only those the script's metadata allows): a phone
that refuses remote key-press as unauthenticated (a wrong password, or a stale authentication
URL) moves the script to the next backend, and the step records which backend ran and why.
After the keys, the erase counts only when a signal the phone's profile lists as confirmed is
seen (the phone restarting by itself, its new ITL fetched, a documented line), up to and
including the last look at the end of the wait; the step's data and detail name that signal. A
restart is two independent signals or a sustained one (rig.procedures.erase_watch): one
unanswered request is only recorded as a glimpse. An expectation that is not met, or an erase
that is not confirmed, usually means a key press was lost: the phone is power-cycled (its
identity is already confirmed, so that is safe), given time to come back, and the script runs
again from the screen the phone boots to. With `--try-variants`, a script whose own path is not
confirmed then tries its published variants (rig.procedures.erase_variants).

Before a backend that needs a solenoid or a person, the phone is restarted first (config
`restart_first`, rig.procedures.restart_first): one that then takes its trust by itself gets no
keys, and the step returns its Restarted instead of an Erased.
"""

from __future__ import annotations

import time

from rig.drivers.console import Console
from rig.actions.keys import EveryBackendRefused, KeypadChain
from rig.record.journal import utc_now
from rig.phone.keyscript import Expect, KeyScript
from rig.procedures.context import PhoneContext
from rig.procedures.erase_variants import try_variants
from rig.procedures.erase_watch import EraseWatch, look_interval
from rig.procedures.key_screens import screens_after_keys
from rig.procedures.findings import Baseline, ConsoleOpened, Erased, Identified, Restarted, StepView
from rig.procedures.keyrun import ExpectationNotMet, ScriptRecord, expect_timeout, run_script
from rig.procedures.restart import power_cycle
from rig.procedures.restart_first import RestartGate, TouchDeferred, wait_until_up
from rig.procedures.steps import BenchFault, PhoneFailed, Step
from rig.record.steps import ERASE, RECOVER


def keypad_chain(ctx: PhoneContext, script: KeyScript, web_access: bool) -> KeypadChain:
    """The phone's keypad backends that the script can run on, in config order.

    The web key-press goes through the phone's web server, so it is left out when the phone's
    web access is off.
    """
    allowed = script.meta.backends
    pairs = [(cfg.backend, keypad) for cfg, keypad in zip(ctx.phone.keypad, ctx.bench.keypads(ctx.phone))
             if (allowed is None or cfg.backend in allowed) and (web_access or not keypad.through_phone_web)]
    if not pairs:
        raise BenchFault(f"{ctx.phone.name} has no keypad backend that can run {script.file}"
                         + (f" (it needs one of {', '.join(allowed)})" if allowed else "")
                         + ("" if web_access else " with its web access off"))
    return KeypadChain([name for name, _ in pairs], [keypad for _, keypad in pairs])


def run(ctx: PhoneContext, view: StepView) -> Erased | Restarted:
    """The erase, or the phone's Restarted when a restart before the keys fixed it
    (rig.procedures.restart_first: the restart step then does not restart it again)."""
    view.need(Identified)
    opened = view.need(ConsoleOpened)
    console, log = opened.console, opened.log_path
    baseline = view.need(Baseline)
    script = ctx.script
    if script is None:
        raise BenchFault(f"no keypad script loaded for {ctx.phone.name}")
    chain = keypad_chain(ctx, script, baseline.web_access)
    gate = RestartGate(ctx, baseline, console)
    if gate.policy == "always":
        fixed = gate.restart_then_watch("restart_first: always")
        if fixed is not None:
            return fixed
    chain.before_fallback = gate.before_fallback
    attempts = 1 + ctx.erase_retries
    failures: list[str] = []
    attempt = 1
    while attempt <= attempts:
        deferred: TouchDeferred | None = None
        with ctx.steps.step(ERASE, attempt) as step:
            step.data.update(script=script.file, attempt=attempt, backend=chain.backend)
            try:
                return _attempt(ctx, script, chain, console, baseline.web_access, step)
            except ExpectationNotMet as missed:
                step.fail(f"{missed}; console log {log}")
                failures.append(str(missed))
            except TouchDeferred as touch:
                deferred = touch
                step.detail = f"keys refused by {chain.fallbacks[-1].backend}; {touch}"
            finally:
                _record_fallbacks(chain, step)
        if deferred is not None:  # the same attempt again, on the touch backend, if still stuck
            refused = chain.fallbacks[-1]
            fixed = gate.restart_then_watch(f"{refused.backend} refused the keys: {refused.reason}")
            if fixed is not None:
                return fixed
            continue
        if attempt < attempts:
            _recover(ctx, failures[-1], baseline.web_access)
        attempt += 1
    if ctx.try_variants:  # rig erase --try-variants: the script's published variants, one at a time
        return try_variants(ctx, script, chain, f"its own key path failed {attempts}x: {failures[-1]}",
                            lambda variant, step: _attempt(ctx, variant, chain, console, baseline.web_access, step),
                            lambda why: _recover(ctx, why, baseline.web_access), attempts)
    raise PhoneFailed(f"keypad script {script.file} failed {attempts}x: {failures[-1]} (console log {log})")


def _record_fallbacks(chain: KeypadChain, step: Step) -> None:
    step.data["backend"] = chain.backend
    if chain.fallbacks:
        step.data["fallbacks"] = [{"from": f.backend, "reason": f.reason} for f in chain.fallbacks]
    if chain.notes:
        step.data["keypad_notes"] = list(chain.notes)


def _attempt(ctx: PhoneContext, script: KeyScript, chain: KeypadChain, console: Console | None,
             web_access: bool, step: Step) -> Erased:
    started = utc_now()
    watch = EraseWatch(ctx, console, web_access, started)
    record = ScriptRecord(after_key=screens_after_keys(ctx, web_access, step))
    try:
        run_script(ctx, script, chain, watch, record)
        keys_took = time.monotonic() - watch.since
    except EveryBackendRefused as refused:
        raise BenchFault(str(refused)) from None
    finally:  # the keys sent are evidence of the key path, confirmed or not (rig facts)
        step.data.update(keys=record.keys, expectations=record.checks)
    timeouts = [expect_timeout(ctx, s.expect) for s in script.steps if isinstance(s, Expect)]
    wait = max([ctx.config.timeouts.expect, *timeouts])
    # the final look counts: a confirmation arriving just as the wait ends is a confirmation
    final = ctx.poll(watch.confirmed, wait, interval=look_interval(wait)) or watch.proof()
    step.data.update(erase_confirmed_by=final.signal, erase_signals_seen=final.seen)
    if watch.glimpses:
        step.data["restart_glimpses"] = dict(watch.glimpses)
    if watch.restart_after is not None:  # it restarted by itself, and when (rig facts: restart_after_erase)
        step.data.update(restart_after_s=round(watch.restart_after, 2), keys_took_s=round(keys_took, 2))
    if not final.confirmed:
        raise ExpectationNotMet(final.describe())
    step.detail = f"{len(record.keys)} keys via {chain.backend}; {final.describe()}" + "".join(
        f"; {c['what']}: {c['result']}" for c in record.checks)
    return Erased(started_at=started, console_mark=watch.console_mark, backend=chain.backend, proof=final)


def _recover(ctx: PhoneContext, why: str, web_access: bool) -> None:
    """Power-cycle the phone and wait until it answers again, before retrying the script."""
    with ctx.steps.step(RECOVER) as step:
        step.data["why"] = why
        power_cycle(ctx, step)
        wait_until_up(ctx, web_access, step, "after a power cycle to retry the keypad script")
