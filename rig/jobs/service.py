"""The one job workflow: plan, lease, restore, run, render. Every front end calls it.

`rig erase`/`rig verify` (CLI), the pytest plugin and a Dask worker all do the same thing:
choose the phones, check their keypad scripts, lease them, turn back on the ports a crashed run
left off, run the Runner, and render the reports from the journal. They differ only in who
watches the events and how the result is shown, so that is all they supply.

`plan` finds everything that can be wrong with the input (unknown phones, an empty selection,
a resume of another job, a bad keypad script) without side effects: a refused job creates no
run directory. `run` creates the run directory (its name is the run's one id, which the leases
carry), takes the leases (a held one refuses before anything is touched, and the empty run
directory goes again), and returns a JobResult once the reports are written, interrupted or not.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rig.actions.restore import journals_of, restore_for
from rig.config.lab import PhoneConfig
from rig.drivers.errors import DeviceError
from rig.errors import RigError
from rig.record.events import Event
from rig.jobs.result import JobResult
from rig.jobs.rundir import RunState, read_state, run_directory
from rig.phone.keyscript import KeyScript, scripts_for
from rig.record.lease import LeaseSet
from rig.preflight import bench_gate
from rig.procedures import KEY_SCRIPT_FOR, PROCEDURES
from rig.jobs.migration import planned_migration
from rig.procedures.migrate import Migration
from rig.record.journal import powered_on_since, routes_of, utc_now
from rig.report import render
from rig.jobs.runner import Observer, Runner

if TYPE_CHECKING:
    from rig.bench.build import Bench
    from rig.drivers.phone_web import PhoneWeb

DEFAULT_RUNS = Path("runs")
NAMED_PHONES_ONLY = frozenset({"factory_reset"})
"""Jobs that run only on phones named in the request (or a resumed run's own): a factory reset
wipes every user setting, so "no names" never means every phone of the bench for it."""


@dataclass(frozen=True)
class JobRequest:
    """What a front end asks for."""

    procedure: str
    """`erase`, `verify` or `factory_reset` (rig.procedures.PROCEDURES)."""
    phones: tuple[str, ...] = ()
    """Phone names; empty means every phone of the bench (refused for NAMED_PHONES_ONLY jobs)."""
    resume: Path | None = None
    """Finish this earlier run: redo every phone of it that did not pass."""
    runs_dir: Path = DEFAULT_RUNS
    """Where a new run directory is created."""
    run_dir: Path | None = None
    """Use exactly this run directory instead (a Dask worker's scratch space)."""
    source: str = ""
    """What input errors name: the config file."""
    screenshots: bool | None = None
    """The phone's screen after each key of an erase; None: only when the run does one phone."""
    try_variants: bool = False
    """Try the keypad script's published variants when its own key path is not confirmed."""
    migration: Migration | None = None
    """`rig migrate`'s systems and options (on resume: read from the run's journal)."""


@dataclass(frozen=True)
class JobPlan:
    """A checked request: which phones the run lists, which it does now, and their key scripts."""

    request: JobRequest
    listed: list[PhoneConfig]
    todo: list[PhoneConfig]
    scripts: dict[str, KeyScript]
    state: RunState | None
    """The earlier run's journal when resuming."""
    migration: Migration | None = None
    """The migration, checked against the bench (with the phones a resumed run had moved)."""


class JobService:
    """Jobs on one open bench."""

    def __init__(self, bench: "Bench") -> None:
        self.bench = bench

    def plan(self, request: JobRequest) -> JobPlan:
        """Check the request against the bench; RigError (exit 2) for anything wrong, nothing touched."""
        if request.procedure not in PROCEDURES:
            raise RigError(f"unknown procedure {request.procedure!r}")
        config = self.bench.config
        source = request.source or f"bench {config.bench}"
        state = read_state(request.resume) if request.resume is not None else None
        if state is not None:
            if state.procedure != request.procedure:
                raise RigError(f"{request.resume}: is a {state.procedure} run, not {request.procedure}")
            if state.bench != config.bench:
                raise RigError(f"{request.resume}: is a run of bench {state.bench}, not {config.bench}"
                               f"{state.ran_with()}")
            if request.phones:
                raise RigError("--resume redoes the run's own phones: give no phone names")
            listed = config.select(state.phones)
            todo = [p for p in listed if p.name not in state.passed]
        elif request.procedure in NAMED_PHONES_ONLY and not request.phones:
            raise RigError(f"{request.procedure.replace('_', '-')} needs phone names: it never runs on "
                           f"every phone of the bench by default")
        else:
            listed = todo = config.select(list(request.phones))
        if not listed:
            raise RigError(f"{source}: phones: the bench has no phones to {request.procedure}")
        script_job = KEY_SCRIPT_FOR[request.procedure]
        only = [p.name for p in todo]
        migration = planned_migration(config, request, state, todo)
        scripts = scripts_for(config.phones, script_job, source, only=only) if script_job else {}
        return JobPlan(request, listed, todo, scripts, state, migration)

    def run(self, plan: JobPlan, *, observer: Observer | None = None,
            stop: threading.Event | None = None) -> JobResult:
        """Lease, restore, run and render; the result once every report is written."""
        config, request = self.bench.config, plan.request
        names = [p.name for p in plan.todo]
        with run_directory(request.resume or request.run_dir, request.runs_dir, request.procedure) as run_dir, \
                LeaseSet(config.bench, names, run_dir.name, config.timeouts.lease, run_dir=run_dir) as leases:
            migrating = (plan.migration.source, plan.migration.target) if plan.migration else None
            bench_gate(self.bench, plan.todo, migrating)  # read-only (rig.preflight): a bench that cannot work stops here
            restored = self._restore(plan, run_dir, leases)
            self._until_up(list(dict.fromkeys(restored + self._booting(plan, names))), stop)
            Runner(
                self.bench, request.procedure, plan.todo, run_dir, scripts=plan.scripts, stop=stop,
                observer=observer, resumed=plan.state is not None, screenshots=request.screenshots,
                try_variants=request.try_variants, migration=plan.migration,
                routes=routes_of(plan.state.events, names) if plan.state else {},
            ).run(all_phones=plan.listed)
        return JobResult(run_dir, render(run_dir), restored)

    def _booting(self, plan: JobPlan, names: list[str]) -> list[str]:
        """A resumed run's phones whose port the stopped run turned back on less than
        `timeouts.boot` ago (stopped right after a power cycle): they are booting too."""
        if plan.state is None:
            return []
        since = utc_now() - timedelta(seconds=self.bench.config.timeouts.boot)
        return powered_on_since(plan.state.events, names, since)

    def _until_up(self, restored: list[str], stop: threading.Event | None) -> None:
        """A phone whose port was just turned back on is booting: keys pressed now would be lost,
        and the files it fetches while it boots would read as the evidence of an erase that never
        happened (the fault matrix's stopped runs found it, after a restore and after a run
        stopped right after its own power cycle). Wait until its web server answers, or
        `timeouts.boot` passes (a phone with web access off), before any step touches it."""
        config = self.bench.config
        webs = [web for name in restored if (web := self.bench.web(config.phone(name))) is not None]
        deadline = time.monotonic() + config.timeouts.boot
        while webs and time.monotonic() < deadline and not (stop is not None and stop.is_set()):
            webs = [web for web in webs if not _answers(web)]
            if webs:
                time.sleep(0.2)

    def _restore(self, plan: JobPlan, run_dir: Path, leases: LeaseSet) -> list[str]:
        """Turn back on the ports of this job's phones that a crashed run's journal shows left off:
        the resumed run's own journal, and those of dead runs whose leases were just taken over."""
        journals: dict[Path, list[Event]] = {}
        if plan.state is not None:
            journals[run_dir.resolve()] = plan.state.events
        journals.update({d: e for d, e in journals_of(leases.taken_over).items() if d not in journals})
        return restore_for(self.bench, journals, [p.name for p in plan.todo])


def _answers(web: "PhoneWeb") -> bool:
    try:
        web.device_info()
    except DeviceError:
        return False
    return True
