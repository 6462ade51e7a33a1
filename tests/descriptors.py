"""Tests' helper: make the process hold descriptors up to a number, as a big bench's controller does."""

from __future__ import annotations

import contextlib
import os
import resource
from collections.abc import Iterator

import pytest


@contextlib.contextmanager
def held_past(number: int) -> Iterator[None]:
    """While inside, every descriptor up to `number` is taken, so the next one opened is above it
    (skips the test where the process may not hold that many)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < number + 100:
        pytest.skip(f"this process may hold only {hard} descriptors")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, number + 100), hard))
    held: list[int] = []
    try:
        with open(__file__, "rb") as f:  # kept open: its own descriptor must stay taken too
            while not held or held[-1] < number:
                held.append(os.dup(f.fileno()))
            yield
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
