"""One phone's job: its config, the bench parts it uses, and what its steps have learned.

The runner builds a PhoneJob per phone; procedures read the parts they need from it and leave
their findings on it (load before, power-on time, fetches, ITL signer) for the later steps and
for the `phone_done` record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rig.config import LabConfig, PhoneConfig
from rig.journal import Journal
from rig.keyscript import KeyScript
from rig.procedures.steps import Interrupted, StepRecorder

if TYPE_CHECKING:
    from drivers.console import Console
    from drivers.phone_web import PhoneWeb
    from drivers.tftp_tap import TftpTap, TftpTransfer
    from rig.bench import Bench
    from rig.switch_pool import SwitchSessions

T = TypeVar("T")

POWER_SETTLE = 10.0
"""Longest wait (real seconds, capped by timeouts.boot) for PoE draw after power-on."""


@dataclass
class PhoneJob:
    phone: PhoneConfig
    bench: "Bench"
    journal: Journal
    steps: StepRecorder
    stop: threading.Event
    powerup: threading.Semaphore
    """This phone's switch's power-up budget (parallel.powerup_per_switch)."""
    run_dir: Path
    tap: "TftpTap | None" = None
    script: KeyScript | None = None
    erase_retries: int = 1

    console: "Console | None" = None
    load_before: str | None = None
    load_after: str | None = None
    itl_signer: str | None = None
    symptoms: list[str] = field(default_factory=list)
    power_on_at: datetime | None = None
    watch_from: datetime | None = None
    """Fetches from this moment on count: the erase start (a phone reboots on its own after an
    erase, and may fetch its new load before rig power-cycles it), else the power-on."""
    console_mark: int | None = None
    """Console line index at the erase (or the restart, for verify): later lines are 'after'."""
    fetches: list["TftpTransfer"] = field(default_factory=list)
    status_before_script: list[str] = field(default_factory=list)
    """Status messages shown before the keypad script (phones without console expect on these)."""

    @property
    def config(self) -> LabConfig:
        return self.bench.config

    @property
    def switch(self) -> "SwitchSessions":
        return self.bench.switch(self.phone.switch)

    @property
    def web(self) -> "PhoneWeb | None":
        return self.bench.web(self.phone)

    @property
    def console_log(self) -> Path:
        return self.run_dir / "console" / f"{self.phone.name}.log"

    def sleep(self, seconds: float) -> None:
        """Wait, but give up at once when the run is interrupted."""
        if self.stop.wait(seconds):
            raise Interrupted("run interrupted")

    def poll(self, probe: Callable[[], T | None], timeout: float, interval: float | None = None) -> T | None:
        """Call `probe` until it returns something other than None, or `timeout` passes."""
        step = interval if interval is not None else min(0.5, max(0.02, timeout / 50))
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value is not None:
                return value
            if time.monotonic() >= deadline:
                return None
            self.sleep(min(step, max(0.0, deadline - time.monotonic())))

    def draw(self) -> dict[str, Any]:
        """PoE draw on the phone's port (and the meter's reading, when the phone has one)."""
        ports = self.switch.poe_status(self.phone.port)
        reading: dict[str, Any] = {"poe_watts": ports[0].watts if ports else None}
        if ports:
            reading["poe_oper"] = ports[0].oper
        meter = self.bench.meter(self.phone)
        if meter is not None:
            instrument, channel = meter
            reading["meter_watts"] = instrument.measure_watts(channel)
        return reading
