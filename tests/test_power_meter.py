"""PowerMeter against the simulated SCPI meter over pyvisa-py on loopback."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from rig.drivers.power_meter import PowerMeter, PowerMeterError
from rig.sim.meter import SimPowerMeter


class Load:
    name, mac = "desk-1", "001D705F9EA8"

    def __init__(self, watts: float) -> None:
        self.draw_watts = watts


@pytest.fixture
def resource():
    with SimPowerMeter({1: Load(6.3), 3: Load(0.0), **{ch: Load(ch) for ch in range(10, 18)}}) as sim:
        host, port = sim.address
        yield f"TCPIP::{host}::{port}::SOCKET"


@pytest.fixture
def meter(resource):
    with PowerMeter(resource, timeout_ms=500) as m:
        yield m


def test_idn_names_the_instrument(meter):
    assert meter.idn() == "RIG-SIM,PM-8,SIM0001,1.0"


def test_measure_watts_reads_a_channel(meter):
    assert meter.measure_watts(1) == pytest.approx(6.3)
    assert meter.measure_watts(3) == 0.0


def test_many_threads_sharing_one_meter_each_read_their_own_channel(meter):
    with ThreadPoolExecutor(max_workers=8) as pool:
        readings = list(pool.map(meter.measure_watts, [ch for ch in range(10, 18) for _ in range(5)]))
    assert readings == [float(ch) for ch in range(10, 18) for _ in range(5)]


def test_unknown_channel_error_quotes_the_instruments_error_queue(meter, resource):
    with pytest.raises(PowerMeterError) as caught:
        meter.measure_watts(7)
    message = str(caught.value)
    assert resource in message and "channel 7" in message and '-222,"Data out of range"' in message


def test_unreachable_meter_names_the_resource():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    resource = f"TCPIP::127.0.0.1::{port}::SOCKET"
    with pytest.raises(PowerMeterError, match=f"power meter {resource}: .*refused"):
        PowerMeter(resource, timeout_ms=300).idn()


def test_meter_that_went_away_raises_then_recovers_when_it_returns():
    first = SimPowerMeter({1: Load(6.3)})
    first.start()
    host, port = first.address
    resource = f"TCPIP::{host}::{port}::SOCKET"
    meter = PowerMeter(resource, timeout_ms=300)
    assert meter.measure_watts(1) == pytest.approx(6.3)
    first.stop()
    with pytest.raises(PowerMeterError, match=resource):
        meter.measure_watts(1)
    with SimPowerMeter({1: Load(5.1)}, host, port):
        assert meter.measure_watts(1) == pytest.approx(5.1)
    meter.close()
