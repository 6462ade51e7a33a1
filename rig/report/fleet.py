"""The fleet view of report.html: every phone one thin row on the run's shared time axis.

Rows are coloured by step, phones that did not pass come first, and axis labels are spaced by a
"nice" tick step (1, 2 or 5 times a power of ten seconds, or whole minutes) chosen so that two
labels are never closer than `MIN_LABEL_GAP` pixels: a label is never drawn over another. The
geometry is computed here; the template only places shapes, so 240 phones stay a light page.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rig.record.events import PhoneEvent, StepDone
from rig.record.journal import parse_iso
from rig.record.steps import step_label, step_name
from rig.report.model import PhoneResult

CHART_WIDTH = 640.0
"""Pixels of the time axis (the bars of every row share it)."""
MIN_LABEL_GAP = 64.0
"""Least distance between two axis labels, in pixels (a label such as `10:30` is ~35 px wide)."""
STEP_COLOURS = {
    "identify": "#5b7fbf", "console": "#9aa5b1", "baseline": "#a0cbe8", "erase": "#8c6bb1",
    "factory_reset": "#c2a5cf", "restart_first": "#c7a27c", "restart": "#9c755f", "recover": "#d4b9a8",
    "observe": "#edc948", "verify": "#76b7b2", "route": "#b6992d", "rollback": "#499894", "move": "#86bcb6",
}
"""One colour per step family (legend under the chart; families as rig.record.steps declares them:
every `verify_*` check is a verify); a step of no listed family is grey. One colour language for the whole
page: red means failure only (a failed step is outlined in FAILED_COLOUR, an outcome badge is red only
for `failed`), green means passed only, so no step family is drawn in either."""
FAILED_COLOUR = "#b3261e"
OTHER_STEP = "#bab0ac"


def step_colour(name: str) -> str:
    """The colour of a journaled step's family (`verify_itl` -> verify)."""
    return STEP_COLOURS.get(step_name(name).family, OTHER_STEP)


ORDER = {"failed": 0, "error": 1, "skipped": 2, "passed": 3}
_MAC = re.compile(r"(SEP)?(?<![0-9A-Fa-f])[0-9A-Fa-f]{12}(?![0-9A-Fa-f])")
_NUMBER = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting desk-9 before desk-10 before desk-100 (numbers compared as numbers)."""
    return tuple((1, int(part)) if part.isdigit() else (0, part.lower()) for part in _NUMBER.split(name) if part)


def reason_group(reason: str) -> str:
    """A reason with the phone's own MAC (`SEP001D705F0005`, `001D705F0005`) written `<MAC>`, so
    the same failure on many phones is one group of the reasons panel."""
    return _MAC.sub(lambda m: ("SEP" if m.group(1) else "") + "<MAC>", reason)


def reason_counts(phones: Iterable[PhoneResult]) -> list[tuple[str, int]]:
    """Each distinct reason of the phones that did not pass and how many phones gave it, most first."""
    counts = Counter(reason_group(p.reason or p.outcome) for p in phones if not p.passed)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass
class FleetRow:
    name: str
    outcome: str
    reason: str
    model: str
    bars: list[dict[str, Any]] = field(default_factory=list)


def _label(seconds: float, step: float) -> str:
    if step >= 60:
        minutes = int(seconds // 60)
        return f"{minutes // 60}:{minutes % 60:02d}:00" if minutes >= 60 else f"{minutes} min"
    return f"{seconds:g} s" if step < 1 else f"{int(seconds)} s"


_TICK_STEPS = sorted([m * 10.0 ** e for e in range(-2, 4) for m in (1, 2, 5)]
                     + [60.0 * m for m in (1, 2, 5, 10, 15, 30, 60)])
"""The "nice" tick steps in seconds, smallest first (every phone's timeline has an axis)."""


def axis_ticks(seconds: float, width: float = CHART_WIDTH, min_gap: float = MIN_LABEL_GAP) -> list[Tick]:
    """Ticks from 0 to `seconds` no closer than `min_gap` pixels (so labels never overlap)."""
    span = max(seconds, 1e-3)
    most = max(1, int(width // min_gap))
    step = min((c for c in _TICK_STEPS if span / c <= most), default=span)
    ticks, n = [], 0
    while n * step <= span + 1e-9:
        ticks.append(Tick(round(width * n * step / span, 1), _label(n * step, step)))
        n += 1
    return ticks


def model_of(events: list[PhoneEvent]) -> str:
    """The model the switch announced for the phone (its CDP platform), or `?` when none did."""
    for event in events:
        if isinstance(event, StepDone) and isinstance(event.data.get("cdp_platform"), str):
            return str(event.data["cdp_platform"]).removeprefix("Cisco IP Phone ").strip() or "?"
    return "?"


def fleet_rows(phones: Iterable[PhoneResult], attempts: dict[str, list[PhoneEvent]],
               start: datetime, seconds: float) -> list[FleetRow]:
    """One row per phone, bars placed on the shared axis; failures first, then by name (natural order)."""
    span = seconds or 1.0
    rows = []
    for phone in phones:
        events = attempts.get(phone.name, [])
        row = FleetRow(phone.name, phone.outcome, phone.reason or "", model_of(events))
        for step in (e for e in events if isinstance(e, StepDone)):
            begin = (parse_iso(step.started) - start).total_seconds()
            end = (parse_iso(step.ended) - start).total_seconds()
            row.bars.append({"x": round(CHART_WIDTH * max(0.0, begin) / span, 1),
                             "w": round(max(1.0, CHART_WIDTH * (end - begin) / span), 1),
                             "colour": step_colour(step.name), "name": step_label(step.name, step.attempt),
                             "ok": step.ok, "detail": step.detail})
        rows.append(row)
    return sorted(rows, key=lambda r: (ORDER.get(r.outcome, 0), natural_key(r.name)))


def run_span(attempts: dict[str, list[PhoneEvent]]) -> tuple[datetime, float] | None:
    """The run's first step start and its length in seconds (None when no step was journaled)."""
    moments = [parse_iso(t) for events in attempts.values() for e in events if isinstance(e, StepDone)
               for t in (e.started, e.ended)]
    if not moments:
        return None
    return min(moments), (max(moments) - min(moments)).total_seconds()
