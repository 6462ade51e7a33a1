"""factory_reset: run a script whose first key is held through a power cycle (`power_cycle: true`).

A 7942's factory reset starts with `#` held while the phone powers up (Cisco's administration
guide, cited in the script). The script's metadata declares it; this step keeps the promise: the
port is turned off (the phone was identified on it), the first `press:` starts while the port is
off (an actuator board holds the key for the script's following `wait:`, on this bench's time
scale), the port is turned on with the key held, and the rest of the script runs once the hold
ends. The phone then restarts by itself, erasing its trust lists with everything else. Every
signal a profile lists (a restart, a fresh ITL, a trust-list status line) also follows rig's own
power cycle, so none confirms the reset: the step says so, and observe and verify (a fresh ITL
that verifies, the signed config, the load) decide the phone's outcome.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from rig.actions.keys import KeypadChain
from rig.phone.keyscript import KeyScript, Press, Wait
from rig.procedures.context import PhoneContext
from rig.procedures.erase import keypad_chain
from rig.procedures.findings import Baseline, ConsoleOpened, Identified, Restarted, StepView
from rig.procedures.keyrun import ScriptRecord, run_script
from rig.procedures.restart import power_cycle
from rig.procedures.steps import BenchFault, Step
from rig.record.steps import FACTORY_RESET


def _held_keys(ctx: PhoneContext, script: KeyScript) -> tuple[Press, float, KeyScript]:
    """The first press, how long to hold it (the wait after it) and the rest of the script."""
    first, rest = script.steps[0], list(script.steps[1:])
    if not isinstance(first, Press):
        raise BenchFault(f"{script.file}: power_cycle needs a press: as the first step")
    hold = 0.0
    if rest and isinstance(rest[0], Wait):
        hold = ctx.script_seconds(rest.pop(0).wait)
    return first, hold, replace(script, steps=tuple(rest))


def _holding_chain(ctx: PhoneContext, chain: KeypadChain, hold: float) -> KeypadChain:
    """The same backends, built to hold each key `hold` seconds (an actuator board does)."""
    by_name = dict(zip([k.backend for k in ctx.phone.keypad], ctx.bench.keypads(ctx.phone, hold_s=hold)))
    return KeypadChain(list(chain.names), [by_name[name] for name in chain.names])


def _hold_through_power_cycle(ctx: PhoneContext, script: KeyScript, chain: KeypadChain, step: Step,
                              record: ScriptRecord) -> tuple[datetime, KeyScript]:
    """Power-cycle with the first key held from before power-on; the power-on time and the rest."""
    first, hold, rest = _held_keys(ctx, script)
    holder = _holding_chain(ctx, chain, hold)
    errors: list[BaseException] = []

    def hold_keys() -> None:
        try:
            holder.press(first.press, ctx.config.timeouts.key_gap)
        except BaseException as error:  # noqa: BLE001 - re-raised in the step's thread
            errors.append(error)

    pressing = threading.Thread(target=hold_keys, name=f"hold-{ctx.phone.name}", daemon=True)
    power_on_at = power_cycle(ctx, step, before_on=pressing.start)
    pressing.join()
    if errors:
        raise errors[0]
    chain.current = holder.current  # a backend that refused the held key is not asked again
    record.keys.extend(first.press)
    step.data["held"] = {"keys": first.press, "seconds": hold}
    return power_on_at, rest


def run(ctx: PhoneContext, view: StepView) -> Restarted:
    view.need(Identified)
    console = view.need(ConsoleOpened).console
    baseline = view.need(Baseline)
    script = ctx.script
    if script is None:
        raise BenchFault(f"no keypad script loaded for {ctx.phone.name}")
    if not script.meta.power_cycle:
        raise BenchFault(f"{script.file}: a factory reset script declares power_cycle: true")
    chain = keypad_chain(ctx, script, baseline.web_access)
    with ctx.steps.step(FACTORY_RESET) as step:
        step.data.update(script=script.file, backend=chain.backend)
        mark = console.mark() if console is not None else None
        record = ScriptRecord()
        power_on_at, rest = _hold_through_power_cycle(ctx, script, chain, step, record)
        run_script(ctx, rest, chain, None, record)
        step.data.update(keys=record.keys, reset_confirmed_by=None)
        step.detail += (f"; held {' '.join(record.keys[:1])} through power-up, then {len(record.keys) - 1} keys; "
                        f"reset unconfirmed: its restart cannot be told from rig's power cycle, observe and "
                        f"verify decide")
        return Restarted(power_on_at=power_on_at, console_mark=mark)
