"""A phone's serial console over any pyserial URL, captured in the background.

`/dev/ttyUSB0`, `socket://consrv:7001` (a console server's raw TCP port) and `rfc2217://` all
work. The bytes are split into lines (CR, LF or CRLF), decoded leniently (a 7942 prints garbage
while booting), timestamped into a per-phone log file, and the console reconnects with backoff
when the console server drops the connection. Lines are numbered from the first one ever read,
so a `mark()` taken before pressing keys stays valid while old lines are discarded to bound
memory.

`socket://` consoles are read by the process's one console hub (rig.drivers.console_hub), from the
instant their connection opens; ttys and `rfc2217://` by a pyserial reader thread each. pyserial
flushes its input while opening a port, so on those, bytes that arrive in the instant of
(re)connecting are lost: open the console before acting on the phone, then wait with
`expect(..., since=mark)`.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import TextIO

import serial
import tenacity

from rig.drivers.console_hub import hub
from rig.drivers.errors import DeviceError
from rig.drivers.serial_port import close_quietly, is_socket_url, open_socket_url

MAX_LINES = 10000
READ_WAIT_S = 2.0
"""How long a tty's reader thread waits for a first byte before looking at `close()` again
(which cancels the read at once where pyserial can, `_wake`): 240 idle consoles polled every
50 ms kept a 2-core controller busy."""
READ_CHUNK = 4096
CONNECT_TIMEOUT_S = 5.0
"""For a console server's TCP port (pyserial's socket:// uses the same)."""
BACKOFF_S = (0.05, 2.0)
"""First and longest wait between reconnection attempts."""
_LINE_END = re.compile(rb"\r\n|\r|\n")


def _read_chunk(port: serial.SerialBase) -> bytes:
    """What the port has within READ_WAIT_S (b"" when nothing came): at least a byte, and all
    else already arrived without waiting for more, so no line waits for a chunk to fill."""
    chunk = port.read(1)
    return chunk + _arrived(port) if chunk else chunk


def _arrived(port: serial.SerialBase) -> bytes:
    """Bytes already received, read without waiting (the port's timeout is 0 for this one read):
    a tty's read of a whole chunk would wait for the chunk to fill or for the timeout."""
    port.timeout = 0
    try:
        return port.read(READ_CHUNK)
    finally:
        port.timeout = READ_WAIT_S


def _wake(port: serial.SerialBase) -> None:
    """Make the reader's wait on `port` end now where pyserial can cancel a read (a tty); other
    ports end within READ_WAIT_S."""
    cancel = getattr(port, "cancel_read", None)
    if cancel is None:
        return
    try:
        cancel()
    except (OSError, NotImplementedError, serial.SerialException):
        pass


class ConsoleError(DeviceError):
    """The console could not be opened; the message names the phone and URL."""

    part = "console"


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
        self._port: serial.SerialBase | socket.socket | None = None
        self._log: TextIO | None = None
        self._opened = False
        self._thread: threading.Thread | None = None
        """A tty's reader; for a socket, the thread reconnecting it (if it ever lost its server)."""

    # -- lifecycle -------------------------------------------------------------------------
    def open(self) -> None:
        """Connect (ConsoleError when the first connection fails) and start capturing."""
        if self._opened:
            return
        try:
            port = self._connect()
        except (serial.SerialException, OSError, ValueError) as error:
            raise ConsoleError(f"console of {self.name} ({self.url}): cannot open ({error})") from None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("a", encoding="utf-8", buffering=1)
        self._stop.clear()
        self._opened = True
        self._attach(port)

    def close(self) -> None:
        self._stop.set()
        port = self._port  # read once: a reconnecting reader may drop it meanwhile
        if isinstance(port, serial.SerialBase) and self._thread is not None:
            _wake(port)
        if self._thread is not None:  # a tty's reader, or a socket's reconnection under way
            self._thread.join(timeout=2)
            self._thread = None
        self._close_port()
        if self._log is not None:
            self._log.close()
            self._log = None
        self._opened = False

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
    def _connect(self) -> serial.SerialBase | socket.socket:
        if is_socket_url(self.url):
            return open_socket_url(self.url, CONNECT_TIMEOUT_S)
        return serial.serial_for_url(self.url, timeout=READ_WAIT_S)

    def _attach(self, port: serial.SerialBase | socket.socket) -> None:
        """Start reading a new connection: a socket in the hub, a tty in this console's reader
        thread (started on the first open; it reconnects by itself)."""
        self._port = port
        if isinstance(port, socket.socket):
            hub().add(port, self._feed, self._lost)
        elif self._thread is None:
            self._start_thread(self._run)

    def _close_port(self) -> None:
        port, self._port = self._port, None
        if isinstance(port, socket.socket):
            hub().remove(port)  # before the log closes: no line arrives after this
        close_quietly(port)

    def _lost(self, error: Exception) -> None:
        """The hub's report of a dropped socket (in the hub's thread, which must not wait):
        reconnect in a thread of its own."""
        if self._stop.is_set():
            return
        self._start_thread(self._reconnect, error)

    def _start_thread(self, target: Callable[..., None], *args: object) -> None:
        """Publish the thread only once it runs: close() in another thread joins what it finds,
        and joining a thread not yet started raises."""
        thread = threading.Thread(target=target, args=args, name=f"console-{self.name}", daemon=True)
        thread.start()
        self._thread = thread

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
            port = retrying(self._connect)
        except (serial.SerialException, OSError, ValueError):
            return  # closed while still reconnecting
        self._attach(port)
        if self._stop.is_set():  # closed meanwhile: close() may have looked before the attach
            self._close_port()
            return
        self._add(f"[rig] console {self.url} reconnected")

    def _feed(self, chunk: bytes) -> None:
        if self._cr_pending and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        self._cr_pending = chunk.endswith(b"\r")
        *complete, self._partial = _LINE_END.split(self._partial + chunk)
        if complete:
            self._add_lines([raw.decode("utf-8", errors="replace") for raw in complete])

    def _flush_partial(self) -> None:
        if self._partial:
            self._add(self._partial.decode("utf-8", errors="replace"))
            self._partial = b""

    def _add(self, line: str) -> None:
        self._add_lines([line])

    def _add_lines(self, lines: list[str]) -> None:
        """Keep and log the lines of one chunk with one timestamp, one write and one wake-up of
        `expect`: per line, these were most of a console's cost on a big bench."""
        log = self._log
        if log is not None:
            stamp = _timestamp()
            log.write("".join(f"{stamp} {line}\n" for line in lines))
        with self._cond:
            for line in lines:
                if len(self._lines) == self._lines.maxlen:
                    self._first += 1
                self._lines.append(line)
            self._cond.notify_all()
