"""Key presses by a solenoid actuator board on a serial line (or serial-over-IP: socket://, rfc2217://).

Board protocol (ASCII, `\\n`-terminated, one answer line per command):
`PRESS <target> <key> <ms>` -> `OK` | `ERR <reason>`; `PING` -> `PONG`; `LIST` -> `TARGETS a,b`.
One board drives many phones over one line, so every keypad on the same URL shares one
connection and a lock serializes whole command/answer exchanges. A `socket://` board is spoken
to over a plain socket (rig.drivers.serial_port says why), any other URL through pyserial.

A command is sent at most once. A line found dropped before anything is written (the board or
its serial server restarted while idle) is reopened once; once a PRESS is written it may have
reached the board, so a line lost after that is an error naming board and key, never a re-send:
a key pressed twice leaves the phone in a screen nobody knows (issue 29, M9).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence

import serial

from rig.drivers.errors import DeviceError
from rig.drivers.keypad import Keypad, KeypadError, check_keys
from rig.drivers.serial_port import close_quietly, is_socket_url, open_socket_url

ANSWER_SLACK_S = 5.0
"""How long past the hold time the board may take to answer."""
READ_CHUNK = 4096


class NoAnswer(DeviceError):
    """No answer came to a command that was sent: too late, or the line dropped after it (not
    retried: the key may have been pressed)."""

    part = "keypad"


class _SocketPort:
    """The pyserial calls a board exchange makes, on a `socket://` board's TCP connection: an
    answer line is read a chunk at a time, where pyserial's readline read it a byte at a time."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self._sock = sock
        self._pending = b""
        self.timeout = timeout

    def reset_input_buffer(self) -> None:
        """Drop what arrived unasked (a late answer to an earlier, timed-out command); a board
        that closed the connection meanwhile is found here, before anything is sent."""
        self._pending = b""
        self._sock.setblocking(False)
        try:
            while True:
                if not self._sock.recv(READ_CHUNK):
                    raise serial.SerialException("the board closed the connection")
        except BlockingIOError:
            pass
        finally:
            self._sock.settimeout(self.timeout)

    def write(self, data: bytes) -> None:
        self._sock.settimeout(self.timeout)
        self._sock.sendall(data)

    def readline(self) -> bytes:
        """One line with its `\n`, or what came within `timeout` without one (as pyserial)."""
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._sock.settimeout(remaining)
            try:
                chunk = self._sock.recv(READ_CHUNK)
            except TimeoutError:
                break
            if not chunk:
                raise serial.SerialException("the board closed the connection")
            self._pending += chunk
        line, end, self._pending = self._pending.partition(b"\n")
        if not end:
            self._pending = line
        return line + end

    def close(self) -> None:
        self._sock.close()


class _BoardLine:
    """The one connection to a board, opened lazily and reopened once when it dropped."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.lock = threading.Lock()
        self._port: serial.SerialBase | _SocketPort | None = None

    def exchange(self, command: str, timeout: float) -> str:
        """Send one command once, return the board's answer line (call with `lock` held).

        NoAnswer once the command was written and no answer line came back."""
        try:
            port = self._ready(timeout)
        except (serial.SerialException, OSError):
            self.close()  # dropped while idle (board or serial server restarted): nothing sent yet
            port = self._ready(timeout)
        verb = command.split()[0]
        try:
            port.write(command.encode("ascii") + b"\n")
            raw = port.readline()
        except (serial.SerialException, OSError) as error:
            raise NoAnswer(f"the line dropped after {verb} was sent ({error})") from None
        if not raw.endswith(b"\n"):
            raise NoAnswer(f"no answer to {verb} within {timeout:g} s")
        return raw.decode("ascii", errors="replace").strip()

    def _ready(self, timeout: float) -> serial.SerialBase | _SocketPort:
        """The open line, emptied of late answers: anything that fails here failed unsent."""
        if self._port is None:
            self._port = self._open(timeout)
        port = self._port
        port.timeout = timeout
        port.reset_input_buffer()  # a late answer to an earlier, timed-out command
        return port

    def _open(self, timeout: float) -> serial.SerialBase | _SocketPort:
        if is_socket_url(self.url):
            return _SocketPort(open_socket_url(self.url, timeout), timeout)
        return serial.serial_for_url(self.url, timeout=timeout)

    def close(self) -> None:
        close_quietly(self._port)
        self._port = None


_lines: dict[str, _BoardLine] = {}
_lines_lock = threading.Lock()


def board_line(url: str) -> _BoardLine:
    """The shared connection to the board at `url`."""
    with _lines_lock:
        if url not in _lines:
            _lines[url] = _BoardLine(url)
        return _lines[url]


def close_boards() -> None:
    """Close every board line, all at once: a pyserial port's close may wait (its socket:// close
    waited 0.3 s), which a bench of 15 boards otherwise paid one after another at exit."""
    with _lines_lock:
        lines = list(_lines.values())
    threads = [threading.Thread(target=_close_line, args=(line,)) for line in lines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _close_line(line: _BoardLine) -> None:
    with line.lock:
        line.close()


class SerialActuatorKeypad(Keypad):
    def __init__(self, url: str, *, target: str, press_ms: int = 120, name: str = "") -> None:
        self.url = url
        self.target = target
        self.press_ms = press_ms
        self.name = name or target

    def press(self, keys: Sequence[str], gap: float = 1.0) -> None:
        keys = check_keys(keys, self.name)
        for index, key in enumerate(keys):
            if index and gap:
                time.sleep(gap)
            answer = self._command(f"PRESS {self.target} {key} {self.press_ms}", key)
            if answer != "OK":
                reason = answer[4:] if answer.startswith("ERR ") else f"unexpected answer {answer!r}"
                raise KeypadError(f"phone {self.name}: actuator board {self.url} refused key {key}: {reason}")

    def _command(self, command: str, what: str) -> str:
        line = board_line(self.url)
        with line.lock:
            try:
                return line.exchange(command, self.press_ms / 1000.0 + ANSWER_SLACK_S)
            except NoAnswer as error:
                line.close()
                raise KeypadError(f"phone {self.name}: actuator board {self.url}: {error}; key {what} not "
                                  "re-sent (it may have been pressed)") from None
            except (serial.SerialException, OSError) as error:
                line.close()
                raise KeypadError(
                    f"phone {self.name}: actuator board {self.url} unreachable pressing {what} ({error})"
                ) from None


def board_targets(url: str, timeout: float = ANSWER_SLACK_S) -> list[str]:
    """The targets the board at `url` has heads for: `PING` must answer `PONG`, then `LIST`.

    Read-only (no key is pressed); KeypadError names the board and what it answered."""
    line = board_line(url)
    with line.lock:
        try:
            pong = line.exchange("PING", timeout)
            listed = line.exchange("LIST", timeout) if pong == "PONG" else ""
        except (serial.SerialException, OSError, NoAnswer) as error:
            line.close()
            raise KeypadError(f"actuator board {url}: unreachable ({error})") from None
    if pong != "PONG":
        raise KeypadError(f"actuator board {url}: answered {pong!r} to PING, not PONG")
    if not listed.startswith("TARGETS"):
        raise KeypadError(f"actuator board {url}: answered {listed!r} to LIST, not TARGETS ...")
    return [t for t in listed.removeprefix("TARGETS").strip().split(",") if t]
