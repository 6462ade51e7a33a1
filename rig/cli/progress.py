"""What the terminal shows while a job runs, fed by the journal's events.

On a TTY: a progress bar (phones done of all, counts per outcome, elapsed, time left estimated
from the step durations seen so far) above a live table of the phones in flight and those that
did not pass with their reason as it happens (a fleet of 240 does not fit a terminal, and passed
phones need no attention), redrawn as events arrive, then the short summary (rig.cli.summary). Otherwise: one plain line per finished phone and a
summary line, easy to grep and log. With `--json` nothing but the final JSON document goes to stdout.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from rig.cli.estimate import StepClock
from rig.cli.summary import STYLE
from rig.record.events import Event, PhoneDone, PhoneEvent, PhoneInterrupted, PhoneStarted, StepStarted
from rig.record.steps import step_label

MAX_ROWS = 40


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
    clock: Callable[[], float] = time.monotonic
    _live: Live | None = None
    _began: float = 0.0
    steps: StepClock = field(init=False)

    def __post_init__(self) -> None:
        self.rows = {name: _Row() for name in self.phones}
        self.steps = StepClock(self.phones)
        self._began = self.clock()

    def __enter__(self) -> "Progress":
        if self.live and not self.quiet:
            # drawn from the rows 4 times a second, not rebuilt on every event (240 phones journal
            # thousands of events; building the table for each would cost the controller's CPU)
            self._live = Live(console=self.console, refresh_per_second=4, transient=False,
                              get_renderable=self._locked_view)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.refresh()
            self._live.stop()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """While a person is asked (rig.terminal_operator): the display clears itself and stops
        redrawing, so the prompt is the last thing on screen; afterwards it is drawn again in
        place (rich's transient stop moves the cursor back over what it drew)."""
        live = self._live
        if live is None or not live.is_started:
            yield
            return
        live.transient = True
        live.stop()
        try:
            yield
        finally:
            live.transient = False
            live.start(refresh=True)

    def _locked_view(self) -> Group:
        with self._lock:
            return self.view()

    def view(self) -> Group:
        """The progress bar above the table of phones in flight and phones that did not pass (no
        table when there is none: a run where every phone passed ends on the bar alone)."""
        table = self._table()
        return Group(self._bar(), table) if table.row_count else Group(self._bar())

    def _bar(self) -> Table:
        now = self.clock()
        done = [r for r in self.rows.values() if r.outcome]
        total, elapsed = len(self.rows), now - self._began
        counts = Counter(r.outcome for r in done)
        left = self.steps.left(now)
        line = Text(f" {len(done)}/{total}  ")
        for outcome in ("passed", "failed", "error", "skipped"):
            if counts[outcome]:
                line.append(f"{outcome} {counts[outcome]}  ", style=STYLE[outcome])
        line.append(f"elapsed {_clock(elapsed)}")
        if left is not None and len(done) < total:
            line.append(f"  left ~{_clock(left)}")
        bar = Table.grid(padding=0)
        bar.add_row(ProgressBar(total=max(total, 1), completed=len(done), width=30), line)
        return bar

    def __call__(self, event: Event) -> None:
        if not isinstance(event, PhoneEvent) or event.phone not in self.rows:
            return
        with self._lock:
            row = self.rows[event.phone]
            now = self.clock()
            if isinstance(event, PhoneStarted):
                row.started, row.step = now, "starting"
                self.steps.started(event.phone, now)
            elif isinstance(event, StepStarted):
                row.step = step_label(event.name, event.attempt)
                self.steps.step(event.phone, event.name, now)
            elif isinstance(event, PhoneDone):
                row.ended, row.outcome, row.reason = now, event.outcome, event.reason or ""
                row.step = "done"
                self.steps.done(event.phone, now)
                if not self.live and not self.quiet:
                    tail = f": {row.reason}" if row.reason else ""
                    self.console.print(f"{event.phone} {row.outcome}{tail}", markup=False, highlight=False,
                                       soft_wrap=True)
            elif isinstance(event, PhoneInterrupted):
                row.step = "interrupted"
                self.steps.done(event.phone, now)

    def _table(self) -> Table:
        table = Table(expand=False)
        for column in ("phone", "step", "elapsed", "outcome"):
            table.add_column(column, no_wrap=True)
        table.add_column("reason", no_wrap=True, overflow="ellipsis", max_width=max(20, self.console.width - 50))
        now = self.clock()
        shown = [(n, r) for n, r in self.rows.items()
                 if (r.started is not None and r.ended is None) or r.outcome not in ("", "passed")]
        shown.sort(key=lambda item: item[1].ended is None)  # phones that did not pass first
        room = max(3, min(MAX_ROWS, self.console.size.height - 8))  # the bar above stays on screen
        if len(shown) > room:
            table.caption = f"{len(shown) - room} more not shown"
        for name, row in shown[:room]:
            elapsed = "" if row.started is None else f"{(row.ended or now) - row.started:5.1f}s"
            outcome = f"[{STYLE.get(row.outcome, '')}]{row.outcome}[/]" if row.outcome else ""
            table.add_row(name, row.step, elapsed, outcome, Text(row.reason))
        return table


def _clock(seconds: float) -> str:
    """`1:05` or `1:02:05`: a terminal's clock for elapsed and remaining time."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
