"""A readiness loop: every ready socket's reader is called, epoll where Linux has it. The TFTP
tap's relay and the console hub (rig.drivers.console_hub) run on it.

A relayed 1428-byte block wakes the tap about 1.4 times (upstream's DATA, the phone's ACK, often
apart). `selectors.EpollSelector.select` builds a key and an events tuple per ready socket on top
of `epoll.poll`: measured on a 2-core VM, 6-9 us per wake-up with one socket ready against
1.2-3 us for `epoll.poll` itself, on a path whose whole budget is about 100 us per block. Where
`select.epoll` is missing (macOS, Windows), `selectors.DefaultSelector` does the same job.

Readers are looked up by file descriptor when they are due, not when the poll returns: a reader
called earlier in the same wake-up may have removed a socket (its transfer ended), and then its
reader must not run. Sockets must be non-blocking: a socket opened in that same wake-up may get
the closed one's descriptor and its reader a readiness that was not its own.
"""

from __future__ import annotations

import select
import selectors
import socket
from collections.abc import Callable

Reader = Callable[[], None]
_READABLE = getattr(select, "EPOLLIN", 1)


class _SelectorAsEpoll:
    """`select.epoll`'s calls the poller makes, over `selectors` where epoll is missing."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()

    def register(self, fd: int, _events: int) -> None:
        self._selector.register(fd, selectors.EVENT_READ)

    def unregister(self, fd: int) -> None:
        self._selector.unregister(fd)

    def poll(self, timeout: float | None) -> list[tuple[int, int]]:
        return [(key.fd, events) for key, events in self._selector.select(timeout)]

    def close(self) -> None:
        self._selector.close()


class Poller:
    """Sockets with a reader each: `wait` for readiness, then `dispatch` to the readers (apart, so
    the caller can read its clock in between)."""

    def __init__(self) -> None:
        self._readers: dict[int, Reader] = {}
        self._poll = select.epoll() if hasattr(select, "epoll") else _SelectorAsEpoll()

    def add(self, sock: socket.socket, reader: Reader) -> None:
        """Call `reader` whenever `sock` is readable; it must be non-blocking (see the module)."""
        self._readers[sock.fileno()] = reader
        self._poll.register(sock.fileno(), _READABLE)

    def remove(self, sock: socket.socket) -> None:
        """Forget a socket before it is closed (unknown sockets are ignored)."""
        if self._readers.pop(sock.fileno(), None) is not None:
            self._poll.unregister(sock.fileno())

    def wait(self, timeout: float | None) -> list[tuple[int, int]]:
        """Up to `timeout` seconds (None: until one is) for readable sockets: (descriptor, events)
        for `dispatch`."""
        return self._poll.poll(timeout)

    def dispatch(self, ready: list[tuple[int, int]]) -> None:
        """Call the reader of each socket `wait` found ready, if it still has one."""
        readers = self._readers
        for fd, _ in ready:
            reader = readers.get(fd)
            if reader is not None:
                reader()

    def close(self) -> None:
        self._readers.clear()
        self._poll.close()
