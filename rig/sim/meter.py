"""A simulated multi-channel PoE power meter speaking SCPI over a raw TCP socket.

Lab meters (and LXI instruments generally) accept SCPI on a plain socket, one command per
newline-terminated line; pyvisa reaches them as `TCPIP::<host>::<port>::SOCKET`. Behaviour
follows IEEE 488.2/SCPI so a driver written against this works against a real box:

- `*IDN?` -> `RIG-SIM,PM-8,SIM0001,1.0`; `*RST` and `*CLS` clear the error queue (no answer).
- `MEAS:POW? (@<ch>)` (long form `MEASure:POWer?`, or a bare `1`) -> the watts drawn by the
  device on that channel, `6.300E+00`. An unknown channel queues `-222,"Data out of range"` and
  answers the SCPI not-a-number `9.91E+37`.
- `SYST:ERR?` (`SYSTem:ERRor[:NEXT]?`) pops the oldest error, `0,"No error"` when empty.
- Any other header queues `-113,"Undefined header"` and answers nothing (a query that errors
  produces no response, as on real instruments). `;` separates commands on one line.
The error queue is one per instrument, shared by all clients, like the real thing.
"""

from __future__ import annotations

import re
import threading
from collections import deque

from rig.sim.lineserver import LineServer
from rig.sim.model import PoweredDevice

IDN = "RIG-SIM,PM-8,SIM0001,1.0"
NOT_A_NUMBER = "9.91E+37"
NO_ERROR = '0,"No error"'
UNDEFINED_HEADER = '-113,"Undefined header"'
DATA_OUT_OF_RANGE = '-222,"Data out of range"'
_QUEUE_LENGTH = 16


def _mnemonic(long_form: str) -> str:
    """SCPI node `MEASure` matches `MEAS` or `MEASURE`, any case."""
    short = "".join(c for c in long_form if c.isupper())
    return f"(?:{short}|{long_form.upper()})"


def _header(*nodes: str, optional: str = "") -> re.Pattern[str]:
    tail = f"(?::{_mnemonic(optional)})?" if optional else ""
    return re.compile(":?" + ":".join(_mnemonic(n) for n in nodes) + tail + r"\?", re.IGNORECASE)


_MEASURE_POWER = _header("MEASure", "POWer")
_SYSTEM_ERROR = _header("SYSTem", "ERRor", optional="NEXT")
_CHANNEL = re.compile(r"^(?:\(@\s*(\d+)\s*\)|(\d+))$")


class SimPowerMeter(LineServer):
    """SCPI power meter whose channel N reads the `draw_watts` of `channels[N]`."""

    def __init__(self, channels: dict[int, PoweredDevice], host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.channels = channels
        self._errors: deque[str] = deque(maxlen=_QUEUE_LENGTH)
        self._lock = threading.Lock()

    def answer(self, line: str) -> str | None:
        replies = [r for r in (self._one(cmd.strip()) for cmd in line.split(";") if cmd.strip()) if r is not None]
        return ";".join(replies) if replies else None

    def _one(self, command: str) -> str | None:
        header, _, argument = command.partition(" ")
        argument = argument.strip()
        upper = header.upper()
        if upper == "*IDN?":
            return IDN
        if upper in ("*RST", "*CLS"):
            with self._lock:
                self._errors.clear()
            return None
        if _SYSTEM_ERROR.fullmatch(header):
            with self._lock:
                return self._errors.popleft() if self._errors else NO_ERROR
        if _MEASURE_POWER.fullmatch(header):
            return self._measure(argument)
        self._queue(UNDEFINED_HEADER)
        return None

    def _measure(self, argument: str) -> str:
        match = _CHANNEL.match(argument)
        device = self.channels.get(int(match.group(1) or match.group(2))) if match else None
        if device is None:
            self._queue(DATA_OUT_OF_RANGE)
            return NOT_A_NUMBER
        return f"{device.draw_watts:.3E}"

    def _queue(self, error: str) -> None:
        with self._lock:
            self._errors.append(error)
