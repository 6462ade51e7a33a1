"""A read with a total time and a total size, that wakes at least once a second (pages, SOAP, TFTP, meters).

A socket timeout bounds one read, not an answer: a server trickling a byte every second keeps
each read short and the answer endless (issue 29, M2 and M3). A `Budget` is one exchange's
allowance: a deadline for the whole answer, a byte count it may not pass, and slices of at most
`SLICE_S` for each blocking wait, so a read checks between slices whether rig gave up on it.

`abandon_in_flight()` is that give-up: every budget made before it fails at its next slice. A
command that waits on worker threads calls it when Ctrl-C reaches the main thread, so the
threads' reads end within a second instead of holding the process open (the main thread's own
reads are interrupted by the signal at once).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

SLICE_S = 1.0
"""Longest blocking wait of a bounded read: how soon an abandoned read notices."""

_generation = itertools.count(1)
_current = next(_generation)
_lock = threading.Lock()


class ReadTimeout(TimeoutError):
    """The whole answer did not arrive within its time."""


class TooLarge(OSError):
    """The answer passed its size bound."""


class Abandoned(OSError):
    """rig gave up on every exchange in flight (Ctrl-C)."""


def abandon_in_flight() -> None:
    """Make every exchange started before now fail within SLICE_S; later ones are unaffected."""
    global _current
    with _lock:
        _current = next(_generation)


@contextlib.contextmanager
def abandoning_on_interrupt() -> Iterator[None]:
    """Inside, a KeyboardInterrupt abandons every exchange in flight before it propagates: put it
    inside a thread pool's `with`, so the threads the pool joins on its way out end within a slice."""
    try:
        yield
    except KeyboardInterrupt:
        abandon_in_flight()
        raise


class Budget:
    """One exchange's allowance: `seconds` in all, at most `limit` bytes read."""

    def __init__(self, seconds: float, limit: int) -> None:
        self.seconds = seconds
        self.limit = limit
        self.deadline = time.monotonic() + seconds
        self.read = 0
        self._generation = _current

    def slice(self) -> float:
        """Seconds the next blocking wait may take (at most SLICE_S); raises once the time is up
        or the exchange was abandoned."""
        if self._generation != _current:
            raise Abandoned("abandoned (rig is stopping)")
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise ReadTimeout(f"no complete answer within {self.seconds:g} s")
        return min(SLICE_S, remaining)

    def count(self, size: int) -> None:
        """Account for `size` bytes received; raises TooLarge past the limit."""
        self.read += size
        if self.read > self.limit:
            raise TooLarge(f"answer larger than {self.limit} bytes")


def open_connection(host: str, port: int, budget: Budget) -> socket.socket:
    """A TCP connection to host:port, waited for in slices (a connect blocks up to minutes)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setblocking(False)
        code = sock.connect_ex(address)
        poller = select.poll()  # poll, not select: select() refuses a descriptor past 1024
        poller.register(sock, select.POLLOUT)
        while code in (errno.EINPROGRESS, errno.EAGAIN) and not poller.poll(budget.slice() * 1000):
            pass
        code = code and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            raise OSError(code, errno.errorcode.get(code, str(code))) if code != errno.ECONNREFUSED \
                else ConnectionRefusedError(code, "connection refused")
    except BaseException:
        sock.close()
        raise
    return sock


def sliced(sock: socket.socket, budget: Budget, operation: Callable[..., T], *args: object) -> T:
    """`operation(*args)` retried after each slice's timeout until the budget ends."""
    while True:
        sock.settimeout(budget.slice())
        try:
            return operation(*args)
        except TimeoutError:
            continue


def send_all(sock: socket.socket, budget: Budget, data: bytes) -> None:
    """All of `data` sent, each wait for room a budget slice."""
    view = memoryview(data)
    while view:
        view = view[sliced(sock, budget, sock.send, view):]
