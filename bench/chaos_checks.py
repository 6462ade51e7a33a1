"""The invariants the chaos harness (bench/chaos.py) asserts after every run.

Each is read from the simulator's own record (what each switch heard and did, with times, and
what was plugged in where: rig.sim.switch_history) and from the run's files on disk, never from
what rig says about itself:

- `port_left_off`: a port that received `power inline never` ends the run still off;
- `unproven`: a `power inline never` reached a port whose last MAC address table read before it
  did not show the configured phone there, was more than FRESH_S seconds old, or was followed by
  rig talking to that phone (a web request, a key) - a proof is taken just before the command,
  not before the work that precedes it (a time scale shrinks that work to milliseconds, so
  freshness is judged by what happened in between, not only by the clock);
- `wrong_phone`: a `power inline never` reached a port while another device than the configured
  phone was plugged into it (cables moved), except `race`: the cable moved after a fresh proof,
  between rig's read and its command, which no controller can see (reported, not a violation);
- `uplink_touched`: a power command reached a port that is a trunk to another switch (a phone
  configured on an uplink: `simulation.misconfig.uplink`);
- `unconfigured_port`: a power command reached a port no phone of the config is on (a
  neighbour's desk, an uplink nobody configured);
- `journal_unreadable`, `report_malformed`, `reports_missing`: the journal does not parse; a
  results.json or junit.xml is not well-formed; an erase run that made a run directory and exited
  (any way but SIGKILL) left no results.json or junit.xml;
- `traceback`: rig printed a Python traceback (every failure must be one line);
- `hang`: rig did not exit within the harness's limit.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from rig.record.journal import JOURNAL_NAME, read_events
from rig.sim.ios_ports import split_interface
from rig.sim.switch_history import Heard, PortEvent

FRESH_S = 3.0
"""Real seconds within which a port must have been proven before `power inline never`: a few
seconds on hardware-speed exchanges, generous beside the harness's 0.5 s slow answers."""


@dataclass(frozen=True)
class Violation:
    kind: str
    detail: str


def _covers(line: str, port: str) -> bool:
    """Whether `show mac address-table [interface IF]` (any abbreviation) reads `port`."""
    words = line.lower().split()
    if len(words) < 2 or not "show".startswith(words[0]) or not words[1].startswith("mac"):
        return False
    if len(words) < 4 or not "interface".startswith(words[-2]):
        return len(words) <= 3  # the whole table (`show mac address-table`, or `sh mac add`)
    return split_interface(words[-1]) == split_interface(port)


def switch_violations(switch: str, heard: list[Heard], events: list[PortEvent], phones_by_port: dict[str, str],
                      phone_exchanges: dict[str, list[float]], uplinks: frozenset[str] = frozenset()) -> list[Violation]:
    """The power invariants of one switch. `phones_by_port`: its configured port -> phone;
    `phone_exchanges`: phone -> times rig sent it a web request or a key-board line; `uplinks`:
    its ports that are trunks to another switch."""
    found: list[Violation] = []
    configured = {split_interface(p): name for p, name in phones_by_port.items()}
    trunks = {split_interface(p) for p in uplinks}
    last: dict[str, PortEvent] = {}
    for i, event in enumerate(events):
        if event.what == "plugged":
            continue
        last[event.port] = event
        phone = configured.get(split_interface(event.port))
        where = f"{switch} {event.port}"
        if split_interface(event.port) in trunks:
            found.append(Violation("uplink_touched", f"power inline {event.what} on the uplink {where}"))
        if phone is None:
            found.append(Violation("unconfigured_port", f"power inline {event.what} on {where}"))
            continue
        if event.what != "never":
            continue
        reads = [h for h in heard if h.at <= event.at and _covers(h.line, event.port)]
        read = reads[-1] if reads else None
        stale = _stale(read, event, phone, phone_exchanges.get(phone, []))
        if stale:
            found.append(Violation("unproven", f"{where} turned off for {phone}: {stale}"))
        if event.device != phone:
            moved = max((e.at for e in events[:i] if e.what == "plugged" and e.port == event.port), default=None)
            kind = "race" if not stale and read is not None and moved is not None and moved > read.at else "wrong_phone"
            found.append(Violation(kind, f"{where} turned off with {event.device} on it, not {phone}"))
    for port, event in sorted(last.items()):
        if event.what == "never":
            found.append(Violation("port_left_off", f"{switch} {port} is still off after the run"))
    return found


def _stale(read: Heard | None, event: PortEvent, phone: str, exchanges: list[float]) -> str | None:
    """Why the last MAC table read of the port before `event` is no proof of `phone`, or None."""
    if read is None:
        return "the switch never showed its MAC address table for the port before"
    if read.visible.get(event.port) != phone:
        return f"the last MAC table read showed {read.visible.get(event.port) or 'nothing'} there"
    if event.at - read.at > FRESH_S:
        return f"the last MAC table read was {event.at - read.at:.1f} s before"
    since = sum(1 for at in exchanges if read.at < at < event.at)
    if since:
        return f"rig talked to {phone} {since} times after the last MAC table read (its keys, its web pages)"
    return None


def file_violations(run_dir: Path | None, *, expect_reports: bool) -> list[Violation]:
    """The journal and the reports of the run directory (None: the run made none)."""
    if run_dir is None:
        return []
    found: list[Violation] = []
    journal = run_dir / JOURNAL_NAME
    if journal.exists():
        try:
            read_events(journal)
        except Exception as error:  # any failure to read the journal is the violation
            found.append(Violation("journal_unreadable", f"{type(error).__name__}: {error}"))
    for name, parse in (("results.json", _results), ("junit.xml", ET.parse)):
        path = run_dir / name
        if not path.exists():
            if expect_reports:
                found.append(Violation("reports_missing", f"no {name}"))
            continue
        try:
            parse(path)
        except Exception as error:  # a report that does not parse, whatever the parser says
            found.append(Violation("report_malformed", f"{name}: {type(error).__name__}: {error}"))
    return found


def _results(path: Path) -> None:
    results = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(results.get("phones"), list):
        raise ValueError("no phones list")


def output_violations(stderr: str, *, hung: bool) -> list[Violation]:
    found = []
    if "Traceback (most recent call last)" in stderr:
        tail = [line for line in stderr.strip().splitlines() if line.strip()][-1:]
        found.append(Violation("traceback", tail[0] if tail else ""))
    if hung:
        found.append(Violation("hang", "rig did not exit"))
    return found
