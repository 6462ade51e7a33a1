"""Run directories: their names, their creation, and what a journal says for `--resume`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rig.errors import RigError
from rig.record.events import Event, PhoneDone, RunStarted
from rig.record.journal import JOURNAL_NAME, read_events, utc_now


def new_run_id(procedure: str, now: datetime | None = None) -> str:
    """`20261125-090001-erase`: sortable, readable, one per second and procedure."""
    return f"{(now or utc_now()):%Y%m%d-%H%M%S}-{procedure}"


def new_run_dir(runs_dir: Path, procedure: str) -> Path:
    base = new_run_id(procedure)
    for n in range(100):
        candidate = runs_dir / (base if n == 0 else f"{base}.{n}")
        try:
            candidate.mkdir(parents=True)
            return candidate
        except FileExistsError:
            continue
    raise RigError(f"{runs_dir}: cannot create a run directory for {base}")


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
