"""The fault matrix in CI: `rig erase` on a 4-phone simulated bench with each `simulation.faults`
knob alone, all of them together, and runs stopped mid-way (`kill -9`, Ctrl-C twice, SIGTERM,
SIGHUP) then resumed.

Every case checks what a user checks after a bad night: the outcomes and their reasons, that the
phones the fault does not touch pass, that the journal parses, and that the switch (read over
SSH with rig's own driver) shows no port left off. The cases and the way they run live in
bench/faults.py, which prints the same matrix as a table; here they run a few at a time, each on
its own simulated bench, once per module.
"""

from __future__ import annotations

import importlib.util
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rig.config.simulation import Faults

_SPEC = importlib.util.spec_from_file_location("bench_faults", Path(__file__).parents[1] / "bench" / "faults.py")
faults = sys.modules[_SPEC.name] = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(faults)

CASES = {case.name: case for case in faults.CASES}
AT_ONCE = 3
"""Cases running at once: each mostly waits on scaled device time (a dark phone's boot timeout,
a stopped run's resume); the longest (stopped runs, then runs with a failing phone) start first,
and the short ones fill the slots they free. Six at once (five stopped runs among them) loaded
the 2-core machine so that a resumed phone now and then missed its window (kill -9, SIGTERM and
SIGHUP cases failing in about half the runs beside the chaos and e2e files); three passed every
run measured."""


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Every case's result (or the exception that ended it), each case on its own bench."""
    root = tmp_path_factory.mktemp("faults")

    def run(case):
        work = root / case.name
        work.mkdir()
        try:
            return faults.run_case(case, work)
        except Exception as error:  # reported by the case's own tests, not as a fixture error
            return error

    longest_first = sorted(CASES.values(), key=lambda c: (c.stop is None, not c.expect))
    with ThreadPoolExecutor(AT_ONCE) as pool:
        return dict(zip([c.name for c in longest_first], pool.map(run, longest_first)))


def _result(matrix, name):
    result = matrix[name]
    if isinstance(result, Exception):
        pytest.fail(f"case {name} did not run: {result}")
    return result


def test_the_matrix_has_a_case_for_every_fault_knob_and_one_with_all_of_them():
    assert set(faults.KNOBS) == set(Faults.model_fields)
    assert CASES["all"].faults.keys() == set(Faults.model_fields)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if not c.stop])
def test_each_phone_ends_as_the_fault_dictates_with_its_reason(matrix, name):
    result = _result(matrix, name)
    for phone, (outcome, reason) in result.outcomes.items():
        expected = CASES[name].expect.get(phone, faults.Expect("passed"))
        assert outcome == expected.outcome, (phone, reason, result.steps[phone], result.stderr)
        if outcome != "passed":
            assert reason, phone
        if expected.reason is not None:
            assert expected.reason in reason, (phone, reason)
        if expected.step is not None:
            assert expected.step in result.steps[phone], (phone, result.steps[phone])
    all_pass = all(e.outcome == "passed" for e in CASES[name].expect.values())
    assert result.exit_code == (0 if all_pass else 1), result.stderr


@pytest.mark.parametrize("name", list(CASES))
def test_the_journal_parses_and_names_every_phone(matrix, name):
    result = _result(matrix, name)
    assert result.journal_error is None
    assert sorted(result.outcomes) == ["desk-01", "desk-02", "desk-03", "desk-04"]


@pytest.mark.parametrize("name", list(CASES))
def test_no_port_is_left_off(matrix, name):
    assert _result(matrix, name).ports_off == []


STOPPED = [n for n, c in CASES.items() if c.stop]


@pytest.mark.parametrize("name", STOPPED)
def test_a_stopped_run_is_finished_by_resume_with_every_port_on_and_every_phone_passed(matrix, name):
    """Whenever the run died (even after its phones were erased and upgraded on their own while
    nobody watched), the resume finishes every phone of this fault-free bench as passed."""
    result = _result(matrix, name)
    assert result.ports_off == []
    for phone, (outcome, reason) in result.outcomes.items():
        assert outcome == "passed", (phone, outcome, reason, result.steps[phone], result.stderr)
    assert result.exit_code == 0, result.stderr


def test_kill_9_while_a_port_is_off_leaves_it_off_until_resume_turns_it_on(matrix):
    result = _result(matrix, "kill-9")
    assert result.stop_exit == -9
    assert result.stopped_with_ports_off, "the run was to be killed while the switch had a port off"
    assert result.ports_off == []


@pytest.mark.parametrize("name", ["ctrl-c-twice", "sigterm", "sighup"])
def test_ctrl_c_twice_sigterm_or_sighup_while_a_port_is_off_turns_it_on_and_still_writes_the_reports(matrix, name):
    result = _result(matrix, name)
    assert result.stop_exit == 130, result.stderr
    assert result.stopped_with_ports_off == []
    assert result.stop_reports, "results.json, junit.xml, report.html and the --json document"
