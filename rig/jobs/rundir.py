"""Run directories: their names, their creation, and what a journal says for `--resume`.

A run's directory name is its one id: the journal's `run_id`, its leases' `run_id` and the
directory are named here, once (`run_directory`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rig.errors import RigError
from rig.record.events import Event, PhoneDone, RunStarted
from rig.record.journal import JOURNAL_NAME, read_events, utc_now


def _run_id(procedure: str, now: datetime | None = None) -> str:
    """`20261125-090001-erase`: sortable, readable, one per second and procedure."""
    return f"{(now or utc_now()):%Y%m%d-%H%M%S}-{procedure}"


def new_run_dir(runs_dir: Path, procedure: str) -> Path:
    """A new directory under `runs_dir`, created now: `<id>`, or `<id>.1`... when another run of the
    same second took it."""
    base = _run_id(procedure)
    for n in range(100):
        candidate = runs_dir / (base if n == 0 else f"{base}.{n}")
        try:
            candidate.mkdir(parents=True)
            return candidate
        except FileExistsError:
            continue
    raise RigError(f"{runs_dir}: cannot create a run directory for {base}")


@contextlib.contextmanager
def run_directory(chosen: Path | None, runs_dir: Path, procedure: str) -> Iterator[Path]:
    """The job's run directory, existing from here on: `chosen` (a resumed run's, or the one a
    Dask worker was given) or a new one under `runs_dir`. Made before the leases are taken, so the
    leases carry its final name as their run id. A job refused before it wrote anything there (a
    held lease, the bench gate) leaves no run directory: an error with it still empty removes it
    again, with every parent this made."""
    target = chosen if chosen is not None else runs_dir
    made = [p for p in (target, *target.parents) if not p.exists()]
    run_dir = chosen
    if run_dir is None:
        run_dir = new_run_dir(runs_dir, procedure)
        made.insert(0, run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        yield run_dir
    except BaseException:
        for path in made:  # innermost first; a directory with anything in it stays, and so do its parents
            try:
                path.rmdir()
            except OSError:
                break
        raise


@dataclass(frozen=True)
class RunState:
    """What a journal says about a run so far (for --resume)."""

    run_id: str
    procedure: str
    bench: str
    phones: list[str]
    passed: list[str]
    events: list[Event]
    """The whole journal (resume restores the ports it proves were left off)."""
    config_file: str | None = None
    """The config the run was started with (absolute path), when its journal records it."""
    config_sha256: str | None = None

    def ran_with(self) -> str:
        """` (it ran with /abs/bench.yaml: give --config /abs/bench.yaml)`, or "" when not recorded."""
        return f" (it ran with {self.config_file}: give --config {self.config_file})" if self.config_file else ""


def read_state(run_dir: Path) -> RunState:
    """The run's state from its journal; RigError (exit 2) when it is not a readable run."""
    path = run_dir / JOURNAL_NAME
    if not path.is_file():
        raise RigError(f"{run_dir}: no {JOURNAL_NAME} here (not a run directory?)")
    events = read_events(path)
    started = next((e for e in events if isinstance(e, RunStarted)), None)
    if started is None:
        raise RigError(f"{path}: no run_started event")
    last = {e.phone: e.outcome for e in events if isinstance(e, PhoneDone)}
    return RunState(
        run_id=started.run_id,
        procedure=started.procedure,
        bench=started.bench,
        phones=[p.name for p in started.phones],
        passed=[name for name, outcome in last.items() if outcome == "passed"],
        events=events,
        config_file=started.config.get("file"),
        config_sha256=started.config.get("sha256"),
    )
