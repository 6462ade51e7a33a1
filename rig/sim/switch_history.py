"""What a simulated switch heard and did, with times: the evidence a safety check reads.

rig's promise is never to power off a port whose phone it has not just proven on it. Whether it
kept it is a fact about the switch, not rig's opinion: what the switch was told when, what its
MAC address table showed on each port at that moment, and what was plugged in where when each
`power inline` took effect (cables move: `SwitchState.swap_cables`). Times are time.monotonic()
of the process hosting the switch.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Heard:
    """One command line the switch received."""

    at: float
    line: str
    visible: dict[str, str]
    """For a `show mac address-table` line: port (short name) -> name of the device whose MAC the
    address table showed on it at that moment; empty for other lines."""


@dataclass(frozen=True)
class PortEvent:
    """A port's power setting applied, or a cable plugged into it."""

    at: float
    port: str
    """Short name, e.g. Gi1/0/3."""
    what: Literal["never", "auto", "plugged"]
    device: str | None
    """The device on the port at that moment (None: nothing plugged in)."""


class SwitchHistory:
    """Append-only record shared by every session of one switch; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._heard: list[Heard] = []
        self._events: list[PortEvent] = []

    def heard(self, line: str, visible: dict[str, str]) -> None:
        with self._lock:
            self._heard.append(Heard(time.monotonic(), line, visible))

    def port_event(self, port: str, what: Literal["never", "auto", "plugged"], device: str | None) -> None:
        with self._lock:
            self._events.append(PortEvent(time.monotonic(), port, what, device))

    def lines(self) -> list[Heard]:
        with self._lock:
            return list(self._heard)

    def port_events(self) -> list[PortEvent]:
        with self._lock:
            return list(self._events)
