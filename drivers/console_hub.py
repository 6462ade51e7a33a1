"""One thread that reads every `socket://` console (a console server's raw TCP port) at once.

A reader thread per console meant 240 threads on a 240-phone bench, each woken for every line its
phone printed and each handing the interpreter lock back and forth with the phone threads: with
the consoles left out, the controller of a 240-phone simulated run used 20-22 s of CPU instead
of 28 s. Here one thread waits on all console sockets (epoll on Linux) and
takes every chunk that arrived in one wake-up; descriptors past 1024 work too (pyserial's
socket:// port selects on its descriptor, which fails there).

A console registers its socket with a callback for data and one for a lost connection. The hub
calls them in its own thread, one at a time, so they must not block; `remove` returns once no
callback of that socket is running or will run. The loop is rig.drivers.poller's, as the TFTP tap's.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from functools import partial

from rig.drivers.poller import Poller

READ_CHUNK = 4096
log = logging.getLogger(__name__)


class ConsoleHub:
    def __init__(self) -> None:
        self._poller = Poller()
        self._lock = threading.Lock()
        """Held while the poller's sockets change and while callbacks run."""
        self._wake_in, self._wake_out = socket.socketpair()
        self._wake_in.setblocking(False)
        self._poller.add(self._wake_in, self._drain_wake)
        self._thread: threading.Thread | None = None

    def add(self, sock: socket.socket, on_data: Callable[[bytes], None], on_lost: Callable[[Exception], None]) -> None:
        """Read `sock` from now on: `on_data(chunk)` for what arrives, `on_lost(error)` once when
        the connection ends or fails (the socket is no longer read then)."""
        sock.setblocking(False)
        with self._lock:
            self._poller.add(sock, partial(self._read, sock, on_data, on_lost))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="console-hub", daemon=True)
                self._thread.start()
        self._wake_out.send(b"\0")  # a poller other than epoll sees new sockets on its next wait

    def remove(self, sock: socket.socket) -> None:
        """Stop reading `sock` (still open: the caller closes it). No callback of it runs after this."""
        with self._lock:
            self._poller.remove(sock)

    def _run(self) -> None:
        while True:
            ready = self._poller.wait(None)
            with self._lock:  # a socket removed meanwhile has no reader left to call
                self._poller.dispatch(ready)

    def _read(self, sock: socket.socket, on_data: Callable[[bytes], None], on_lost: Callable[[Exception], None]) -> None:
        try:
            chunk = sock.recv(READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            self._poller.remove(sock)
            on_lost(error)
            return
        if not chunk:
            self._poller.remove(sock)
            on_lost(ConnectionResetError("the console server closed the connection"))
            return
        try:
            on_data(chunk)
        except Exception:  # one console's fault must not stop every console
            self._poller.remove(sock)
            log.exception("console hub: a console's handler failed; it is no longer read")

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
