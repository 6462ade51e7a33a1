"""A loopback TCP server for line protocols (SCPI meter, key actuator board).

Instruments and serial-over-IP boards speak one ASCII line in, at most one line out. This base
owns the sockets, threads and shutdown so each simulated box only says how it answers a line;
an answer() that raises DropConnection closes that client's connection unanswered (a fault).
"""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import threading
from typing import Callable

from rig.sim.box import SimBox
from rig.sim.chaos import DropConnection


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.track(self.connection, add=True)
        try:
            for raw in self.rfile:
                line = raw.decode("ascii", errors="replace").strip()
                if not line:
                    continue
                try:
                    answer = self.server.answer(line)
                except DropConnection:
                    return  # a fault: the connection closes without an answer
                if answer is not None:
                    self.wfile.write(answer.encode("ascii") + b"\n")
        except OSError:
            pass  # the client went away, or stop() shut the connection
        finally:
            self.server.track(self.connection, add=False)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], answer: Callable[[str], str | None]) -> None:
        super().__init__(address, _Handler)
        self.answer = answer
        self._clients: set[socket.socket] = set()
        self._lock = threading.Lock()

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            (self._clients.add if add else self._clients.discard)(conn)

    def drop_clients(self) -> None:
        with self._lock:
            for conn in self._clients:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class LineServer(SimBox):
    """Serve `answer(line) -> reply or None` to any number of TCP clients on a loopback address."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"{type(self).__name__}: refusing to bind non-loopback address {host}")
        self._requested = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    def answer(self, line: str) -> str | None:
        raise NotImplementedError

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        if self._server is not None:
            return
        self._server = _Server(self._requested, self.answer)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(self._server, self._closed),
                                        name=type(self).__name__, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._closed.set()
        try:
            self._server.socket.shutdown(socket.SHUT_RDWR)  # wakes the accept loop at once
        except OSError:
            pass
        self._server.drop_clients()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._server.server_close()
        self._server = None
        self._thread = None

    @staticmethod
    def _serve(server: _Server, closed: threading.Event) -> None:
        """Accept until stop(). handle_request() sleeps until a client connects (or stop() shuts
        the listening socket down), where serve_forever() wakes every poll interval to look for a
        shutdown: the 45 meters and key boards of a 240-phone bench woke 900 times a second."""
        while not closed.is_set():
            server.handle_request()
