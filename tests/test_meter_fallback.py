"""Meters work past descriptor 1024, and a meter that fails is a missing reading, not a failed
phone (issue 29, L3): the switch's PoE reading answers instead, and the draw keeps the meter's error."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest

from rig.drivers.power_meter import PowerMeter, PowerMeterError
from rig.procedures.context import PhoneContext, watts
from rig.procedures.identify import OwnAnswer
from rig.procedures.parts import PhoneParts
from rig.procedures.power_parts import PoePower
from rig.sim.meter import SimPowerMeter
from tests.descriptors import held_past


class Load:
    name, mac = "desk-1", "001D705F9EA8"
    draw_watts = 6.3


def test_a_meter_opened_past_descriptor_1024_still_reads():
    with SimPowerMeter({1: Load()}) as sim, held_past(1100):
        host, port = sim.address
        with PowerMeter(f"TCPIP::{host}::{port}::SOCKET", timeout_ms=2000) as meter:
            assert meter.measure_watts(1) == pytest.approx(6.3)


class DeadMeter:
    def measure_watts(self, channel: int) -> float:
        raise PowerMeterError(f"power meter TCPIP::192.0.2.9::5025::SOCKET: MEAS:POW? (@{channel}) failed (gone)")


class Bench:
    """A bench whose phone has a dead meter and a switch reading 5.1 W on its port."""

    def meter(self, phone: object) -> tuple[DeadMeter, int]:
        return DeadMeter(), 4

    def switch(self, name: str) -> SimpleNamespace:
        return SimpleNamespace(poe_status=lambda port, since: [SimpleNamespace(watts=5.1, oper="on")])


def _context() -> PhoneContext:
    phone: Any = SimpleNamespace(name="desk-1", switch="sw1", port="Gi1/0/4")
    bench: Any = Bench()
    parts = PhoneParts(power=PoePower(bench.switch("sw1"), phone, threading.Semaphore()), identification=OwnAnswer())
    return PhoneContext(phone, bench, None, None, threading.Event(), parts, None)  # type: ignore[arg-type]


def test_a_failed_meter_falls_back_to_the_switchs_poe_reading_and_keeps_its_error():
    reading = _context().draw()
    assert watts(reading) == 5.1
    assert reading["meter_error"].endswith("MEAS:POW? (@4) failed (gone)")


def test_a_poll_with_a_failed_meter_reads_poe():
    assert _context().polled_watts(0.0, 1.0) == 5.1
