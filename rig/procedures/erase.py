"""erase: run the phone's keypad script, checking the phone's answer, retrying after a power cycle.

Backends are tried in the configured order: a phone that refuses remote key-press (it still holds
its old authentication URL, KeypadAuthError) moves the script to the next backend, and the step
records which backend ran and why. An expectation that is not met usually means a key press was
lost (a solenoid missed, a gap too short): the phone is power-cycled (its identity is already
confirmed, so that is safe), given time to come back, and the script runs again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drivers.console import ConsoleTimeout
from drivers.keypad import Keypad, KeypadAuthError
from drivers.phone_web import PhoneWebError
from rig.journal import utc_now
from rig.keyscript import Expect, Expectation, KeyScript, Press, Wait
from rig.procedures.job import PhoneJob
from rig.procedures.restart import power_cycle
from rig.procedures.steps import BenchFault, PhoneFailed, Step


class ExpectationNotMet(Exception):
    """An `expect` step of the script did not see its pattern in time."""


@dataclass
class _Backends:
    """The phone's keypad backends in order, and the one in use."""

    names: list[str]
    keypads: list[Keypad]
    current: int = 0

    def press(self, keys: list[str], gap: float, step: Step) -> None:
        while True:
            try:
                self.keypads[self.current].press(keys, gap=gap)
                return
            except KeypadAuthError as error:
                step.data.setdefault("fallbacks", []).append(
                    {"from": self.names[self.current], "reason": str(error)}
                )
                self.current += 1
                if self.current >= len(self.keypads):
                    raise BenchFault(f"every keypad backend was refused: {error}") from None
                step.data["backend"] = self.names[self.current]


def run(job: PhoneJob) -> None:
    if job.script is None:
        raise BenchFault(f"no keypad script loaded for {job.phone.name}")
    keypads = job.bench.keypads(job.phone)
    if not keypads:
        raise BenchFault(f"{job.phone.name} has no keypad backend configured")
    backends = _Backends([k.backend for k in job.phone.keypad], keypads)
    attempts = 1 + job.erase_retries
    failures: list[str] = []
    for attempt in range(1, attempts + 1):
        with job.steps.step("erase" if attempt == 1 else f"erase (retry {attempt - 1})") as step:
            step.data.update(script=job.script.file, attempt=attempt, backend=backends.names[backends.current])
            try:
                _run_script(job, job.script, backends, step)
                return
            except ExpectationNotMet as missed:
                step.fail(f"{missed}; console log {job.console_log}")
                failures.append(str(missed))
        if attempt < attempts:
            _recover(job, str(failures[-1]))
    raise PhoneFailed(
        f"keypad script {job.script.file} failed {attempts}x: {failures[-1]} (console log {job.console_log})"
    )


def _run_script(job: PhoneJob, script: KeyScript, backends: _Backends, step: Step) -> None:
    gap = job.config.timeouts.key_gap
    job.watch_from = utc_now()
    if job.console is not None:
        job.console_mark = job.console.mark()
    job.status_before_script = _status_messages(job)
    pressed: list[str] = []
    checks: list[dict[str, object]] = step.data.setdefault("expectations", [])
    for index, action in enumerate(script.steps):
        if isinstance(action, Press):
            backends.press(action.press, gap, step)
            pressed.extend(action.press)
        elif isinstance(action, Wait):
            job.sleep(action.wait * gap)
        elif isinstance(action, Expect):
            checks.append(_expect(job, action.expect, index))
    step.data["keys"] = pressed
    step.detail = f"{len(pressed)} keys via {backends.names[backends.current]}; " + ", ".join(
        f"{c['what']}: {c['result']}" for c in checks
    )


def _expect(job: PhoneJob, expectation: Expectation, index: int) -> dict[str, object]:
    """Check one expectation on the console, else the status messages page, else leave it unchecked."""
    timeout = max(expectation.timeout * job.config.timeouts.key_gap, job.config.timeouts.expect)
    pattern = expectation.console if expectation.console is not None else expectation.status
    assert pattern is not None
    what = f"steps[{index}] {'console' if expectation.console is not None else 'status'} /{pattern}/"
    use_console = expectation.console is not None and job.console is not None
    web = job.web
    if use_console:
        assert job.console is not None
        try:
            match = job.console.expect(pattern, timeout, since=job.console_mark)
        except ConsoleTimeout:
            raise ExpectationNotMet(
                f"expected console /{pattern}/ within {timeout:.3g}s after the keys, not seen "
                f"(a key press was probably lost)"
            ) from None
        return {"what": what, "result": f"seen on console: {match.group(0)!r}", "timeout": timeout}
    if web is not None:
        regex = re.compile(pattern)
        before = set(job.status_before_script)

        def seen() -> str | None:
            try:
                messages = web.status_messages()
            except PhoneWebError:
                return None
            return next((m for m in messages if m not in before and regex.search(m)), None)

        message = job.poll(seen, timeout)
        if message is None:
            raise ExpectationNotMet(
                f"expected status message /{pattern}/ within {timeout:.3g}s, not seen "
                f"(a key press was probably lost)"
            )
        return {"what": what, "result": f"seen in status messages: {message!r}", "timeout": timeout}
    return {"what": what, "result": "unchecked (no console, no HTTP)", "timeout": timeout}


def _status_messages(job: PhoneJob) -> list[str]:
    """The status messages already shown, so an expectation only counts new ones."""
    try:
        return job.web.status_messages() if job.web is not None else []
    except PhoneWebError:
        return []


def _recover(job: PhoneJob, why: str) -> None:
    """Power-cycle the phone and wait until it answers HTTP again, before retrying the script."""
    with job.steps.step("recover") as step:
        step.data["why"] = why
        power_cycle(job, step)
        web = job.web
        if web is None:
            job.sleep(job.config.timeouts.boot / 4)
            step.detail += "; no HTTP to wait for: waited a quarter of timeouts.boot"
            return

        def answers() -> str | None:
            try:
                return web.device_info().app_load_id or "?"
            except PhoneWebError:
                return None

        load = job.poll(answers, job.config.timeouts.boot)
        if load is None:
            raise PhoneFailed(
                f"after a power cycle to retry the keypad script, no HTTP answer within "
                f"{job.config.timeouts.boot:g}s"
            )
        step.detail += f"; answers HTTP again (load {load})"
