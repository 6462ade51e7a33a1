"""The simulated meter and key actuator boards, spoken to by the clients a lab uses for real ones."""

from __future__ import annotations

import socket
import time

import pytest
import pyvisa
import serial

from rig.sim.actuator import SimActuator
from rig.sim.meter import SimPowerMeter


class Phone:
    """The slice of a phone the meter and actuator see: a draw and a keypad."""

    def __init__(self, name: str, watts: float = 6.3) -> None:
        self.name = name
        self.mac = "001D705F9EA8"
        self.watts = watts
        self.keys: list[str] = []

    @property
    def draw_watts(self) -> float:
        return self.watts

    def press_key(self, key: str) -> None:
        if not key.startswith(("KeyPad", "Soft", "Settings")):
            raise ValueError(key)
        self.keys.append(key)


@pytest.fixture
def meter():
    with SimPowerMeter({1: Phone("desk-1"), 2: Phone("desk-2", watts=0.0)}) as m:
        yield m


@pytest.fixture
def visa(meter):
    host, port = meter.address
    inst = pyvisa.ResourceManager("@py").open_resource(f"TCPIP::{host}::{port}::SOCKET")
    inst.read_termination = inst.write_termination = "\n"
    inst.timeout = 1000
    yield inst
    inst.close()


def test_meter_identifies_itself_to_pyvisa(visa):
    assert visa.query("*IDN?") == "RIG-SIM,PM-8,SIM0001,1.0"


@pytest.mark.parametrize("command", ["MEAS:POW? (@1)", "MEASure:POWer? (@1)", "meas:pow? 1", ":MEASURE:POWER? (@ 1 )"])
def test_meter_reads_the_draw_of_the_device_on_a_channel_in_any_scpi_spelling(visa, command):
    assert visa.query(command) == "6.300E+00"


def test_unpowered_channel_reads_zero(visa):
    assert float(visa.query("MEAS:POW? (@2)")) == 0.0


def test_unknown_channel_reads_not_a_number_and_queues_data_out_of_range(visa):
    assert visa.query("MEAS:POW? (@9)") == "9.91E+37"
    assert visa.query("SYST:ERR?") == '-222,"Data out of range"'
    assert visa.query("SYSTem:ERRor:NEXT?") == '0,"No error"'


def test_undefined_header_is_silent_and_queued_until_cleared(visa):
    visa.write("FETCH:VOLT?")
    visa.write("*CLS")
    assert visa.query("SYST:ERR?") == '0,"No error"'
    visa.write("BOGUS")
    assert visa.query("SYST:ERR?") == '-113,"Undefined header"'


def test_meter_serves_several_clients_at_once(meter, visa):
    with socket.create_connection(meter.address, timeout=2) as raw:
        raw.sendall(b"*IDN?\n")
        assert visa.query("MEAS:POW? (@1)") == "6.300E+00"
        assert raw.makefile().readline().strip() == "RIG-SIM,PM-8,SIM0001,1.0"


def test_meter_refuses_to_bind_a_non_loopback_address():
    with pytest.raises(ValueError, match="loopback"):
        SimPowerMeter({}, host="0.0.0.0")


@pytest.fixture
def board():
    phones = {"desk-1": Phone("desk-1"), "desk-2": Phone("desk-2")}
    with SimActuator(phones) as b:
        yield b, phones


@pytest.fixture
def line(board):
    host, port = board[0].address
    with serial.serial_for_url(f"socket://{host}:{port}", timeout=2) as port_:
        def ask(command: str) -> str:
            port_.write(command.encode() + b"\n")
            return port_.readline().decode().strip()
        yield ask


def test_board_answers_ping_and_lists_its_targets(line):
    assert line("PING") == "PONG"
    assert line("LIST") == "TARGETS desk-1,desk-2"


def test_press_reaches_the_right_keypad_after_the_hold(board, line):
    started = time.monotonic()
    assert line("PRESS desk-2 Settings 100") == "OK"
    assert time.monotonic() - started >= 0.09
    assert board[1]["desk-2"].keys == ["Settings"] and board[1]["desk-1"].keys == []
    assert board[0].presses_received() == [("desk-2", "Settings")]


def test_long_holds_are_capped(line):
    started = time.monotonic()
    assert line("PRESS desk-1 KeyPad4 60000") == "OK"
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("PRESS desk-9 Settings 100", "ERR unknown target desk-9"),
        ("PRESS desk-1 Frobnicate 100", "ERR unknown key Frobnicate"),
        ("PRESS desk-1 Settings", "ERR syntax"),
        ("PRESS desk-1 Settings soon", "ERR syntax"),
        ("HELLO", "ERR syntax"),
    ],
)
def test_board_rejects_bad_commands_with_one_err_line(line, command, answer):
    assert line(command) == answer
    assert line("PING") == "PONG"
