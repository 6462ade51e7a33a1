"""One time scale for every simulated delay.

A real 7942 takes 60-90 s to boot; tests want well under a second. Every simulated delay is
written in *device seconds* and goes through a SimClock, so the protocol exchanges stay real and
only the waiting shrinks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class SimClock:
    scale: float = 1.0
    """Real seconds per device second (0.01 turns a 90 s boot into 0.9 s)."""

    def seconds(self, device_seconds: float) -> float:
        """Real seconds that `device_seconds` of device time take."""
        return device_seconds * self.scale

    def sleep(self, device_seconds: float, stop: threading.Event | None = None) -> bool:
        """Wait `device_seconds` of device time; return False early if `stop` is set."""
        real = self.seconds(device_seconds)
        if stop is None:
            threading.Event().wait(real)
            return True
        return not stop.wait(real)
