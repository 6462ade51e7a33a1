"""The strip of screens per erase step in report.html: the phone's screen after each key, as the
step's data lists them (rig.procedures.key_screens keeps the images under screens/<phone>/)."""

from __future__ import annotations

from typing import Any

from rig.record.events import PhoneEvent, StepDone
from rig.record.steps import step_label


def screen_strips(events: list[PhoneEvent]) -> list[dict[str, Any]]:
    """Per step that took screenshots, in journal order: its name and each key's shot (`file`, a
    path relative to the run directory, or the `error` that replaced it)."""
    strips = []
    for event in events:
        shots = event.data.get("screenshots") if isinstance(event, StepDone) else None
        if not isinstance(shots, list) or not shots:
            continue
        strips.append({"step": step_label(event.name, event.attempt), "stopped": event.data.get("screenshots_stopped"), "shots": [
            {"key": str(s.get("key", "?")), "file": s.get("file"), "error": s.get("error")}
            for s in shots if isinstance(s, dict)]})
    return strips
