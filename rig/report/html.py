"""report.html: one self-contained page (inline CSS, SVG and a few lines of script, no external assets).

On top, the outcome counts and the fleet chart (rig.report.fleet): every phone one thin row on
the run's time axis, failures first, with a filter box (phone, outcome, reason, model). Each
row opens onto that phone's detail: its steps as bars in the fleet chart's colours (a failed one
outlined red) under a time axis of their own, its TFTP fetches as ticks (an expected miss, such as
no CTL on a non-secure cluster, grey), its power draw as a line, the reason, the evidence and the
files it fetched (kept under files/<phone>/). Above the chart, the reasons panel: each distinct
reason of the phones that did not pass, with its count. The geometry is computed here so the
template only places shapes.
"""

from __future__ import annotations

from importlib import resources
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from rig.record.events import Event, PhoneEvent, StepDone, TftpFetch
from rig.record.journal import FILES_DIR, parse_iso
from rig.record.steps import BASELINE, step_label
from rig.report.fleet import (
    CHART_WIDTH, FAILED_COLOUR, STEP_COLOURS, Tick, axis_ticks, fleet_rows, reason_counts, reason_group, run_span,
    step_colour,
)
from rig.report.model import RunResults
from rig.report.results import last_attempts

TEMPLATE = "report.html.j2"
WIDTH = 900.0
LEFT = 130.0
AXIS = 20.0
"""Height of the time axis row above a phone's bars (its labels have a row of their own)."""


@dataclass
class Timeline:
    start: datetime
    seconds: float
    bars: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)
    draw: str = ""
    max_watts: float = 0.0
    height: float = 0.0
    ticks_axis: list[Tick] = field(default_factory=list)

    def x(self, moment: datetime) -> float:
        span = self.seconds or 1.0
        return LEFT + (WIDTH - LEFT - 10) * max(0.0, (moment - self.start).total_seconds()) / span


def _draw_points(steps: list[StepDone]) -> list[tuple[datetime, float]]:
    """(time, watts) samples from the evidence of baseline, restart and recover steps."""
    points: list[tuple[datetime, float]] = []

    def watts(reading: Any) -> float | None:
        """The reading's watts; evidence is free-form, so anything else counts as no reading."""
        if not isinstance(reading, dict):
            return None
        value = reading.get("meter_watts", reading.get("poe_watts"))
        return float(value) if isinstance(value, (int, float)) else None

    for step in steps:
        data = step.data
        started, ended = parse_iso(step.started), parse_iso(step.ended)
        if step.name == BASELINE.name and watts(data) is not None:
            points.append((started, watts(data) or 0.0))
        for key, moment in (("draw_before", started), ("draw_off", None), ("draw_after", ended)):
            value = watts(data.get(key))
            if value is None:
                continue
            if moment is None:
                moment = _time(data.get("power_on_at")) or started
            points.append((moment, value))
    return sorted(points)


def _time(value: Any) -> datetime | None:
    """A time out of a step's free-form evidence, or None when it holds none readable."""
    try:
        return parse_iso(value) if isinstance(value, str) else None
    except ValueError:
        return None


def timeline(events: list[PhoneEvent]) -> Timeline | None:
    steps = [e for e in events if isinstance(e, StepDone)]
    fetches = [e for e in events if isinstance(e, TftpFetch)]
    if not steps:
        return None
    start = parse_iso(steps[0].started)
    end = max([parse_iso(s.ended) for s in steps] + [parse_iso(f.at) for f in fetches])
    tl = Timeline(start, (end - start).total_seconds())
    tl.ticks_axis = [Tick(LEFT + t.x, t.label) for t in axis_ticks(tl.seconds, WIDTH - LEFT - 10)]
    for row, step in enumerate(steps):
        x0, x1 = tl.x(parse_iso(step.started)), tl.x(parse_iso(step.ended))
        tl.bars.append({"y": AXIS + 8 + row * 16, "x": x0, "w": max(2.0, x1 - x0),
                        "name": step_label(step.name, step.attempt), "ok": step.ok, "detail": step.detail,
                        "colour": step_colour(step.name)})
    base = AXIS + 16 + len(steps) * 16
    tl.height = base + 60
    for fetch in fetches:
        tl.ticks.append({"x": tl.x(parse_iso(fetch.at)), "y": base, "file": fetch.file,
                         "bytes": fetch.bytes, "ok": fetch.ok, "expected": fetch.expected})
    points = _draw_points(steps)
    if points:
        tl.max_watts = max(w for _, w in points) or 1.0
        top, bottom = base + 18, base + 54
        tl.draw = " ".join(
            f"{tl.x(t):.1f},{bottom - (bottom - top) * w / tl.max_watts:.1f}" for t, w in points
        )
    return tl


def render_html(results: RunResults, events: list[Event], run_dir: Path) -> str:
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(resources.files("rig.report").joinpath(TEMPLATE).read_text("utf-8"))
    phones = []
    attempts = last_attempts(events)
    span = run_span(attempts)
    rows = {r.name: r for r in fleet_rows(results.phones, attempts, *span)} if span else {}
    for phone in results.phones:
        mine = attempts.get(phone.name, [])
        console = run_dir / "console" / f"{phone.name}.log"
        kept = run_dir / FILES_DIR / phone.name
        phones.append({
            **vars(phone),
            "timeline": timeline(mine),
            "console": f"console/{phone.name}.log" if console.exists() else None,
            "files": sorted(f.name for f in kept.iterdir()) if kept.is_dir() else [],
            "fetches": [e for e in mine if isinstance(e, TftpFetch)],
            "reason_group": reason_group(phone.reason or phone.outcome) if not phone.passed else "",
            "row": rows.get(phone.name),
        })
    order = {name: i for i, name in enumerate(rows)}  # failures first (fleet_rows' order)
    phones.sort(key=lambda p: order.get(p["name"], len(order)))
    return template.render(
        results=results, phones=phones, width=WIDTH, left=LEFT, chart_width=CHART_WIDTH,
        axis=axis_ticks(span[1]) if span else [], colours=STEP_COLOURS, failed_colour=FAILED_COLOUR,
        reasons=reason_counts(results.phones),
    )
