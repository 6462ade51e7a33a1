"""What every test shares: nothing of the user's, nothing of another pytest process's, and no
signal disposition inherited from whatever started pytest.

`rig erase` and the rig pytest plugin take phone leases in RIG_LEASE_DIR, else in the home
directory. Two test processes (pytest-xdist workers, or two engineers' runs on one machine) that
both lease a simulated bench of the same name (the nightly suite's `hil-sim`) would refuse each
other's phones, and a run killed on purpose would leave lease files in the user's home. So each
test session leases in a directory of its own; a test that needs its own lease directory still
sets one (tests/test_lease.py and the CLI tests do).

Tests stop `rig sim`, `rig tap` and `rig erase` with Ctrl-C (SIGINT). A process started with
SIGINT ignored (a background job of a non-interactive shell, `nohup`, some CI runners) passes
that on to every child, and Python then never raises KeyboardInterrupt: the child never stops
and the test hangs until its timeout. So the session restores Python's own SIGINT handler,
which children start from as the default.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _session_lease_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RIG_LEASE_DIR", str(tmp_path_factory.mktemp("leases")))
        yield


@pytest.fixture(scope="session", autouse=True)
def _children_stop_on_ctrl_c() -> Iterator[None]:
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
