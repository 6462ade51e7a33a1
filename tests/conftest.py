"""What every test shares: nothing of the user's, and nothing of another pytest process's.

`rig erase` and the rig pytest plugin take phone leases in RIG_LEASE_DIR, else in the home
directory. Two test processes (pytest-xdist workers, or two engineers' runs on one machine) that
both lease a simulated bench of the same name (the nightly suite's `hil-sim`) would refuse each
other's phones, and a run killed on purpose would leave lease files in the user's home. So each
test session leases in a directory of its own; a test that needs its own lease directory still
sets one (tests/test_lease.py and the CLI tests do).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _session_lease_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RIG_LEASE_DIR", str(tmp_path_factory.mktemp("leases")))
        yield
