"""Past runs in a runs directory: what each did (outcome counts, duration) and pruning old ones.

A run directory is one with a journal. Its summary comes from its results.json when there is one
(written at the end of every run) and from its journal otherwise. A run that never ended (no
`run_finished` or `run_interrupted`) may still be running, or may have been killed with a port
left off that `--resume` restores from its journal: it is never pruned.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from rig.errors import RigError
from rig.record.events import OUTCOMES
from rig.record.journal import JOURNAL_NAME, parse_iso, read_events
from rig.report.model import RunResults
from rig.report.results import build_results

_AGE = re.compile(r"(\d+)\s*([mhdw])")
_UNIT = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


@dataclass(frozen=True)
class PastRun:
    path: Path
    procedure: str
    bench: str
    started: datetime | None
    seconds: float | None
    """From start to end; None for a run that never ended."""
    counts: dict[str, int]
    state: str
    """`finished`, `interrupted`, `unfinished` (no end: running or killed) or `unreadable`."""

    @property
    def prunable(self) -> bool:
        return self.state in ("finished", "interrupted")


def parse_age(text: str) -> timedelta:
    """`30d`, `12h`, `90m`, `2w` (a bare number is days); RigError for anything else."""
    text = text.strip().lower()
    if text.isdigit():
        return timedelta(days=int(text))
    match = _AGE.fullmatch(text)
    if match is None:
        raise RigError(f"--older-than: {text!r} is not an age such as 30d, 12h, 90m or 2w")
    return int(match[1]) * _UNIT[match[2]]


def _summary(path: Path) -> PastRun:
    try:
        results_file = path / "results.json"
        if results_file.is_file():
            results = RunResults.from_json(json.loads(results_file.read_text(encoding="utf-8")))
        else:
            results = build_results(read_events(path / JOURNAL_NAME))
        started = parse_iso(results.started)
        ended = parse_iso(results.finished) if results.finished else None
        state = ("interrupted" if results.interrupted else "finished") if ended else "unfinished"
        return PastRun(path, results.procedure, results.bench, started,
                       (ended - started).total_seconds() if ended else None, dict(results.summary), state)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RigError):
        return PastRun(path, "?", "?", None, None, dict.fromkeys(OUTCOMES, 0), "unreadable")


def past_runs(runs_dir: Path) -> list[PastRun]:
    """Every run under `runs_dir`, newest first (run ids sort by their start time)."""
    if not runs_dir.is_dir():
        return []
    dirs = [d for d in runs_dir.iterdir() if d.is_dir() and (d / JOURNAL_NAME).is_file()]
    return [_summary(d) for d in sorted(dirs, key=lambda d: d.name, reverse=True)]


def to_prune(runs: list[PastRun], keep: int | None, older_than: timedelta | None, now: datetime) -> list[PastRun]:
    """The ended runs that every given rule lets go: beyond the `keep` newest, and started more
    than `older_than` ago. With no rule, none."""
    if keep is None and older_than is None:
        return []
    chosen = []
    for index, run in enumerate(runs):
        beyond = keep is None or index >= keep
        old = older_than is None or (run.started is not None and now - run.started > older_than)
        if beyond and old and run.prunable:
            chosen.append(run)
    return chosen


def prune(runs: list[PastRun]) -> None:
    for run in runs:
        shutil.rmtree(run.path)
