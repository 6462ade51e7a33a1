"""The journal keeps every finished event on disk, even across a crash."""

from __future__ import annotations

import json

from rig.journal import Journal, iso, parse_iso, read_events, utc_now


def test_each_event_is_on_disk_as_one_json_line_when_append_returns(tmp_path):
    path = tmp_path / "run" / "journal.jsonl"
    journal = Journal(path)
    journal.append("run_started", procedure="erase", phones=["desk-01"])
    lines = path.read_text().splitlines()  # read while the journal is still open
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["event"] == "run_started" and event["phones"] == ["desk-01"]
    assert event["at"].endswith("Z")
    journal.close()


def test_reading_skips_a_last_line_cut_short_by_a_crash(tmp_path):
    path = tmp_path / "journal.jsonl"
    with Journal(path) as journal:
        journal.append("step", phone="desk-01", name="identify", ok=True)
    with open(path, "a") as f:
        f.write('{"event": "step", "phone": "desk-0')
    assert [e["name"] for e in read_events(path)] == ["identify"]


def test_appending_after_a_crash_starts_on_a_fresh_line(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text('{"event":"run_started"}\n{"event":"st')
    with Journal(path) as journal:
        journal.append("run_resumed")
    assert [e["event"] for e in read_events(path)] == ["run_started", "run_resumed"]


def test_observers_see_each_event_after_it_is_written(tmp_path):
    seen = []
    with Journal(tmp_path / "j.jsonl", on_event=seen.append) as journal:
        journal.append("phone_done", phone="desk-01", outcome="passed")
    assert seen[0]["outcome"] == "passed"


def test_times_are_iso_8601_utc_and_round_trip():
    now = utc_now()
    text = iso(now)
    assert text.endswith("Z") and abs((parse_iso(text) - now).total_seconds()) < 0.001
