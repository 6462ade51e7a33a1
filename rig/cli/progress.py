"""What the terminal shows while a job runs, fed by the journal's events.

On a TTY: a live table (phone, step, elapsed, outcome) redrawn as events arrive, then a summary
table. Otherwise: one plain line per finished phone and a summary line, easy to grep and log.
With `--json` nothing but the final JSON document goes to stdout.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from rig.events import Event, PhoneDone, PhoneEvent, PhoneInterrupted, PhoneStarted, StepStarted

MAX_ROWS = 40
STYLE = {"passed": "green", "failed": "red", "error": "yellow", "skipped": "dim"}


@dataclass
class _Row:
    step: str = "waiting"
    started: float | None = None
    ended: float | None = None
    outcome: str = ""
    reason: str = ""


@dataclass
class Progress:
    """An observer for Runner: call it with each event; use as a context manager around the run."""

    phones: list[str]
    console: Console
    live: bool
    quiet: bool = False
    rows: dict[str, _Row] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _live: Live | None = None

    def __post_init__(self) -> None:
        self.rows = {name: _Row() for name in self.phones}

    def __enter__(self) -> "Progress":
        if self.live and not self.quiet:
            self._live = Live(self._table(), console=self.console, refresh_per_second=4, transient=False)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.update(self._table())
            self._live.stop()

    def __call__(self, event: Event) -> None:
        if not isinstance(event, PhoneEvent) or event.phone not in self.rows:
            return
        with self._lock:
            row = self.rows[event.phone]
            if isinstance(event, PhoneStarted):
                row.started, row.step = time.monotonic(), "starting"
            elif isinstance(event, StepStarted):
                row.step = event.name
            elif isinstance(event, PhoneDone):
                row.ended, row.outcome, row.reason = time.monotonic(), event.outcome, event.reason or ""
                row.step = "done"
                if not self.live and not self.quiet:
                    tail = f": {row.reason}" if row.reason else ""
                    self.console.print(f"{event.phone} {row.outcome}{tail}", markup=False, highlight=False,
                                       soft_wrap=True)
            elif isinstance(event, PhoneInterrupted):
                row.step = "interrupted"
            if self._live is not None:
                self._live.update(self._table())

    def _table(self) -> Table:
        table = Table(title="rig", expand=False)
        for column in ("phone", "step", "elapsed", "outcome"):
            table.add_column(column)
        now = time.monotonic()
        rows = list(self.rows.items())
        if len(rows) > MAX_ROWS:  # a big bench: the phones in flight, and counts for the rest
            rows = [(n, r) for n, r in rows if r.started is not None and r.ended is None][:MAX_ROWS]
            counts = Counter(r.outcome or ("running" if r.started else "waiting") for r in self.rows.values())
            table.caption = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        for name, row in rows:
            elapsed = "" if row.started is None else f"{(row.ended or now) - row.started:5.1f}s"
            table.add_row(name, row.step, elapsed, f"[{STYLE.get(row.outcome, '')}]{row.outcome}[/]"
                          if row.outcome else "")
        return table


def summary_table(results: dict[str, Any]) -> Table:
    table = Table(title=f"{results['procedure']} {results['run_id']}")
    for column in ("phone", "outcome", "load before -> after", "symptoms before", "reason"):
        table.add_column(column, overflow="fold")
    for p in results["phones"]:
        style = STYLE.get(p["outcome"], "")
        table.add_row(
            p["name"], f"[{style}]{p['outcome']}[/]", f"{p['load_before'] or '?'} -> {p['load_after'] or '?'}",
            ", ".join(dict.fromkeys(_short(s) for s in p["symptoms"])), p["reason"] or "",
        )
    return table


PHONE_STAMP = re.compile(r"^\s*\d{1,2}:\d{2}:\d{2}[ap]?\s+")
"""The time a phone puts before each status message (`10:26:18a Trust List Update Failed`, DESIGN.md)."""


def _short(symptom: str) -> str:
    """`Trust List Update Failed` out of `09:33:09a Trust List Update Failed` (the phone's stamp)."""
    return PHONE_STAMP.sub("", symptom)


def summary_line(results: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in results["summary"].items())
