"""A phone's timeline in report.html: its steps as bars under a time axis of their own, its TFTP
fetches as ticks and its power draw as a line. The geometry is computed here, so the page's code
only places shapes (rig.report.phone_html).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rig.record.events import PhoneEvent, StepDone, TftpFetch
from rig.record.journal import parse_iso
from rig.record.steps import BASELINE, step_label
from rig.report.fleet import Tick, axis_ticks, step_colour

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


def _draw_points(steps: list[StepDone], times: list[tuple[datetime, datetime]]) -> list[tuple[datetime, float]]:
    """(time, watts) samples from the evidence of baseline, restart and recover steps (`times`:
    each step's start and end)."""
    points: list[tuple[datetime, float]] = []

    def watts(reading: Any) -> float | None:
        """The reading's watts; evidence is free-form, so anything else counts as no reading."""
        if not isinstance(reading, dict):
            return None
        value = reading.get("meter_watts", reading.get("poe_watts"))
        return float(value) if isinstance(value, (int, float)) else None

    for step, (started, ended) in zip(steps, times):
        data = step.data
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
    times = [(parse_iso(s.started), parse_iso(s.ended)) for s in steps]  # each parsed once
    fetched = [parse_iso(f.at) for f in fetches]
    start = times[0][0]
    end = max([ended for _, ended in times] + fetched)
    tl = Timeline(start, (end - start).total_seconds())
    tl.ticks_axis = [Tick(LEFT + t.x, t.label) for t in axis_ticks(tl.seconds, WIDTH - LEFT - 10)]
    for row, (step, (began, ended)) in enumerate(zip(steps, times)):
        x0, x1 = tl.x(began), tl.x(ended)
        tl.bars.append({"y": AXIS + 8 + row * 16, "x": x0, "w": max(2.0, x1 - x0),
                        "name": step_label(step.name, step.attempt), "ok": step.ok, "detail": step.detail,
                        "colour": step_colour(step.name)})
    base = AXIS + 16 + len(steps) * 16
    tl.height = base + 60
    for fetch, at in zip(fetches, fetched):
        tl.ticks.append({"x": tl.x(at), "y": base, "file": fetch.file,
                         "bytes": fetch.bytes, "ok": fetch.ok, "expected": fetch.expected})
    points = _draw_points(steps, times)
    if points:
        tl.max_watts = max(w for _, w in points) or 1.0
        top, bottom = base + 18, base + 54
        tl.draw = " ".join(
            f"{tl.x(t):.1f},{bottom - (bottom - top) * w / tl.max_watts:.1f}" for t, w in points
        )
    return tl
