"""One boot of a simulated phone: cancellation, waiting in device seconds, and the phone as the
boot may touch it (`phone_provision.BootSteps`).

A power cut or a newer boot cancels the run; every step of the old boot then raises `Cancelled`
at its next check, so a thread never changes a phone that has moved on.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from rig import trust
from rig.sim.clock import SimClock


class Cancelled(Exception):
    """The boot this thread runs was overtaken by power_off (or a newer boot)."""


class RunHost(Protocol):
    """The phone a run belongs to."""

    clock: SimClock

    @property
    def held_itl(self) -> trust.TrustFile | None: ...

    def boot_say(self, run: BootRun, text: str) -> None: ...

    def boot_status(self, run: BootRun, message: str) -> None: ...

    def boot_update(self, run: BootRun, **changes: object) -> object: ...


class BootRun:
    """One boot of the phone; power_off cancels it."""

    def __init__(self, phone: RunHost) -> None:
        self.cancelled = threading.Event()
        self.started = time.monotonic()
        self._phone = phone

    @property
    def itl(self) -> trust.TrustFile | None:
        return self._phone.held_itl

    def check(self) -> None:
        if self.cancelled.is_set():
            raise Cancelled

    def wait(self, device_seconds: float) -> None:
        if device_seconds > 0 and not self._phone.clock.sleep(device_seconds, stop=self.cancelled):
            raise Cancelled

    def say(self, text: str) -> None:
        self._phone.boot_say(self, text)

    def status(self, message: str) -> None:
        self._phone.boot_status(self, message)

    def update(self, **changes: object) -> None:
        self._phone.boot_update(self, **changes)
