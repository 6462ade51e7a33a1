"""One thread that reads every `socket://` console (a console server's raw TCP port) at once.

A reader thread per console meant 240 threads on a 240-phone bench, each woken for every line its
phone printed and each handing the interpreter lock back and forth with the phone threads: with
the consoles left out, the controller of a 240-phone simulated run used 20-22 s of CPU instead
of 28 s. Here one thread waits on all console sockets with the selector (epoll on Linux) and
takes every chunk that arrived in one wake-up; descriptors past 1024 work too (pyserial's
socket:// port selects on its descriptor, which fails there).

A console registers its socket with a callback for data and one for a lost connection. The hub
calls them in its own thread, one at a time, so they must not block; `remove` returns once no
callback of that socket is running or will run.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
from dataclasses import dataclass
from typing import Callable

READ_CHUNK = 4096
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Reader:
    sock: socket.socket
    on_data: Callable[[bytes], None]
    on_lost: Callable[[Exception], None]


class ConsoleHub:
    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        """Held while the selector's table changes and while a callback runs."""
        self._wake_in, self._wake_out = socket.socketpair()
        self._wake_in.setblocking(False)
        self._selector.register(self._wake_in, selectors.EVENT_READ, None)
        self._thread: threading.Thread | None = None

    def add(self, sock: socket.socket, on_data: Callable[[bytes], None], on_lost: Callable[[Exception], None]) -> None:
        """Read `sock` from now on: `on_data(chunk)` for what arrives, `on_lost(error)` once when
        the connection ends or fails (the socket is no longer read then)."""
        sock.setblocking(False)
        with self._lock:
            self._selector.register(sock, selectors.EVENT_READ, _Reader(sock, on_data, on_lost))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="console-hub", daemon=True)
                self._thread.start()
        self._wake_out.send(b"\0")  # a selector other than epoll sees new sockets on its next wait

    def remove(self, sock: socket.socket) -> None:
        """Stop reading `sock` (still open: the caller closes it). No callback of it runs after this."""
        with self._lock:
            self._unregister(sock)

    def _unregister(self, sock: socket.socket) -> None:
        try:
            self._selector.unregister(sock)
        except (KeyError, ValueError):
            pass  # removed already, or closed by its owner

    def _run(self) -> None:
        while True:
            for key, _ in self._selector.select():
                if key.data is None:
                    self._drain_wake()
                    continue
                with self._lock:
                    if self._selector.get_map().get(key.fd) is key:  # not removed meanwhile
                        try:
                            self._read(key.data)
                        except Exception:  # one console's fault must not stop every console
                            self._unregister(key.data.sock)
                            log.exception("console hub: a console's callback failed; it is no longer read")

    def _read(self, reader: _Reader) -> None:
        try:
            chunk = reader.sock.recv(READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            self._unregister(reader.sock)
            reader.on_lost(error)
            return
        if not chunk:
            self._unregister(reader.sock)
            reader.on_lost(ConnectionResetError("the console server closed the connection"))
            return
        reader.on_data(chunk)

    def _drain_wake(self) -> None:
        try:
            while self._wake_in.recv(READ_CHUNK):
                pass
        except BlockingIOError:
            pass


_hub: ConsoleHub | None = None
_hub_lock = threading.Lock()


def hub() -> ConsoleHub:
    """The process's console hub, started with its first console."""
    global _hub
    with _hub_lock:
        if _hub is None:
            _hub = ConsoleHub()
        return _hub
