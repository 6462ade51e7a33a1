"""report.html: one self-contained page (inline CSS and SVG, no external assets).

Each phone gets a timeline: its steps as bars (green ok, red failed), its TFTP fetches as ticks,
and its power draw as a line, all on one time axis, with the reason and evidence below. The
geometry is computed here so the template only places shapes.
"""

from __future__ import annotations

from importlib import resources
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from rig.events import Event, PhoneEvent, StepDone, TftpFetch
from rig.journal import parse_iso
from rig.report.results import last_attempts

TEMPLATE = "report.html.j2"
WIDTH = 900.0
LEFT = 130.0


@dataclass
class Timeline:
    start: datetime
    seconds: float
    bars: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)
    draw: str = ""
    max_watts: float = 0.0
    height: float = 0.0

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
        if step.name == "baseline" and watts(data) is not None:
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
    for row, step in enumerate(steps):
        x0, x1 = tl.x(parse_iso(step.started)), tl.x(parse_iso(step.ended))
        tl.bars.append({"y": 8 + row * 16, "x": x0, "w": max(2.0, x1 - x0), "name": step.name,
                        "ok": step.ok, "detail": step.detail})
    tl.height = 16 + len(steps) * 16 + 60
    base = 16 + len(steps) * 16
    for fetch in fetches:
        tl.ticks.append({"x": tl.x(parse_iso(fetch.at)), "y": base, "file": fetch.file,
                         "bytes": fetch.bytes, "ok": fetch.ok})
    points = _draw_points(steps)
    if points:
        tl.max_watts = max(w for _, w in points) or 1.0
        top, bottom = base + 18, base + 54
        tl.draw = " ".join(
            f"{tl.x(t):.1f},{bottom - (bottom - top) * w / tl.max_watts:.1f}" for t, w in points
        )
    return tl


def render_html(results: dict[str, Any], events: list[Event], run_dir: Path) -> str:
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(resources.files("rig.report").joinpath(TEMPLATE).read_text("utf-8"))
    phones = []
    attempts = last_attempts(events)
    for phone in results["phones"]:
        mine = attempts.get(phone["name"], [])
        console = run_dir / "console" / f"{phone['name']}.log"
        phones.append({
            **phone,
            "timeline": timeline(mine),
            "console": f"console/{phone['name']}.log" if console.exists() else None,
        })
    return template.render(
        results=results, phones=phones, width=WIDTH, left=LEFT
    )
