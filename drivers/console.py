"""A phone's serial console over any pyserial URL, captured in the background.

`/dev/ttyUSB0`, `socket://consrv:7001` (a console server's raw TCP port) and `rfc2217://` all
work. A reader thread splits the byte stream into lines (CR, LF or CRLF), decodes them leniently
(a 7942 prints garbage while booting), timestamps every line into a per-phone log file, and
reconnects with backoff when the console server drops the connection. Lines are numbered from
the first one ever read, so a `mark()` taken before pressing keys stays valid while old lines
are discarded to bound memory.

pyserial flushes its input while opening a port (socket:// and rfc2217:// included), so bytes
that arrive in the instant of (re)connecting are lost: open the console before acting on the
phone, then wait with `expect(..., since=mark)`.
"""

from __future__ import annotations

import os
import re
import select
import socket
import threading
import time
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import TextIO

import serial
import tenacity

from drivers.serial_port import close_quietly

MAX_LINES = 10000
READ_WAIT_S = 2.0
"""How long the reader waits for a first byte before looking at `close()` again (which wakes it
at once where it can, `_wake`): 240 idle consoles polled every 50 ms kept a 2-core controller
busy, every 0.25 s they still took 3 s of a 240-phone run's CPU."""
READ_CHUNK = 4096
BACKOFF_S = (0.05, 2.0)
"""First and longest wait between reconnection attempts."""
_LINE_END = re.compile(rb"\r\n|\r|\n")


def _read_chunk(port: serial.SerialBase) -> bytes:
    """What the port has within READ_WAIT_S (b"" when nothing came): at least a byte, and all
    else already arrived without waiting for more, so no line waits for a chunk to fill."""
    if getattr(port, "cancel_read", None) is None:  # socket://: its socket, read directly
        try:
            fd = port.fileno()
        except (AttributeError, OSError, serial.SerialException):
            fd = None
        if fd is not None:
            return _socket_chunk(fd)
    chunk = port.read(1)
    return chunk + _arrived(port) if chunk else chunk


def _socket_chunk(fd: int) -> bytes:
    """One poll and one read of a socket:// port's socket. pyserial's read selects before every
    recv (select() scans every descriptor below the highest one: hundreds on a big bench) and
    was called twice a chunk (one byte, then the rest), a third of the console threads' time
    at 240 phones. A socket that ends raises, as pyserial's read does."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    if not poller.poll(READ_WAIT_S * 1000):
        return b""
    try:
        data = os.read(fd, READ_CHUNK)
    except BlockingIOError:
        return b""
    if not data:
        raise serial.SerialException("socket disconnected")
    return data


def _arrived(port: serial.SerialBase) -> bytes:
    """Bytes already received, read without waiting (the port's timeout is 0 for this one read):
    a tty's read of a whole chunk would wait for the chunk to fill or for the timeout."""
    port.timeout = 0
    try:
        return port.read(READ_CHUNK)
    finally:
        port.timeout = READ_WAIT_S


def _wake(port: serial.SerialBase) -> None:
    """Make the reader's wait on `port` end now: a tty's read is cancelled; a socket (socket://)
    is shut down for reading, so the read sees its end. Other ports end within READ_WAIT_S."""
    cancel = getattr(port, "cancel_read", None)
    try:
        if cancel is not None:
            cancel()
        else:
            with socket.socket(fileno=os.dup(port.fileno())) as line:
                line.shutdown(socket.SHUT_RD)
    except (OSError, AttributeError, NotImplementedError, serial.SerialException):
        pass


class ConsoleError(Exception):
    """The console could not be opened; the message names the phone and URL."""


class ConsoleTimeout(ConsoleError):
    """`expect` saw no matching line in time; the message names phone, pattern, timeout and log."""


def _timestamp() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


class Console:
    def __init__(self, url: str, *, name: str, log_path: Path | None = None, max_lines: int = MAX_LINES) -> None:
        self.url = url
        self.name = name
        self.log_path = Path(log_path) if log_path is not None else None
        self._lines: deque[str] = deque(maxlen=max_lines)
        self._first = 0  # absolute index of self._lines[0]
        self._partial = b""
        self._cr_pending = False  # the last chunk ended in CR: a leading LF is the same line end
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._port: serial.SerialBase | None = None
        self._log: TextIO | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def open(self) -> None:
        """Connect (ConsoleError when the first connection fails) and start capturing."""
        if self._thread is not None:
            return
        try:
            self._port = self._connect()
        except (serial.SerialException, OSError, ValueError) as error:
            raise ConsoleError(f"console of {self.name} ({self.url}): cannot open ({error})") from None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("a", encoding="utf-8", buffering=1)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"console-{self.name}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            port = self._port  # read once: a reconnecting reader may drop it meanwhile
            if port is not None:
                _wake(port)
            self._thread.join(timeout=2)
            self._thread = None
        self._close_port()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Console:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------
    def mark(self) -> int:
        """The index the next line will get."""
        with self._cond:
            return self._first + len(self._lines)

    def lines_since(self, mark: int) -> list[str]:
        """Lines from index `mark` on (those already discarded for memory are skipped)."""
        with self._cond:
            return list(self._lines)[max(mark - self._first, 0):]

    def tail(self, n: int = 20) -> list[str]:
        with self._cond:
            return list(self._lines)[-n:] if n > 0 else []

    def expect(self, pattern: str, timeout: float, since: int | None = None) -> re.Match[str]:
        """The first line from `since` (default: lines arriving from now) that matches `pattern`."""
        regex = re.compile(pattern)
        with self._cond:
            index = self.mark() if since is None else since
            deadline = time.monotonic() + timeout
            while True:
                for line in self.lines_since(index):
                    match = regex.search(line)
                    if match:
                        return match
                index = max(index, self._first + len(self._lines))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ConsoleTimeout(
                        f"console of {self.name}: no line matching {pattern!r} within {timeout:g} s "
                        f"(log: {self.log_path or 'not kept'})"
                    )
                self._cond.wait(remaining)

    # -- background reader ---------------------------------------------------------------------
    def _connect(self) -> serial.SerialBase:
        return serial.serial_for_url(self.url, timeout=READ_WAIT_S)

    def _close_port(self) -> None:
        close_quietly(self._port)
        self._port = None

    def _run(self) -> None:
        while not self._stop.is_set() and self._port is not None:
            port = self._port
            try:
                chunk = _read_chunk(port)
            except (serial.SerialException, OSError) as error:
                if self._stop.is_set():
                    return  # woken by close()
                self._reconnect(error)
                continue
            if chunk:
                self._feed(chunk)

    def _reconnect(self, error: Exception) -> None:
        """Reopen the port with exponential backoff until it works or the console is closed."""
        self._close_port()
        self._flush_partial()
        self._add(f"[rig] console {self.url} lost ({error}); reconnecting")
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type((serial.SerialException, OSError, ValueError)),
            wait=tenacity.wait_exponential(multiplier=BACKOFF_S[0], max=BACKOFF_S[1]),
            stop=lambda _: self._stop.is_set(),
            sleep=self._stop.wait,
            before=lambda _: self._stop.wait(BACKOFF_S[0]),
            reraise=True,
        )
        try:
            self._port = retrying(self._connect)
        except (serial.SerialException, OSError, ValueError):
            return  # closed while still reconnecting
        self._add(f"[rig] console {self.url} reconnected")

    def _feed(self, chunk: bytes) -> None:
        if self._cr_pending and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        self._cr_pending = chunk.endswith(b"\r")
        *complete, self._partial = _LINE_END.split(self._partial + chunk)
        for raw in complete:
            self._add(raw.decode("utf-8", errors="replace"))

    def _flush_partial(self) -> None:
        if self._partial:
            self._add(self._partial.decode("utf-8", errors="replace"))
            self._partial = b""

    def _add(self, line: str) -> None:
        if self._log is not None:
            self._log.write(f"{_timestamp()} {line}\n")
        with self._cond:
            if len(self._lines) == self._lines.maxlen:
                self._first += 1
            self._lines.append(line)
            self._cond.notify_all()
