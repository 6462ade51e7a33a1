"""Several SSH sessions to one switch, for benches with many phones per switch.

One session serializes every command: 48 phones on a switch each needing ~6 commands wait on
one another. IOS serves up to 16 vty lines, so `parallel.sessions_per_switch` sessions are
opened on demand, and each call borrows an idle one. With one session this is exactly the
driver's own behaviour.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from drivers.ios_parsers import CdpNeighbor, PoePort
from drivers.ios_switch import IosSwitch


class SwitchSessions:
    """The IosSwitch operations rig uses, spread over up to `size` sessions."""

    def __init__(self, name: str, factory: Callable[[], IosSwitch], size: int) -> None:
        self.name = name
        self._factory = factory
        self._size = size
        self._idle: queue.LifoQueue[IosSwitch] = queue.LifoQueue()
        self._all: list[IosSwitch] = []
        self._lock = threading.Lock()
        self._cdp: tuple[float, list[CdpNeighbor]] = (float("-inf"), [])

    @contextmanager
    def _session(self) -> Iterator[IosSwitch]:
        try:
            session = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                fresh = len(self._all) < self._size
                if fresh:
                    session = self._factory()
                    self._all.append(session)
            if not fresh:
                session = self._idle.get()
        try:
            yield session
        finally:
            self._idle.put(session)

    def power_off(self, port: str) -> None:
        with self._session() as sw:
            sw.power_off(port)

    def power_on(self, port: str) -> None:
        with self._session() as sw:
            sw.power_on(port)

    def power_cycle(self, port: str, off_seconds: float) -> None:
        with self._session() as sw:
            sw.power_cycle(port, off_seconds)

    def poe_status(self, port: str | None = None) -> list[PoePort]:
        with self._session() as sw:
            return sw.poe_status(port)

    def macs_on_port(self, port: str) -> list[str]:
        with self._session() as sw:
            return sw.macs_on_port(port)

    def cdp_neighbors(self) -> list[CdpNeighbor]:
        with self._session() as sw:
            neighbours = sw.cdp_neighbors()
        with self._lock:
            self._cdp = (time.monotonic(), neighbours)
        return neighbours

    def recent_cdp_neighbors(self, max_age: float) -> list[CdpNeighbor]:
        """The CDP table, read at most `max_age` seconds ago: for evidence (a phone's announced
        load), never for identifying a phone before its port is touched. A switch with dozens of
        phones otherwise parses its whole detail table once per phone and step."""
        with self._lock:
            read_at, neighbours = self._cdp
        if time.monotonic() - read_at <= max_age:
            return neighbours
        return self.cdp_neighbors()

    def close(self) -> None:
        """Log every session out at once: each logout waits for the switch's answer."""
        with self._lock:
            with ThreadPoolExecutor(max_workers=max(1, len(self._all))) as pool:
                list(pool.map(IosSwitch.close, self._all))
            self._all.clear()
