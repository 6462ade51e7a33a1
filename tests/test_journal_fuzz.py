"""Whatever a journal holds, `rig report` and `--resume` end with their result or one RigError
line (exit 2), never a traceback: arbitrary bytes, arbitrary JSON, and well-formed events with
fields missing, mistyped or out of range (issue 12)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rig.errors import RigError
from rig.record.events import KINDS
from rig.jobs.rundir import read_state
from rig.report import render

AT = "2026-11-25T09:00:01.000Z"
PHONE = {"name": "desk-01", "mac": "001D705F0001", "switch": "sw1", "port": "Gi1/0/1"}
STARTED = {"event": "run_started", "at": AT, "run_id": "r", "procedure": "erase", "bench": "b", "phones": [PHONE]}

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12),
                    st.sampled_from([AT, "2026-11-25T09:00:01", "yesterday", "desk-01", "passed", "off", "intent"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
FIELDS = sorted({"at", "phone", "name", "started", "ended", "ok", "detail", "data", "file", "bytes", "error",
                 "outcome", "reason", "symptoms", "switch", "port", "mac", "action", "phase", "slot", "outcomes",
                 "run_id", "procedure", "bench", "phones", "redo", "load_before", "itl_signer"})
events = st.builds(lambda kind, fields: {"event": kind, **fields}, st.sampled_from(sorted(KINDS) + ["other"]),
                   st.dictionaries(st.sampled_from(FIELDS), values, max_size=8))
VALID = [
    STARTED,
    {"event": "phone_started", "at": AT, "phone": "desk-01"},
    {"event": "step", "at": AT, "phone": "desk-01", "name": "restart", "started": AT, "ended": AT, "ok": True,
     "detail": "", "data": {"draw_before": {"poe_watts": 6.3}, "power_on_at": AT, "draw_after": {"meter_watts": 5}}},
    {"event": "tftp", "at": AT, "phone": "desk-01", "file": "ITLSEP001D705F0001.tlv", "bytes": 10, "ok": True},
    {"event": "power", "at": AT, "phone": "desk-01", "switch": "sw1", "port": "Gi1/0/1", "mac": "001D705F0001",
     "action": "off", "phase": "intent"},
    {"event": "phone_done", "at": AT, "phone": "desk-01", "outcome": "failed", "reason": "r", "symptoms": ["x"]},
    {"event": "slot_unhealthy", "at": AT, "slot": "switch sw1", "reason": "r"},
    {"event": "run_interrupted", "at": AT, "outcomes": {"desk-01": "failed"}},
]


@st.composite
def mutated(draw: st.DrawFn) -> dict:
    """A valid event with one field dropped or set to anything: the close misses real files hold."""
    event = dict(draw(st.sampled_from(VALID)))
    key = draw(st.sampled_from(sorted(event)))
    if draw(st.booleans()):
        del event[key]
    else:
        event[key] = draw(values)
    return event


lines = st.one_of(events.map(json.dumps), mutated().map(json.dumps), st.sampled_from(VALID).map(json.dumps),
                  values.map(json.dumps), st.text(max_size=40))


def _survives(content: bytes) -> None:
    run = Path(tempfile.mkdtemp(prefix="rig-fuzz-"))
    try:
        (run / "journal.jsonl").write_bytes(content)
        try:
            read_state(run)
            render(run)
        except RigError as error:
            assert "\n" not in str(error)
    finally:
        shutil.rmtree(run)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines, max_size=6))
def test_any_lines_after_a_valid_start_render_or_are_one_error(body: list[str]) -> None:
    _survives(("\n".join([json.dumps(STARTED), *body]) + "\n").encode("utf-8", "surrogatepass"))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_are_a_journal_or_one_error(content: bytes) -> None:
    _survives(content)
