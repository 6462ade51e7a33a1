"""Reports of a run, all rendered from its journal: results.json, junit.xml, report.html.

`render(run_dir)` writes the three files; `rig report RUN_DIR` calls it again at any time.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rig.record.journal import JOURNAL_NAME, read_events
from rig.report.html import render_html
from rig.report.junit import render_junit
from rig.report.model import RunResults
from rig.report.results import build_results


def results_text(results: RunResults) -> str:
    """results.json's text: one field a line, each phone one line of its own (a phone is found
    with grep). Written by json's C encoder, which json.dumps(indent=...) never uses: indented
    throughout, 1000 phones took 0.17 s more."""
    return "{\n" + ",\n".join(_field(key, value) for key, value in results.to_json().items()) + "\n}\n"


def _field(key: str, value: Any) -> str:
    if key == "phones" and value:
        rows = ",\n".join(f"    {json.dumps(phone)}" for phone in value)
        return f'  "phones": [\n{rows}\n  ]'
    return f"  {json.dumps(key)}: {json.dumps(value)}"


def write_results(results: RunResults, run_dir: Path) -> None:
    """results.json."""
    (run_dir / "results.json").write_text(results_text(results), encoding="utf-8")


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """The cyclic garbage collector off meanwhile (as it was after). Rendering builds hundreds of
    thousands of objects that live until it ends, and the collector went through them again and
    again: a fifth of the CPU of rendering 1000 phones. What it leaves is freed by reference
    counting; any cycle waits for the next collection after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render(run_dir: Path) -> RunResults:
    """Write results.json, junit.xml and report.html into `run_dir`; return the results."""
    with cycle_collection_paused():
        events = read_events(run_dir / JOURNAL_NAME)
        results = build_results(events)
        write_results(results, run_dir)
        (run_dir / "junit.xml").write_text(render_junit(results), encoding="utf-8")
        (run_dir / "report.html").write_text(render_html(results, events, run_dir), encoding="utf-8")
    return results
