"""pytest plugin: hardware-in-the-loop tests on a rig bench (registered as the `rig` pytest11 plugin).

A nightly suite is ordinary pytest:

    from rig.pytest_plugin import assert_passed

    def test_phone_is_fixed_by_the_erase(erased):
        assert_passed(erased)

`phone` is parametrized over the bench's phones (ids = phone names); `erased` / `verified` are that
phone's outcome of the erase / verify job, run once per session for all the phones the tests
need. A failed phone's steps, TFTP fetches, loads and ITL signer are attached to its test as
JUnit XML properties; the run directories (journal, report.html) go to `--rig-runs`.

Laid out like labgrid's plugin: `hooks` (options, markers, bench choice, parametrization),
`fixtures` (bench, phone, erased, verified), `outcome` (PhoneOutcome: the journal reader's
PhoneResult with its job and run directory) and `assertions`. This
module is the entry point: pytest finds the hooks and fixtures it re-exports here.
"""

from rig.pytest_plugin.assertions import assert_fetched, assert_load, assert_passed, assert_step_ok
from rig.pytest_plugin.fixtures import (
    RigSession, bench, erased, phone, rig_phone_name, rig_session, run_phones, run_procedure, verified,
)
from rig.pytest_plugin.hooks import (
    default_lab_config, pytest_addoption, pytest_configure, pytest_generate_tests, select_phones,
)
from rig.pytest_plugin.outcome import PhoneOutcome

__all__ = [
    "PhoneOutcome", "RigSession", "assert_fetched", "assert_load", "assert_passed",
    "assert_step_ok", "bench", "default_lab_config", "erased", "phone", "pytest_addoption", "pytest_configure",
    "pytest_generate_tests", "rig_phone_name", "rig_session", "run_phones", "run_procedure", "select_phones",
    "verified",
]
