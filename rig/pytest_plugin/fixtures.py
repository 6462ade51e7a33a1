"""The plugin's fixtures: the bench (once per session), each test's phone, and its job outcomes.

`erased` / `verified` are the phone's outcome of the erase / verify job. Each job runs ONCE per
session for every phone the selected tests need, all phones in parallel (through rig.jobs, as
`rig erase` runs them), lazily when the first such test starts; each test then asserts on its
own phone, and its evidence goes into the JUnit XML as the test's properties.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from rig.drivers.operator import NoOperator
from rig.config.lab import PhoneConfig
from rig.errors import RigError
from rig.jobs import JobRequest, JobService
from rig.pytest_plugin.hooks import BUILTIN_BENCH, PHONE_PARAM, lab_source
from rig.pytest_plugin.outcome import PhoneOutcome
from rig.terminal_operator import TerminalOperator

if TYPE_CHECKING:
    from rig.bench.build import Bench

FIXTURE_FOR = {"erase": "erased", "verify": "verified"}
"""The fixture whose tests need a phone's outcome of each procedure."""


def run_phones(bench: "Bench", procedure: str, names: list[str], runs_dir: Path, *, source: str) -> dict[str, PhoneOutcome]:
    """Run `procedure` on the named phones at once, in a new run directory; each phone's outcome."""
    service = JobService(bench)
    result = service.run(service.plan(JobRequest(procedure, tuple(names), runs_dir=runs_dir, source=source)))
    return {p.name: PhoneOutcome.of(p, procedure, result.run_dir) for p in result.results.phones}


def run_procedure(bench: "Bench", phone: PhoneConfig | str, procedure: str, runs_dir: Path) -> PhoneOutcome:
    """Run `procedure` ("erase" or "verify") on one phone now; its run directory goes under `runs_dir`."""
    name = phone if isinstance(phone, str) else phone.name
    return run_phones(bench, procedure, [name], runs_dir, source=bench.config.bench)[name]


class RigSession:
    """Runs each procedure once for all the phones the session's tests need, on first demand."""

    def __init__(self, bench: "Bench", source: str, runs_dir: Path, session: pytest.Session) -> None:
        self.bench = bench
        self.source = source
        self.runs_dir = runs_dir
        self._session = session
        self._outcomes: dict[tuple[str, str], PhoneOutcome] = {}
        self._broken: dict[str, str] = {}
        """Procedure -> why its run could not be made (each later test says so instead of retrying)."""
        self._lock = threading.Lock()

    def _wanted(self, procedure: str) -> list[str]:
        """The phones of the selected tests that use this procedure's fixture, in config order."""
        fixture = FIXTURE_FOR[procedure]
        names = {
            item.callspec.params.get(PHONE_PARAM)
            for item in self._session.items
            if fixture in getattr(item, "fixturenames", ()) and hasattr(item, "callspec")
        }
        return [p.name for p in self.bench.config.phones if p.name in names]

    def outcome(self, phone: str, procedure: str) -> PhoneOutcome:
        with self._lock:
            if procedure in self._broken:
                pytest.fail(self._broken[procedure], pytrace=False)
            if (procedure, phone) not in self._outcomes:
                batch = [n for n in self._wanted(procedure) if (procedure, n) not in self._outcomes]
                if phone not in batch:
                    batch.append(phone)
                try:
                    outcomes = run_phones(self.bench, procedure, batch, self.runs_dir, source=self.source)
                except RigError as error:  # bad key script, phone leased by another run...
                    self._broken[procedure] = f"rig {procedure} could not run: {error}"
                    pytest.fail(self._broken[procedure], pytrace=False)
                self._outcomes.update({(procedure, n): o for n, o in outcomes.items()})
            return self._outcomes[(procedure, phone)]


@pytest.fixture(scope="session")
def bench(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator["Bench"]:
    """The bench under test, open for the whole session (a simulated bench is started once)."""
    from rig.bench.build import open_bench

    source = lab_source(pytestconfig)
    path = source.path or source.write_builtin(tmp_path_factory.mktemp("rig-bench"))
    with open_bench(path) as opened:
        if pytestconfig.getoption("capture") == "no":  # `pytest -s`: the technician can answer rig's asks
            opened.operator = TerminalOperator(threading.Event(), sys.__stdout__, stdin=sys.__stdin__)
        else:
            opened.operator = NoOperator("needs a technician: run pytest with -s (no output capture)")
        yield opened


@pytest.fixture(scope="session")
def rig_session(bench: "Bench", pytestconfig: pytest.Config, request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> RigSession:
    runs_dir = pytestconfig.option.rig_runs or tmp_path_factory.mktemp("rig-runs")
    source = lab_source(pytestconfig).path
    return RigSession(bench, str(source or BUILTIN_BENCH), Path(runs_dir), request.session)


@pytest.fixture
def rig_phone_name(request: pytest.FixtureRequest) -> str | None:
    """The phone this test runs on (parametrized by the plugin; ids = phone names)."""
    return getattr(request, "param", None)


@pytest.fixture
def phone(rig_phone_name: str | None, bench: "Bench") -> PhoneConfig:
    """One phone of the bench (tests using it run once per selected phone, ids = phone names)."""
    if rig_phone_name is None:
        pytest.skip("no phone selected for this test")
    return bench.config.phone(rig_phone_name)


def _outcome_fixture(procedure: str, request: pytest.FixtureRequest, rig_session: RigSession,
                     phone: PhoneConfig) -> PhoneOutcome:
    outcome = rig_session.outcome(phone.name, procedure)
    request.node.user_properties.extend(outcome.properties())
    return outcome


@pytest.fixture
def erased(request: pytest.FixtureRequest, rig_session: RigSession, phone: PhoneConfig) -> PhoneOutcome:
    """This phone's outcome of the session's erase job; its evidence goes into the JUnit XML."""
    return _outcome_fixture("erase", request, rig_session, phone)


@pytest.fixture
def verified(request: pytest.FixtureRequest, rig_session: RigSession, phone: PhoneConfig) -> PhoneOutcome:
    """This phone's outcome of the session's verify job (restart and verify, no erase)."""
    return _outcome_fixture("verify", request, rig_session, phone)
