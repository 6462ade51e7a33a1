"""The one wait-for-condition helper of the test suite: tests wait for what they need, never sleep a guess."""

from __future__ import annotations

import time
from collections.abc import Callable

POLL = 0.02
"""Seconds between checks: short enough not to slow a test, long enough not to spin a core."""


def wait_for(condition: Callable[[], object], timeout: float = 20.0, what: str = "condition") -> None:
    """Return once `condition()` is truthy; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(POLL)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
