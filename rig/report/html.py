"""report.html: one self-contained page (inline CSS, SVG and a few lines of script, no external assets).

On top, the outcome counts and the fleet chart (rig.report.fleet): every phone one thin row on
the run's time axis, failures first, with a filter box (phone, outcome, reason, model). Each
row opens onto that phone's detail (rig.report.phone_html): its steps as bars in the fleet
chart's colours (a failed one outlined red) under a time axis of their own, its TFTP fetches as
ticks (an expected miss, such as no CTL on a non-secure cluster, grey), its power draw as a line
(rig.report.timeline), the reason, the evidence and the files it fetched (kept under
files/<phone>/), and the screens an erase took after each key as a strip of thumbnails
(screens/<phone>/, rig.report.screens). Above the chart, the reasons panel: each distinct reason
of the phones that did not pass, with its count. The page's frame is a template; the part that
repeats per phone is written by rig.report.phone_html.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import jinja2
import markupsafe

from rig.record.events import Event, TftpFetch
from rig.record.journal import FILES_DIR
from rig.report.fleet import (
    CHART_WIDTH, FAILED_COLOUR, STEP_COLOURS, axis_ticks, fleet_rows, reason_counts, reason_group, run_span,
)
from rig.report.model import RunResults
from rig.report.phone_html import PhoneView, phone_section
from rig.report.results import last_attempts
from rig.report.screens import screen_strips
from rig.report.timeline import timeline

TEMPLATE = "report.html.j2"


def _names(folder: Path) -> list[str]:
    """The sorted names in `folder`; none when it is not there."""
    try:
        return sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []


def render_html(results: RunResults, events: list[Event], run_dir: Path) -> str:
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(resources.files("rig.report").joinpath(TEMPLATE).read_text("utf-8"))
    attempts = last_attempts(events)
    span = run_span(attempts)
    rows = {r.name: r for r in fleet_rows(results.phones, attempts, *span)} if span else {}
    views = []
    for phone in results.phones:
        mine = attempts.get(phone.name, [])
        console = f"console/{phone.name}.log"
        views.append(PhoneView(
            phone=phone, row=rows.get(phone.name), timeline=timeline(mine),
            fetches=[e for e in mine if isinstance(e, TftpFetch)],
            files=_names(run_dir / FILES_DIR / phone.name),
            screens=screen_strips(mine),
            console=console if os.path.exists(os.path.join(run_dir, console)) else None,
            reason_group=reason_group(phone.reason or phone.outcome) if not phone.passed else "",
        ))
    order = {name: i for i, name in enumerate(rows)}  # failures first (fleet_rows' order)
    views.sort(key=lambda v: order.get(v.phone.name, len(order)))
    return template.render(
        results=results, phone_count=len(views), fleet=markupsafe.Markup("".join(map(phone_section, views))),
        chart_width=CHART_WIDTH, axis=axis_ticks(span[1]) if span else [], colours=STEP_COLOURS,
        failed_colour=FAILED_COLOUR, reasons=reason_counts(results.phones),
    )
