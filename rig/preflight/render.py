"""Preflight on a terminal: the bench's problems, then one row per phone (ready or not, and the
first problem, which says what to fix)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from rig.preflight.report import PreflightReport


def bench_lines(report: PreflightReport) -> list[str]:
    if report.bench.ready:
        return ["bench: ready"]
    return ["bench: NOT READY", *(f"  {problem}" for problem in report.bench.problems)]


def migration_lines(report: PreflightReport) -> list[str]:
    """A migration's checks, each on its line, ready or not (the rollback state is news either way)."""
    return [f"{check.name}: {'ok' if check.ok else 'NOT READY'}: {check.detail}" for check in report.migration]


def phone_table(report: PreflightReport, title: str) -> Table:
    table = Table(title=title)
    table.add_column("phone", no_wrap=True)
    table.add_column("ready", no_wrap=True)
    table.add_column("first problem", overflow="fold")
    for phone in report.phones:
        ready = Text("ready", style="green") if phone.ready else Text("NOT READY", style="bold red")
        table.add_row(phone.name, ready, Text(phone.problems[0] if phone.problems else "-"))
    return table


def summary(report: PreflightReport) -> str:
    waiting = [p.name for p in report.phones if not p.ready]
    if report.ready:
        return f"ready: bench and all {len(report.phones)} phones"
    parts = [] if report.bench.ready else ["the bench"]
    if waiting:
        parts.append(f"{len(waiting)} of {len(report.phones)} phones ({', '.join(waiting)})")
    return f"not ready: {' and '.join(parts)}"
