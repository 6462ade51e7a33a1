"""The run journal: `runs/<run-id>/journal.jsonl`, the one record every report is built from.

Append-only, one JSON event per line (the typed events of rig.record.events), flushed and fsynced as
each event is written: a run killed at any moment leaves every finished step on disk, and at
worst one half-written last line, which `read_events` drops. Reports and `--resume` read only
this file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

from rig.record.events import Event, EventError, PowerAction, RouteChange

JOURNAL_NAME = "journal.jsonl"
FILES_DIR = "files"
"""Where a run directory keeps what each phone fetched: `files/<phone>/<file>` (rig.procedures.kept_files)."""

E = TypeVar("E", bound=Event)


class JournalError(EventError):
    """A journal line that is not a readable event: names the file, the line and the field."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds: `2026-11-25T09:00:01.123Z`."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Journal:
    """Appends events to one run's journal; safe to share between phone threads."""

    def __init__(self, path: Path, *, on_event: Callable[[Event], None] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._written = 0
        """Batches written and flushed so far (counted under `_lock`)."""
        self._synced = 0
        """Batches an fsync has made durable (updated under `_sync_lock`)."""
        self._on_event = on_event
        self._file = open(self.path, "a", encoding="utf-8")
        self._fd = self._file.fileno()
        if self._file.tell() and not self._ends_with_newline():
            self._file.write("\n")  # a crash cut the last line: start clean after it

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            return f.read(1) == b"\n"

    def write(self, event: E) -> E:
        """Write one event (stamped with `at` unless it has one) and make it durable before returning."""
        return self.write_all([event])[0]

    def write_all(self, events: list[E]) -> list[E]:
        """Write several events with one flush and one fsync (a phone's TFTP fetches seen in one
        look: one disk flush each was most of the journal's cost at 240 phones); none, no flush."""
        if not events:
            return []
        stamped = [event if event.at else dataclasses.replace(event, at=iso(utc_now())) for event in events]
        text = "".join(json.dumps(e.to_json(), default=str, separators=(",", ":")) + "\n" for e in stamped)
        with self._lock:
            self._file.write(text)
            self._file.flush()
            self._written += 1
            mine = self._written
        self._sync(mine)
        if self._on_event is not None:
            for event in stamped:
                self._on_event(event)
        return stamped

    def _sync(self, mine: int) -> None:
        """Make batch `mine` durable: group commit. One fsync at a time, each covering every
        batch flushed before it began, so a writer that waited for another's fsync may find its
        own batch already on disk. Before returning, every batch has had an fsync that started
        after it was flushed (write-ahead holds); with hundreds of phone threads journaling,
        most fsyncs cover several batches, where one fsync each cost a system call per event."""
        with self._sync_lock:
            if self._synced >= mine:
                return
            covered = self._written  # every batch counted here was flushed before this fsync
            os.fsync(self._fd)
            self._synced = covered

    def append(self, kind: str, **fields: Any) -> Event:
        """`write` of the event of this kind with these JSON fields (checked like a read one)."""
        return self.write(Event.from_json({"event": kind, "at": iso(utc_now()), **fields}))

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_events(path: Path) -> list[Event]:
    """Every complete event in the journal, typed.

    A line cut short by a crash is skipped, not fatal (after a resume it may sit mid-file); an
    unknown kind is kept as UnknownEvent. A complete line that is not a readable event raises
    JournalError naming the file, the line number and the field.
    """
    events: list[Event] = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                continue
            try:
                if not isinstance(data, dict):
                    raise EventError("not a journal event (not a JSON object)")
                events.append(Event.from_json(data))
            except EventError as error:
                raise JournalError(f"{path} line {number}: {error}") from None
    return events


@dataclass(frozen=True)
class PortClaimed:
    """A phone on a port as a journal names it (enough to identify it and switch its port)."""

    name: str
    mac: str
    switch: str
    port: str

    def describe(self) -> str:
        return f"{self.name} ({self.switch} {self.port})"


def ports_left_off(events: Iterable[Event], bench: str | None,
                   switches: Iterable[str] | None = None) -> list[PortClaimed]:
    """Ports of `bench` (any bench: None) on `switches` (any: None) whose last power event is an
    `off` (intent or done) and not an `on` done: what the journal proves rig turned off and never
    saw on again.

    An `on` intent without its `done` does not count as on: the switch may never have heard it.
    """
    known = None if switches is None else set(switches)
    last: dict[tuple[str | None, str, str], PortClaimed | None] = {}
    for event in events:
        if not isinstance(event, PowerAction):
            continue
        if (bench is not None and (event.bench or bench) != bench) or (known is not None and event.switch not in known):
            continue
        key = (event.bench, event.switch, event.port)
        if event.action == "off":
            last[key] = PortClaimed(event.phone, event.mac, event.switch, event.port)
        elif event.phase == "done":
            last[key] = None
    return [claim for claim in last.values() if claim is not None]


def routes_of(events: Iterable[Event], phones: Iterable[str]) -> dict[str, RouteChange]:
    """Each of `phones`' last route (intent or done: a route the tap may have heard), by phone."""
    wanted = set(phones)
    return {e.phone: e for e in events if isinstance(e, RouteChange) and e.phone in wanted}


def powered_on_since(events: Iterable[Event], phones: Iterable[str], since: datetime) -> list[str]:
    """Those of `phones` whose port the run last turned on at `since` or later: booting still,
    if `since` is a boot's length ago (a run stopped right after a power cycle)."""
    wanted, last = set(phones), {}
    for e in events:
        if isinstance(e, PowerAction) and e.phone in wanted and e.phase == "done":
            last[e.phone] = e
    return [name for name, e in last.items() if e.action == "on" and e.at and parse_iso(e.at) >= since]
