"""The journal keeps every finished event on disk, even across a crash, and reads back typed events:
what a real file can hold is tolerated, what no reader can use is one error naming file, line and field."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
import yaml

from rig.errors import RigError
from rig.record.events import (
    Event, ListedPhone, PartUnhealthy, PhoneDone, PowerAction, RouteChange, RunStarted, StepDone, TftpFetch, UnknownEvent,
)
from rig.record.journal import Journal, iso, parse_iso, powered_on_since, read_events, utc_now
from tests.waiting import wait_for

PHONE = ListedPhone("desk-01", "001D705F0001", "sw1", "Gi1/0/1")
STARTED = RunStarted(run_id="r1", procedure="erase", bench="b", phones=[PHONE])


def test_each_event_is_on_disk_as_one_json_line_when_write_returns(tmp_path):
    path = tmp_path / "run" / "journal.jsonl"
    journal = Journal(path)
    journal.write(STARTED)
    lines = path.read_text().splitlines()  # read while the journal is still open
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["event"] == "run_started" and event["phones"] == [
        {"name": "desk-01", "mac": "001D705F0001", "switch": "sw1", "port": "Gi1/0/1"}]
    assert event["at"].endswith("Z") and "bench" not in event["phones"][0]
    journal.close()


def test_events_written_together_share_one_disk_flush_and_each_gets_its_time(tmp_path, monkeypatch):
    import rig.record.journal
    flushes = []
    monkeypatch.setattr(rig.record.journal.os, "fsync", flushes.append)
    journal = Journal(tmp_path / "journal.jsonl")
    fetches = [TftpFetch(phone="desk-01", file=f"file{i}", bytes=i, ok=True) for i in range(3)]
    written = journal.write_all(fetches)
    journal.close()
    assert len(flushes) == 1
    assert [e.file for e in read_events(tmp_path / "journal.jsonl")] == ["file0", "file1", "file2"]
    assert all(e.at.endswith("Z") for e in written)
    assert Journal(tmp_path / "again.jsonl").write_all([]) == [] and len(flushes) == 1  # nothing: no flush


def test_writers_waiting_on_a_disk_flush_share_the_next_one_and_none_returns_before_its_line_is_flushed(
        tmp_path, monkeypatch):
    import rig.record.journal
    path = tmp_path / "journal.jsonl"
    on_disk_at_each_flush: list[int] = []
    first_flush_begun, disk_slow = threading.Event(), threading.Event()

    def slow_fsync(fd: int) -> None:
        on_disk_at_each_flush.append(len(path.read_text().splitlines()))
        if len(on_disk_at_each_flush) == 1:
            first_flush_begun.set()
            assert disk_slow.wait(5)

    monkeypatch.setattr(rig.record.journal.os, "fsync", slow_fsync)
    journal = Journal(path)
    first = threading.Thread(target=journal.write, args=(TftpFetch(phone="desk-01", file="a", bytes=1, ok=True),))
    first.start()
    assert first_flush_begun.wait(5)
    later = [threading.Thread(target=journal.write, args=(TftpFetch(phone=f"desk-0{n}", file="b", bytes=1, ok=True),))
             for n in (2, 3)]
    for writer in later:
        writer.start()
    wait_for(lambda: len(path.read_text().splitlines()) == 3, 5, "both later lines written, their writers waiting")
    assert all(writer.is_alive() for writer in later), "no writer returns before a flush covers its line"
    disk_slow.set()
    for writer in (first, *later):
        writer.join(5)
    journal.close()
    assert on_disk_at_each_flush == [1, 3], "one flush for the first line, one shared by the two that waited"


@pytest.mark.parametrize("event", [
    STARTED,
    StepDone(phone="desk-01", name="erase", started="2026-11-25T09:00:01.000Z", ended="2026-11-25T09:00:02.000Z",
             ok=False, detail="no answer", data={"keys": ["Settings"]}),
    TftpFetch(phone="desk-01", at="2026-11-25T09:00:03.000Z", file="ITLSEP001D705F0001.tlv", bytes=4000, ok=True),
    PowerAction(phone="desk-01", switch="sw1", port="Gi1/0/1", mac="001D705F0001", action="off", phase="intent"),
    PhoneDone(phone="east/desk-01", bench="east", outcome="error", reason="switch sw1: timeout", symptoms=["x"]),
    PartUnhealthy(part="switch sw1", reason="timeout"),
    RouteChange(phone="desk-01", ip="127.0.1.1", system="old", upstream="127.0.0.3:69", phase="intent"),
])
def test_every_kind_reads_back_as_the_event_written(tmp_path, event):
    path = tmp_path / "journal.jsonl"
    with Journal(path) as journal:
        written = journal.write(event)
    assert read_events(path) == [written]


def test_the_json_field_names_are_the_journal_format(tmp_path):
    path = tmp_path / "journal.jsonl"
    with Journal(path) as journal:
        journal.write(PartUnhealthy(part="switch sw1", reason="timeout"))
        journal.write(PhoneDone(phone="desk-01", outcome="passed"))
    unhealthy, done = (json.loads(line) for line in path.read_text().splitlines())
    assert (unhealthy["event"], unhealthy["slot"]) == ("slot_unhealthy", "switch sw1")
    assert set(done) == {"event", "at", "phone", "outcome", "reason", "load_before", "load_after", "itl_signer",
                         "symptoms"}


def test_reading_skips_a_line_cut_short_by_a_crash(tmp_path):
    path = tmp_path / "journal.jsonl"
    with Journal(path) as journal:
        journal.append("step", phone="desk-01", name="identify", started=iso(utc_now()), ended=iso(utc_now()),
                       ok=True)
    with open(path, "a") as f:
        f.write('{"event": "step", "phone": "desk-0')
    assert [e.name for e in read_events(path)] == ["identify"]


def test_appending_after_a_crash_starts_on_a_fresh_line(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text(json.dumps(STARTED.to_json() | {"at": iso(utc_now())}) + '\n{"event":"st')
    with Journal(path) as journal:
        journal.append("run_finished")
    assert [type(e).KIND for e in read_events(path)] == ["run_started", "run_finished"]


def test_an_unknown_kind_and_unknown_fields_are_kept_and_readers_can_skip_them(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text('{"event":"phone_rebooted","at":"2026-11-25T09:00:00.000Z","phone":"desk-01"}\n'
                    '{"event":"phone_done","at":"2026-11-25T09:00:01.000Z","phone":"desk-01","outcome":"passed",'
                    '"witness":"console"}\n')
    unknown, done = read_events(path)
    assert isinstance(unknown, UnknownEvent) and unknown.kind == "phone_rebooted"
    assert isinstance(done, PhoneDone) and done.reason is None and done.symptoms == []
    assert done.extra == {"witness": "console"} and done.to_json()["witness"] == "console"


@pytest.mark.parametrize("line, names", [
    ('{"event":"step","phone":"desk-01"}', "has no field"),                    # issue 12: AttributeError before
    ('{"event":"step","at":"2026-11-25T09:00:01Z","phone":"desk-01","started":"2026-11-25T09:00:01Z"}', "'name'"),
    ('{"event":"step","at":"2026-11-25T09:00:01","phone":"d","name":"n","started":"x","ended":"x","ok":true}',
     "time zone"),
    ('{"event":"phone_done","at":"2026-11-25T09:00:01Z","phone":"desk-01"}', "'outcome'"),  # KeyError before
    ('{"event":"phone_done","at":"2026-11-25T09:00:01Z","phone":"desk-01","outcome":"fine"}', "outcome"),
    ('{"event":"tftp","at":"yesterday","phone":"d","file":"f","bytes":1,"ok":true}', "'at'"),
    ('{"event":"tftp","at":"2026-11-25T09:00:01Z","phone":"d","file":"f","bytes":"1","ok":true}', "'bytes'"),
    ('[1, 2]', "not a JSON object"),
    ('{"no_event": 1}', "no \"event\""),
])
def test_a_complete_line_no_reader_can_use_is_one_error_naming_file_line_and_field(tmp_path, line, names):
    path = tmp_path / "journal.jsonl"
    path.write_text(json.dumps(STARTED.to_json() | {"at": iso(utc_now())}) + "\n" + line + "\n")
    with pytest.raises(RigError) as raised:
        read_events(path)
    message = str(raised.value)
    assert message.startswith(f"{path} line 2: ") and names in message and "\n" not in message


def test_report_and_resume_of_a_journal_with_a_bad_event_exit_2_with_one_line(tmp_path):
    run = tmp_path / "20261125-090000-erase"
    run.mkdir()
    (run / "journal.jsonl").write_text(json.dumps(STARTED.to_json() | {"at": iso(utc_now())}) + "\n"
                                       '{"event":"step","phone":"desk-01"}\n')
    config = tmp_path / "lab.yaml"
    config.write_text(yaml.safe_dump({
        "bench": "b", "switches": {"sw1": {"host": "127.0.0.1", "port": 1, "username": "u", "password": "p"}},
        "cucm": {"tftp": {"host": "127.0.0.1", "port": 69}, "expected_load": "X"},
        "phones": [{"name": "desk-01", "mac": "001D705F0001", "switch": "sw1", "port": "Gi1/0/1"}]}))
    for args in (["report", str(run)], ["erase", "--resume", str(run), "--config", str(config)]):
        done = subprocess.run([sys.executable, "-m", "rig", *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "line 2" in done.stderr and "Traceback" not in done.stderr


def test_observers_see_each_event_after_it_is_written(tmp_path):
    seen: list[Event] = []
    with Journal(tmp_path / "j.jsonl", on_event=seen.append) as journal:
        journal.write(PhoneDone(phone="desk-01", outcome="passed"))
    assert isinstance(seen[0], PhoneDone) and seen[0].outcome == "passed" and seen[0].at


def test_times_are_iso_8601_utc_and_round_trip():
    now = utc_now()
    text = iso(now)
    assert text.endswith("Z") and abs((parse_iso(text) - now).total_seconds()) < 0.001


def test_a_phone_whose_port_the_run_last_turned_on_lately_is_booting():
    """A resumed run waits for such a phone before pressing its keys (rig.jobs.service)."""
    now = utc_now()

    def power(phone: str, action: str, phase: str, seconds_ago: float) -> PowerAction:
        return PowerAction(phone=phone, switch="sw1", port="Gi1/0/1", mac="001D705F0001", action=action,
                           phase=phase, at=iso(now - timedelta(seconds=seconds_ago)))

    events = [
        power("fresh", "off", "done", 5), power("fresh", "on", "done", 2),
        power("long-ago", "on", "done", 60),
        power("left-off", "on", "done", 3), power("left-off", "off", "done", 1),
        power("on-asked", "off", "done", 3), power("on-asked", "on", "intent", 1),
        power("not-asked", "on", "done", 1),
    ]
    booting = powered_on_since(events, ["fresh", "long-ago", "left-off", "on-asked"], now - timedelta(seconds=10))
    assert booting == ["fresh"]
