"""`rig runs`: the past runs of a runs directory, and pruning old ones.

    rig runs                        # newest first: outcome counts, duration, state
    rig runs --keep 20              # remove every ended run but the 20 newest
    rig runs --older-than 30d       # remove ended runs started more than 30 days ago
    rig runs --keep 5 --older-than 7d --dry-run   # both rules must agree; show, remove nothing

A run that never ended is listed but never removed (it may be running, or hold the journal
`--resume` needs to turn a port back on).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from rig.cli.app import app
from rig.jobs import DEFAULT_RUNS
from rig.jobs.history import PastRun, parse_age, past_runs, prune, to_prune
from rig.record.journal import utc_now

WIDE_OUTPUT = 160


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}" if minutes < 60 else f"{minutes // 60}:{minutes % 60:02d}:{rest:02d}"


def _row(run: PastRun) -> dict[str, object]:
    return {"run_dir": str(run.path), "procedure": run.procedure, "bench": run.bench,
            "started": run.started.isoformat().replace("+00:00", "Z") if run.started else None,
            "seconds": run.seconds, "summary": run.counts, "state": run.state}


@app.command("runs")
def runs(
    runs_dir: Annotated[Path, typer.Option("--runs-dir", help="The runs directory.")] = DEFAULT_RUNS,
    keep: Annotated[Optional[int], typer.Option("--keep", min=0, help="Remove ended runs but the N newest.",
                                                show_default=False)] = None,
    older_than: Annotated[Optional[str], typer.Option(
        "--older-than", help="Remove ended runs started longer ago than this (30d, 12h, 90m, 2w).",
        show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be removed; remove nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of a table.")] = False,
) -> None:
    """List past runs (outcome counts, duration) and prune old ones."""
    age = parse_age(older_than) if older_than is not None else None
    found = past_runs(runs_dir)
    gone = to_prune(found, keep, age, utc_now())
    if not dry_run:
        prune(gone)
    if as_json:
        typer.echo(json.dumps({"runs": [_row(r) for r in found if r not in gone or dry_run],
                               "removed" if not dry_run else "would_remove": [str(r.path) for r in gone]}, indent=2))
        return
    table = Table(title=f"{runs_dir}: {len(found)} run{'' if len(found) == 1 else 's'}")
    for column in ("run", "job", "bench", "duration", "passed", "failed", "error", "skipped", "state"):
        table.add_column(column, justify="right" if column in ("duration", "passed", "failed", "error", "skipped")
                         else "left")
    for run in found:
        state = run.state + (" (would remove)" if dry_run and run in gone else " (removed)" if run in gone else "")
        table.add_row(run.path.name, run.procedure, run.bench, _duration(run.seconds),
                      *(str(run.counts[o]) for o in ("passed", "failed", "error", "skipped")), state)
    Console(width=None if sys.stdout.isatty() else WIDE_OUTPUT).print(table)
    if gone:
        typer.echo(f"{'would remove' if dry_run else 'removed'} {len(gone)} of {len(found)} runs")
