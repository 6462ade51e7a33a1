"""Tests' helper: loopback peers that answer forever, a little at a time (issue 29, M2 and M3).

Each keeps every read of its client short and the answer endless, which is what a per-read
timeout cannot stop. `guarded` runs a call in a thread so a test of a missing bound fails
instead of hanging the suite.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

BYTE_EVERY_S = 0.2
"""How often a trickling peer sends its next byte."""
GUARD_S = 60.0
"""How long `guarded` lets a call run before calling it unbounded: far past any bound under test."""


@dataclass
class Peer:
    port: int
    connections: int = 0
    """Connections accepted so far."""


@contextlib.contextmanager
def trickling_http(head: bytes = b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<",
                   tls: ssl.SSLContext | None = None) -> Iterator[Peer]:
    """A TCP peer on 127.0.0.1 that, to every connection (over TLS with `tls`), sends `head`
    then one byte every BYTE_EVERY_S, forever."""
    stop = threading.Event()
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(BYTE_EVERY_S)
        peer = Peer(server.getsockname()[1])

        def serve() -> None:
            while not stop.is_set():
                try:
                    client, _ = server.accept()
                except TimeoutError:
                    continue
                peer.connections += 1
                threading.Thread(target=_trickle, args=(client, head, stop, tls), daemon=True).start()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield peer
        finally:
            stop.set()
            thread.join()


def _trickle(client: socket.socket, head: bytes, stop: threading.Event, tls: ssl.SSLContext | None) -> None:
    with client:
        data = head
        try:
            if tls is not None:
                client = tls.wrap_socket(client, server_side=True)
            while not stop.wait(BYTE_EVERY_S):
                client.sendall(data[:1] or b"a")
                data = data[1:]
        except OSError:
            return  # the client gave up: what the test waits for


@contextlib.contextmanager
def flooding_http(size: int, head: bytes = b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n") -> Iterator[int]:
    """A TCP peer on 127.0.0.1 that answers one connection `head` and `size` bytes at once."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        def serve() -> None:
            client, _ = server.accept()
            with client:
                try:
                    client.sendall(head + b"x" * size)
                    client.shutdown(socket.SHUT_WR)
                    while client.recv(65536):  # read the request to its end: closing with it unread
                        pass  # would reset the connection, discarding the answer before the client reads it
                except OSError:
                    return  # the client stopped reading: what the test wants

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        yield server.getsockname()[1]


def guarded(call: Callable[[], object]) -> BaseException | None:
    """What `call()` raised (None if it returned), failing the test if it runs past GUARD_S."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(GUARD_S)
    assert outcome, f"still reading after {GUARD_S:g} s: the read has no total bound"
    return outcome[0]
