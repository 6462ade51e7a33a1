"""A SCPI power meter reached through pyvisa (any VISA resource; `@py` = pure-Python backend).

`TCPIP::10.0.0.5::5025::SOCKET` for a raw-socket LXI meter, `ASRL/dev/ttyUSB1::INSTR` for a
serial one. After a reading that fails or is not a plain number, the instrument's error queue
(`SYST:ERR?`) is read so the exception says what the instrument itself objected to.
One meter serves many phones' channels: a lock keeps each query/answer (and the error check
after it) together when several threads read at once. A raw-socket meter on the pure-Python
backend is spoken to by rig.drivers.scpi_socket, which works past descriptor 1024 where pyvisa-py's
session cannot.
"""

from __future__ import annotations

import math
import threading
from types import TracebackType
from typing import Any

import pyvisa

from rig.drivers.errors import DeviceError
from rig.drivers.scpi_socket import ScpiSocket, socket_address

SCPI_NOT_A_NUMBER = 9.91e37


class PowerMeterError(DeviceError):
    """A meter could not be opened or read; the message names the VISA resource."""

    part = "meter"


class PowerMeter:
    def __init__(self, resource: str, *, backend: str = "@py", timeout_ms: int = 3000) -> None:
        self.resource = resource
        self._backend = backend
        self._timeout_ms = timeout_ms
        self._inst: Any = None
        self._lock = threading.RLock()

    def _open(self) -> Any:
        if self._inst is None:
            try:
                self._inst = self._connect()
            except (pyvisa.Error, OSError, ValueError) as error:
                raise PowerMeterError(f"power meter {self.resource}: cannot open ({error})") from None
        return self._inst

    def _connect(self) -> Any:
        address = socket_address(self.resource) if self._backend == "@py" else None
        if address is not None:
            return ScpiSocket(*address, timeout=self._timeout_ms / 1000)
        inst = pyvisa.ResourceManager(self._backend).open_resource(self.resource)
        inst.read_termination = inst.write_termination = "\n"
        inst.timeout = self._timeout_ms
        return inst

    def _query(self, command: str) -> str:
        with self._lock:
            try:
                return str(self._open().query(command)).strip()
            except (pyvisa.Error, OSError) as error:
                self._close()  # a broken session is reopened on the next call
                raise PowerMeterError(f"power meter {self.resource}: {command} failed ({error})") from None

    def idn(self) -> str:
        return self._query("*IDN?")

    def measure_watts(self, channel: int) -> float:
        with self._lock:
            return self._measure(channel)

    def _measure(self, channel: int) -> float:
        command = f"MEAS:POW? (@{int(channel)})"
        try:
            text = self._query(command)
        except PowerMeterError as error:
            raise PowerMeterError(f"{error}{self._instrument_error()}") from None
        try:
            watts = float(text)
        except ValueError:
            watts = math.nan
        if math.isnan(watts) or watts >= SCPI_NOT_A_NUMBER or watts < 0:
            raise PowerMeterError(
                f"power meter {self.resource}: channel {channel} read {text!r}{self._instrument_error()}"
            )
        return watts

    def _instrument_error(self) -> str:
        """`; instrument says -222,"Data out of range"`, or "" when the queue is empty or unreadable."""
        try:
            answer = self._query("SYST:ERR?")
        except PowerMeterError:
            return ""
        return "" if answer.startswith("0,") or answer.startswith("+0,") else f"; instrument says {answer}"

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._inst is not None:
            try:
                self._inst.close()
            except (pyvisa.Error, OSError):
                pass
            self._inst = None

    def __enter__(self) -> PowerMeter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
