"""Assertions on a PhoneOutcome whose failure message explains the phone (steps, fetches, report)."""

from __future__ import annotations

from rig.pytest_plugin.outcome import PhoneOutcome


def assert_passed(outcome: PhoneOutcome) -> None:
    __tracebackhide__ = True
    if not outcome.passed:
        raise AssertionError(outcome.describe())


def assert_step_ok(outcome: PhoneOutcome, name: str) -> None:
    __tracebackhide__ = True
    step = outcome.step(name)
    if step is None:
        raise AssertionError(f"{outcome.name}: no step {name!r} was run\n{outcome.describe()}")
    if not step.ok:
        raise AssertionError(f"{outcome.name}: step {name} failed: {step.detail}\n{outcome.describe()}")


def assert_fetched(outcome: PhoneOutcome, *patterns: str) -> None:
    """Every glob in `patterns` matches a complete TFTP transfer of this phone."""
    __tracebackhide__ = True
    missing = [p for p in patterns if not outcome.fetched(p)]
    if missing:
        raise AssertionError(f"{outcome.name}: never fetched {', '.join(missing)}\n{outcome.describe()}")


def assert_load(outcome: PhoneOutcome, expected: str) -> None:
    __tracebackhide__ = True
    if outcome.load_after != expected:
        raise AssertionError(
            f"{outcome.name}: reports load {outcome.load_after}, expected {expected}\n{outcome.describe()}"
        )
