"""One phone's run: its config, its profile, the bench parts it uses, and how it waits.

The runner builds one PhoneContext per phone and hands it to `rig.procedures.run_phone`. It holds
no findings of its own (those are typed values in `found`, see findings.py); it offers the
waits every step needs (interruptible by Ctrl-C), the phone's draw, and the time scale of its
keypad scripts.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rig.drivers.power_meter import PowerMeterError
from rig.config.lab import LabConfig, PhoneConfig
from rig.record.journal import Journal
from rig.phone.keyscript import KeyScript
from rig.procedures.findings import Found
from rig.procedures.steps import Interrupted, StepRecorder
from rig.phone.profiles import PhoneProfile, profile_for

if TYPE_CHECKING:
    from rig.drivers.ios_lldp import LldpNeighbor
    from rig.drivers.ios_switch import CdpNeighbor
    from rig.drivers.phone_web import PhoneWeb
    from rig.bench.tap_share import SharedTap
    from rig.bench.build import Bench
    from rig.procedures.identify import Identification
    from rig.procedures.parts import PhoneParts
    from rig.procedures.power_parts import PhonePower
    from rig.bench.taps import Taps
    from rig.procedures.migrate import Migration

T = TypeVar("T")

CDP_MAX_AGE = 1.0
"""Seconds a switch's CDP table may be reused as evidence (identifying a phone never reuses it)."""
POWER_SETTLE = 10.0
"""Longest wait (real seconds, capped by timeouts.boot) for PoE draw after power-on."""
DRAW_POLL_S = 0.5
"""Longest period of a draw poll: a port's draw settles over seconds on hardware."""


def poll_period(timeout: float) -> float:
    """How often a draw poll within `timeout` looks (at least ten looks)."""
    return min(DRAW_POLL_S, timeout / 10)


@dataclass
class PhoneContext:
    phone: PhoneConfig
    bench: "Bench"
    journal: Journal
    steps: StepRecorder
    stop: threading.Event
    parts: "PhoneParts"
    """Its power and identification parts (rig.procedures.parts): field mode is a choice of parts."""
    run_dir: Path
    tap: "SharedTap | Taps | None" = None
    script: KeyScript | None = None
    erase_retries: int = 1
    screenshots: bool = False
    """Take the phone's screen after each key of an erase (rig.procedures.key_screens)."""
    try_variants: bool = False
    """When the script's key path is not confirmed, try its published variants
    (rig.procedures.erase_variants)."""
    found: Found = field(default_factory=Found)
    started: float = field(default_factory=time.monotonic)
    """When this phone's run began (`time.monotonic()`): a switch read started since then shows
    the phone as rig found it, before any of its steps touched the port."""
    resources: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    """Closed when the phone's run ends (its console)."""
    migration: "Migration | None" = None
    """`rig migrate`'s systems and options (None for every other job)."""

    @property
    def config(self) -> LabConfig:
        return self.bench.config

    @property
    def profile(self) -> PhoneProfile:
        return profile_for(self.phone.model, self.phone.firmware)

    @property
    def power(self) -> "PhonePower":
        return self.parts.power

    @property
    def identification(self) -> "Identification":
        return self.parts.identification

    @property
    def web(self) -> "PhoneWeb | None":
        return self.bench.web(self.phone)

    @property
    def expected_load(self) -> str | None:
        return self.config.cucm.expected_load if self.config.cucm else None

    @property
    def watching(self) -> bool:
        """Whether the tap can see this phone's fetches (a tap, and an IP to know them by)."""
        return self.tap is not None and self.phone.ip is not None

    def script_seconds(self, hardware_seconds: float) -> float:
        """A keypad script's hardware seconds on this bench (`timeouts.script_scale`)."""
        return hardware_seconds * self.config.timeouts.script_scale

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

    def cdp_entry(self, max_age: float = CDP_MAX_AGE) -> "CdpNeighbor | None":
        """The phone's own CDP entry (platform, announced load) from a table at most `max_age`
        seconds old: evidence only (None where its identification part reads no switch table)."""
        return self.identification.cdp_entry(max_age)

    def lldp_entry(self) -> "LldpNeighbor | None":
        """The phone's own LLDP-MED entry on its port (model, announced load), where the switch runs
        LLDP: evidence only, asked where CDP says nothing (None without a switch table)."""
        return self.identification.lldp_entry()

    def draw(self, since: float | None = None) -> dict[str, Any]:
        """PoE draw on the phone's port (and the meter's reading, when the phone has one), from a
        switch read that started after this call, or after `since` (a `time.monotonic()` moment:
        the phones of a switch then share one `show power inline`)."""
        reading = self.power.reading(since)
        meter = self.bench.meter(self.phone)
        if meter is not None:
            instrument, channel = meter
            try:
                reading["meter_watts"] = instrument.measure_watts(channel)
            except PowerMeterError as error:  # the switch's PoE reading stands in (issue 29, L3)
                reading["meter_error"] = str(error)
        return reading

    def polled_watts(self, since: float, period: float) -> float | None:
        """The draw for a poll: the meter's when the phone has one (no switch command), else PoE
        from a switch read that started after `since` and at most `period` seconds ago, so a
        switch's polling phones cost it one `show power inline` per period between them. A meter
        that fails is a missing reading, not a failed phone: PoE answers instead."""
        meter = self.bench.meter(self.phone)
        if meter is not None:
            instrument, channel = meter
            try:
                return float(instrument.measure_watts(channel))
            except PowerMeterError:
                pass
        return watts(self.power.reading(max(since, time.monotonic() - period)))


def watts(reading: dict[str, Any]) -> float | None:
    """The meter's reading when the phone has one (finer than the switch's), else PoE."""
    return reading.get("meter_watts", reading.get("poe_watts"))
