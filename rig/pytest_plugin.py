"""pytest plugin: hardware-in-the-loop tests on a rig bench (registered as the `rig` pytest11 plugin).

A nightly suite is ordinary pytest:

    def test_phone_is_fixed_by_the_erase(erased):
        assert_passed(erased)

`phone` is parametrized over the bench's phones (ids = phone names); `erased` / `verified` are that
phone's outcome of the erase / verify job. The job runs ONCE per session for every phone the
selected tests need, all phones in parallel (the way `rig erase` runs them), lazily when the
first such test starts; each test then asserts on its own phone. A failed phone's steps, TFTP
fetches, loads and ITL signer are attached to its test as JUnit XML properties, so a CI
dashboard shows why it failed; the run directories (journal, report.html) go to `--rig-runs`.

The bench: `--lab-config PATH`, else the `rig_lab_config` ini value, else `lab_config.yaml` in
the rootdir, else a built-in 8-phone simulated bench. A conftest may choose a default for its
suite with `default_lab_config(config, path)` from `pytest_configure`.

Markers: `rig_model("7942", ...)` keeps phones of those models; `rig_scenario("stale_itl", ...)`
keeps simulated phones set up in those scenarios. A scenario is a property of the simulator: on
a real bench a `rig_scenario` test is skipped (its assertions assume the scenario), never run on
every phone. A test left with no phone is skipped with the reason.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from rig.batch import PhoneSlot, phone_slots
from rig.config import LabConfig, PhoneConfig, Simulation, load_config
from rig.errors import RigError

if TYPE_CHECKING:
    from rig.bench import Bench

BUILTIN_BENCH = "sim-bench"
FIXTURE_FOR = {"erase": "erased", "verify": "verified"}
"""The fixture whose tests need a phone's outcome of each procedure."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rig", "rig bench (hardware-in-the-loop)")
    group.addoption("--lab-config", dest="lab_config", type=Path, default=None, metavar="PATH",
                    help="rig lab config of the bench to test (default: rootdir lab_config.yaml, "
                         "else a built-in simulated bench).")
    group.addoption("--rig-runs", dest="rig_runs", type=Path, default=None, metavar="DIR",
                    help="Keep the run directories (journal, report.html) here (default: a temp dir).")
    parser.addini("rig_lab_config", "rig lab config for the rig pytest plugin (relative to the rootdir).",
                  type="string", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rig_model(*models): run only on phones of these models (e.g. '7942').")
    config.addinivalue_line(
        "markers", "rig_scenario(*scenarios): run only on simulated phones in these scenarios; "
                   "skipped on a real bench.")


def default_lab_config(config: pytest.Config, path: Path) -> None:
    """From a conftest's `pytest_configure`: test this bench unless `--lab-config` names another."""
    if config.option.lab_config is None:
        config.option.lab_config = path


# --- which bench ------------------------------------------------------------------------------

@dataclass(frozen=True)
class LabSource:
    """The bench under test: its config file (None: the built-in simulation) and its contents."""

    path: Path | None
    config: LabConfig

    def write_builtin(self, directory: Path) -> Path:
        """The built-in bench as a file, since open_bench starts a bench from a file."""
        path = directory / "lab_config.yaml"
        path.write_text(yaml.safe_dump(self.config.model_dump(mode="json", exclude_defaults=True)))
        return path


_SOURCE = pytest.StashKey[LabSource]()


def lab_source(config: pytest.Config) -> LabSource:
    """Resolved once per session, on first need (a session without rig tests never reads it)."""
    if _SOURCE not in config.stash:
        path = _configured_path(config)
        if path is None:
            lab = LabConfig(bench=BUILTIN_BENCH, simulation=Simulation())
        else:
            try:
                lab = load_config(path)
            except RigError as error:
                pytest.fail(f"rig: {error}", pytrace=False)
        config.stash[_SOURCE] = LabSource(path, lab)
    return config.stash[_SOURCE]


def _configured_path(config: pytest.Config) -> Path | None:
    if config.option.lab_config is not None:
        return Path(config.option.lab_config)
    ini = config.getini("rig_lab_config")
    if ini:
        return config.rootpath / ini
    default = config.rootpath / "lab_config.yaml"
    return default if default.is_file() else None


# --- phone selection --------------------------------------------------------------------------

def _marker_values(metafunc: pytest.Metafunc, name: str) -> set[str] | None:
    marks = list(metafunc.definition.iter_markers(name))
    if not marks:
        return None
    return {str(value) for mark in marks for value in mark.args}


def select_phones(source: LabSource, models: set[str] | None, scenarios: set[str] | None) -> tuple[list[PhoneSlot], str]:
    """The phones a test runs on, and when there are none, why (the skip reason)."""
    slots = phone_slots(source.config)
    bench = source.config.bench
    if scenarios is not None and source.config.simulation is None:
        return [], f"rig_scenario{tuple(sorted(scenarios))} selects simulated phones; bench {bench} is real"
    if models is not None:
        slots = [s for s in slots if s.model in models]
    if scenarios is not None:
        slots = [s for s in slots if s.scenario in scenarios]
    wanted = " and ".join(
        f"{what} {', '.join(sorted(values))}" for what, values in (("model", models), ("scenario", scenarios)) if values
    )
    return slots, f"bench {bench} has no phone of {wanted}" if wanted else f"bench {bench} has no phones"


def _uses_rig_phone(metafunc: pytest.Metafunc) -> bool:
    """True when the test's `phone` is this plugin's fixture, not a local one of the same name."""
    defs = metafunc._arg2fixturedefs.get("phone")  # pytest has no public view of resolved fixtures
    if not defs:
        return False
    func = defs[-1].func
    return getattr(func, "__module__", None) == __name__


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "phone" not in metafunc.fixturenames or not _uses_rig_phone(metafunc):
        return
    slots, why_none = select_phones(
        lab_source(metafunc.config), _marker_values(metafunc, "rig_model"), _marker_values(metafunc, "rig_scenario")
    )
    if slots:
        metafunc.parametrize("phone", [s.name for s in slots], ids=[s.name for s in slots], indirect=True)
    else:
        metafunc.parametrize("phone", [pytest.param(None, marks=pytest.mark.skip(reason=why_none))],
                             ids=["no-phone"], indirect=True)


# --- outcomes ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    detail: str
    started: str
    ended: str


@dataclass(frozen=True)
class Fetch:
    file: str
    at: str
    bytes: int
    ok: bool


@dataclass(frozen=True, repr=False)
class PhoneOutcome:
    """One phone's result of one job, as results.json records it, with readable explanations."""

    phone: str
    procedure: str
    outcome: str  # passed | failed | error | skipped
    reason: str | None
    steps: tuple[StepResult, ...]
    fetches: tuple[Fetch, ...]
    load_before: str | None
    load_after: str | None
    itl_signer: str | None
    symptoms: tuple[str, ...]
    run_dir: Path

    @classmethod
    def from_result(cls, phone: dict[str, Any], procedure: str, run_dir: Path) -> "PhoneOutcome":
        return cls(
            phone=phone["name"],
            procedure=procedure,
            outcome=phone["outcome"],
            reason=phone["reason"],
            steps=tuple(StepResult(s["name"], bool(s["ok"]), s["detail"] or "", s["started"], s["ended"])
                        for s in phone["steps"]),
            fetches=tuple(Fetch(f["file"], f["at"], int(f["bytes"] or 0), bool(f["ok"])) for f in phone["tftp_fetches"]),
            load_before=phone["load_before"],
            load_after=phone["load_after"],
            itl_signer=phone["itl_signer"],
            symptoms=tuple(phone["symptoms"]),
            run_dir=run_dir,
        )

    def __repr__(self) -> str:  # what pytest prints for a fixture value in a failure
        return f"<PhoneOutcome {self.phone} {self.procedure} {self.outcome}>"

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    @property
    def failed_step(self) -> StepResult | None:
        """The first step that failed (what ended the phone, or the first failed check)."""
        return next((s for s in self.steps if not s.ok), None)

    def step(self, name: str) -> StepResult | None:
        return next((s for s in reversed(self.steps) if s.name == name), None)

    def fetched(self, pattern: str) -> list[Fetch]:
        """Complete transfers whose file name matches the glob `pattern` (e.g. `*.sbn`)."""
        return [f for f in self.fetches if f.ok and fnmatch.fnmatchcase(f.file, pattern)]

    def describe(self) -> str:
        """Several lines a person can act on: the verdict, every step, what was fetched, where the report is."""
        failed = self.failed_step
        head = f"{self.phone}: {self.procedure} {self.outcome}"
        if failed is not None:
            head += f" at step {failed.name}"
        if self.reason:
            head += f": {self.reason}"
        lines = [head, "steps:"]
        lines += [f"  {'ok    ' if s.ok else 'FAILED'} {s.name}: {s.detail}" for s in self.steps] or ["  (none)"]
        lines.append("fetched: " + (", ".join(f.file for f in self.fetches if f.ok) or "nothing"))
        lines.append(f"load: {self.load_before} -> {self.load_after}; ITL signer: {self.itl_signer}")
        if self.symptoms:
            lines.append("symptoms before: " + "; ".join(self.symptoms))
        lines.append(f"report: {self.run_dir / 'report.html'}")
        return "\n".join(lines)

    def properties(self) -> list[tuple[str, str]]:
        """JUnit XML properties, named as rig's own junit.xml names them."""
        failed = self.failed_step
        props = [("rig.procedure", self.procedure), ("rig.outcome", self.outcome),
                 ("rig.reason", self.reason or ""), ("rig.failed_step", failed.name if failed else "")]
        props += [(f"step.{i:02d}.{s.name}", f"{'ok' if s.ok else 'FAILED'}: {s.detail}")
                  for i, s in enumerate(self.steps, 1)]
        props += [(f"tftp.{i:02d}", f"{f.file} {f.bytes} bytes {'ok' if f.ok else 'FAILED'} at {f.at}")
                  for i, f in enumerate(self.fetches, 1)]
        props += [("load_before", self.load_before or ""), ("load_after", self.load_after or ""),
                  ("itl_signer", self.itl_signer or "")]
        props += [(f"symptom.{i}", s) for i, s in enumerate(self.symptoms, 1)]
        props.append(("rig.report", str(self.run_dir / "report.html")))
        return props


def run_phones(bench: "Bench", procedure: str, names: list[str], runs_dir: Path, *, source: str) -> dict[str, PhoneOutcome]:
    """Run `procedure` on the named phones at once, in a new run directory; each phone's outcome."""
    from rig.batch import run_job
    from rig.runner import new_run_dir

    run_dir = new_run_dir(runs_dir, procedure)
    results = run_job(bench, procedure, names, run_dir, source=source)
    return {p["name"]: PhoneOutcome.from_result(p, procedure, run_dir) for p in results["phones"]}


def run_procedure(bench: "Bench", phone: PhoneConfig | str, procedure: str, runs_dir: Path) -> PhoneOutcome:
    """Run `procedure` ("erase" or "verify") on one phone now; its run directory goes under `runs_dir`."""
    name = phone if isinstance(phone, str) else phone.name
    return run_phones(bench, procedure, [name], runs_dir, source=bench.config.bench)[name]


# --- assertions -------------------------------------------------------------------------------

def assert_passed(outcome: PhoneOutcome) -> None:
    __tracebackhide__ = True
    if not outcome.passed:
        raise AssertionError(outcome.describe())


def assert_step_ok(outcome: PhoneOutcome, name: str) -> None:
    __tracebackhide__ = True
    step = outcome.step(name)
    if step is None:
        raise AssertionError(f"{outcome.phone}: no step {name!r} was run\n{outcome.describe()}")
    if not step.ok:
        raise AssertionError(f"{outcome.phone}: step {name} failed: {step.detail}\n{outcome.describe()}")


def assert_fetched(outcome: PhoneOutcome, *patterns: str) -> None:
    """Every glob in `patterns` matches a complete TFTP transfer of this phone."""
    __tracebackhide__ = True
    missing = [p for p in patterns if not outcome.fetched(p)]
    if missing:
        raise AssertionError(f"{outcome.phone}: never fetched {', '.join(missing)}\n{outcome.describe()}")


def assert_load(outcome: PhoneOutcome, expected: str) -> None:
    __tracebackhide__ = True
    if outcome.load_after != expected:
        raise AssertionError(
            f"{outcome.phone}: reports load {outcome.load_after}, expected {expected}\n{outcome.describe()}"
        )


# --- fixtures ---------------------------------------------------------------------------------

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
            item.callspec.params.get("phone")
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
    from rig.bench import open_bench

    source = lab_source(pytestconfig)
    path = source.path or source.write_builtin(tmp_path_factory.mktemp("rig-bench"))
    with open_bench(path) as opened:
        yield opened


@pytest.fixture(scope="session")
def rig_session(bench: "Bench", pytestconfig: pytest.Config, request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> RigSession:
    runs_dir = pytestconfig.option.rig_runs or tmp_path_factory.mktemp("rig-runs")
    source = lab_source(pytestconfig).path
    return RigSession(bench, str(source or BUILTIN_BENCH), Path(runs_dir), request.session)


@pytest.fixture
def phone(request: pytest.FixtureRequest, bench: "Bench") -> PhoneConfig:
    """One phone of the bench (tests using it run once per selected phone, ids = phone names)."""
    name = getattr(request, "param", None)
    if name is None:
        pytest.skip("no phone selected for this test")
    return bench.config.phone(name)


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
