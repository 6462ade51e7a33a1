"""Switch work shared by the phones of one switch: one read answers many, one session powers a wave.

Per phone, every identify, draw reading and power change used to be its own SSH exchange, so a
switch with 48 phones heard ~8 commands per phone. Here:

- `SharedRead`: a table (`show mac address-table`, `show power inline`, `show cdp neighbors
  detail`) is read once for every caller that asked while the previous read was running, and
  a read starts at least `spacing` seconds after the previous one (phones polling their draw
  share one read instead of each asking the switch). A caller only ever gets a read that
  *started after it asked*: the answer is as fresh as a read of its own would be, which is what
  identifying a phone before touching its port needs.
- `PowerWaves`: power changes asked for while a configuration session runs are sent together in
  the next one (`interface range`, rig.drivers.ios_ranges). Each caller still returns only after
  the switch took its port's change (a wave, too, starts `spacing` after the previous one, so
  changes asked for meanwhile join it), so the write-ahead journal (`intent` before, `done` after,
  per phone) stays true; a wave the switch refuses, or loses the session over, is retried port
  by port so one bad port (or a flaky session) fails alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from rig.drivers.ios_switch import SwitchCommandError, SwitchError

T = TypeVar("T")


class SharedRead(Generic[T]):
    """Single-flight reads: one running at a time, each shared by every caller that waited for it."""

    def __init__(self, read: Callable[[], T], spacing: float = 0.0) -> None:
        self._read = read
        self._pace = _Pace(spacing)
        self._cond = threading.Condition()
        self._started = 0
        self._finished = 0
        self._reading = False
        self._claimed_at = float("-inf")  # when the running read was claimed (it starts later)
        self._latest_at = float("-inf")  # when the latest finished read was claimed
        self._latest: T | BaseException | None = None

    def get(self, since: float | None = None) -> T:
        """A read that started after this call; with `since` (a `time.monotonic()` moment), any
        read that started after it, so callers polling one table share one read per period."""
        with self._cond:
            if since is not None and self._latest_at >= since and not isinstance(self._latest, BaseException):
                return self._unwrap(self._latest)
            reuse = since is not None and self._reading and self._claimed_at >= since
            wanted = self._started + (0 if reuse else 1)  # the running read, or one that starts after this call
            while self._finished < wanted:
                if not self._reading:
                    self._reading = True
                    self._started += 1
                    self._claimed_at = time.monotonic()
                    mine = self._started
                    break
                self._cond.wait()
            else:
                return self._unwrap(self._latest)
        outcome: T | BaseException
        try:
            self._pace.wait()  # callers arriving meanwhile wait for this read: it has not started
            outcome = self._read()
        except BaseException as error:  # noqa: BLE001 - handed to every caller of this read
            outcome = error
        with self._cond:
            self._finished, self._latest, self._reading = mine, outcome, False
            self._latest_at = self._claimed_at
            self._cond.notify_all()
        return self._unwrap(outcome)

    @staticmethod
    def _unwrap(outcome: object) -> T:
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome  # type: ignore[return-value]


def _retry_alone(error: SwitchError) -> bool:
    """Worth retrying port by port: the switch refused a line (one bad port fails alone), or it
    dropped the session twice (a long wave meets a flaky session more often than one port's few
    lines). Not a timeout or a refused login: those would only repeat for every port."""
    return type(error) in (SwitchCommandError, SwitchError)


class _Pace:
    """At least `spacing` seconds between the starts of two operations (only one runs at a time)."""

    def __init__(self, spacing: float) -> None:
        self.spacing = spacing
        self._last = float("-inf")

    def wait(self) -> None:
        delay = self._last + self.spacing - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._last = time.monotonic()


@dataclass
class _Change:
    port: str
    on: bool
    done: bool = False
    error: BaseException | None = None


SetPower = Callable[[list[str], list[str]], None]
"""`set_power(off_ports, on_ports)`: one configuration session."""


class PowerWaves:
    """Port power changes batched into one configuration session per wave."""

    def __init__(self, set_power: SetPower, spacing: float = 0.0) -> None:
        self._set_power = set_power
        self._pace = _Pace(spacing)
        self._cond = threading.Condition()
        self._pending: list[_Change] = []
        self._busy = False
        self.waves = 0

    @property
    def pending(self) -> int:
        """Changes waiting for the next wave."""
        with self._cond:
            return len(self._pending)

    def change(self, port: str, on: bool) -> None:
        """Returns once the switch took the change (raises what the switch raised for it)."""
        change = _Change(port, on)
        with self._cond:
            self._pending.append(change)
            while not change.done and self._busy:
                self._cond.wait()
            if change.done:
                return self._result(change)
            self._busy = True
        try:
            self._pace.wait()
            with self._cond:
                wave, self._pending = self._pending, []
            self._send(wave)
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()
        return self._result(change)

    def _send(self, wave: list[_Change]) -> None:
        self.waves += 1
        ports = [c.port for c in wave]
        try:
            if len(set(ports)) < len(ports):  # one port twice: keep the order, one by one
                raise SwitchCommandError("wave", "set_power", "one port twice")
            self._set_power([c.port for c in wave if not c.on], [c.port for c in wave if c.on])
        except (SwitchCommandError, SwitchError) as refused:
            if len(wave) == 1 or not _retry_alone(refused):
                for change in wave:
                    change.error = refused
            else:
                for change in wave:
                    self._one(change)
        except BaseException as error:  # noqa: BLE001 - every port of the wave shares the failure
            for change in wave:
                change.error = error
        for change in wave:
            change.done = True

    def _one(self, change: _Change) -> None:
        try:
            self._set_power([] if change.on else [change.port], [change.port] if change.on else [])
        except BaseException as error:  # noqa: BLE001 - this port's own failure
            change.error = error

    @staticmethod
    def _result(change: _Change) -> None:
        if change.error is not None:
            raise change.error

