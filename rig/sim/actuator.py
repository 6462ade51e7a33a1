"""A simulated key actuator board: solenoids over phone keypads, driven by a line protocol.

The board sits on one serial line (or a serial-over-IP server; pyserial reaches this simulator
as `socket://host:port`). Protocol, ASCII, every line ends in `\\n`, one answer line per command:

    PRESS <target> <key> <ms>   hold <key> on <target>'s keypad for <ms> ms, then  OK
                                ERR unknown target <t> | ERR unknown key <k> | ERR syntax
    PING                        PONG
    LIST                        TARGETS <t1>,<t2>,...

Key names are the phone's `Key:` URI names (KeyPad4, KeyPadStar, Soft4, Settings, ...). The
answer comes after the key is released, so a client that waits for `OK` knows the press is done.
The simulated hold is real time but capped (MAX_HOLD_S) so long presses do not stall tests.
"""

from __future__ import annotations

import threading

from rig.sim.chaos import DropConnection, ExchangeFaults
from rig.sim.lineserver import LineServer
from rig.sim.model import KeyedDevice

MAX_HOLD_S = 0.25


class SimActuator(LineServer):
    """Key actuator board with one solenoid head per target name."""

    def __init__(self, targets: dict[str, KeyedDevice], host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.targets = targets
        self._presses: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.exchange_faults: ExchangeFaults | None = None
        """Randomized faults (rig.sim.chaos) consulted at every line, when set."""

    def presses_received(self) -> list[tuple[str, str]]:
        """Every press that reached a keypad, in order: (target, key)."""
        with self._lock:
            return list(self._presses)

    def answer(self, line: str) -> str:
        kind = self.exchange_faults.pick("board", line) if self.exchange_faults else None
        if kind == "drop":
            raise DropConnection(line)
        if kind == "slow":
            self.exchange_faults.wait_slow()
        reply = self._answer(line)
        if kind == "lost_answer":
            raise DropConnection(line)  # the key was pressed; its OK never leaves
        return reply

    def _answer(self, line: str) -> str:
        words = line.split()
        verb = words[0].upper()
        if verb == "PING" and len(words) == 1:
            return "PONG"
        if verb == "LIST" and len(words) == 1:
            return "TARGETS " + ",".join(self.targets)
        if verb == "PRESS" and len(words) == 4 and words[3].isdigit():
            return self._press(words[1], words[2], int(words[3]))
        return "ERR syntax"

    def _press(self, target: str, key: str, ms: int) -> str:
        device = self.targets.get(target)
        if device is None:
            return f"ERR unknown target {target}"
        try:
            device.press_key(key)
        except ValueError:
            return f"ERR unknown key {key}"
        with self._lock:
            self._presses.append((target, key))
        threading.Event().wait(min(ms / 1000.0, MAX_HOLD_S))
        return "OK"
