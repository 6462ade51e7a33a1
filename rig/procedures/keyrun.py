"""Running one keypad script on one phone: presses, waits and expectations, on the bench's time scale.

`wait:` and `timeout:` in a script are hardware seconds; `ctx.script_seconds` turns them into this
bench's seconds (`timeouts.script_scale`, 1 on hardware), never the key gap. Keys go through the
phone's keypad chain (rig.actions.keys), so a backend refusing authentication hands over to the
next one. An `expect:` is met by its console or status line, or by the erase already being
confirmed (the watch's proof); when it is not met in time a key press was probably lost. Where
the profile says so (`init_settings`), the application the script's first key opens is started
from its top level first (rig.actions.keys), so the menu is where the script expects it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rig.actions.keys import KeypadChain
from rig.phone.keyscript import Expect, Expectation, KeyScript, Press, Wait
from rig.procedures.context import PhoneContext
from rig.procedures.erase_watch import EraseWatch, look_interval


class ExpectationNotMet(Exception):
    """An `expect` step of the script did not see its pattern in time."""


@dataclass
class ScriptRecord:
    """What the run of a script did, for the step's evidence."""

    keys: list[str] = field(default_factory=list)
    checks: list[dict[str, object]] = field(default_factory=list)
    after_key: Callable[[str], None] | None = None
    """Called after each key (rig.procedures.key_screens takes the screen): the keys of a step
    are then pressed one at a time, the key gap apart."""


def expect_timeout(ctx: PhoneContext, expectation: Expectation) -> float:
    return max(ctx.script_seconds(expectation.timeout), ctx.config.timeouts.expect)


def run_script(ctx: PhoneContext, script: KeyScript, chain: KeypadChain, watch: EraseWatch | None,
               record: ScriptRecord) -> None:
    """Every step of `script` in order; ExpectationNotMet when an expectation is not seen."""
    gap = ctx.config.timeouts.key_gap
    for index, action in enumerate(script.steps):
        if isinstance(action, Press):
            batches = [action.press] if record.after_key is None else [[key] for key in action.press]
            for number, keys in enumerate(batches):
                if number:
                    ctx.sleep(gap)
                chain.press(keys, gap, open_app=ctx.profile.init_settings and not record.keys)
                if watch is not None:
                    watch.key_sent()
                record.keys.extend(keys)
                if record.after_key is not None:
                    record.after_key(keys[-1])
        elif isinstance(action, Wait):
            ctx.sleep(ctx.script_seconds(action.wait))
        elif isinstance(action, Expect):
            record.checks.append(_expect(ctx, action.expect, index, watch))


def _expect(ctx: PhoneContext, expectation: Expectation, index: int, watch: EraseWatch | None) -> dict[str, object]:
    """Wait for the expected line on the console, else on the status messages page."""
    pattern = expectation.console if expectation.console is not None else expectation.status
    assert pattern is not None
    what = f"steps[{index}] {'console' if expectation.console is not None else 'status'} /{pattern}/"
    timeout = expect_timeout(ctx, expectation)
    source = None
    if watch is not None:
        if expectation.console is not None and watch.console is not None:
            source = "console"
        elif watch.web_access:
            source = "status messages"
    if watch is None or source is None:
        return {"what": what, "result": "unchecked (no console, no web access)", "timeout": timeout}

    def met() -> str | None:
        line = watch.seen(source, pattern)
        if line is not None:
            return f"seen in {source}: {line.strip()!r}"
        proof = watch.proof()
        return f"not seen, but {proof.describe()}" if proof.confirmed else None

    result = ctx.poll(met, timeout, interval=look_interval(timeout))
    if result is None:
        raise ExpectationNotMet(f"expected {source} /{pattern}/ within {timeout:.3g}s after the keys, not seen "
                                f"(a key press was probably lost)")
    return {"what": what, "result": result, "timeout": timeout}
