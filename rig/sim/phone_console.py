"""The phone's serial console as a terminal-server port: a TCP listener on loopback.

pyserial reaches it as `socket://127.0.0.1:PORT`. Every connected client receives the lines the
phone prints from then on (CRLF line ends, as a serial console sends them); what the client types
is read and ignored. The listener belongs to the terminal server, not to the phone, so it stays
open while the phone is unpowered: the port is just silent.
"""

from __future__ import annotations

import ipaddress
import random
import socket
import threading

GARBAGE_EVERY = 4
"""With garbage on, one noise burst per this many lines on average."""


class ConsoleServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, garbage: bool = False, seed: int = 0,
                 name: str = "") -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"console {name}: refusing to bind non-loopback address {host}")
        self.name = name
        self._requested = (host, port)
        self._garbage = random.Random(seed) if garbage else None
        self._listener: socket.socket | None = None
        self._clients: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._listener is None:
            raise RuntimeError(f"console {self.name} is not started")
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(self._requested)
        listener.listen(8)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, name=f"console-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() below on Linux
            except OSError:
                pass
            listener.close()
        if self._thread is not None:
            self._thread.join(timeout=2)
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

    def write_line(self, text: str) -> None:
        """Send one console line to every connected client; a client that went away is dropped."""
        data = text.encode("utf-8", errors="replace") + b"\r\n"
        if self._garbage is not None and self._garbage.randrange(GARBAGE_EVERY) == 0:
            data = self._noise() + data
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            try:
                client.sendall(data)
            except OSError:
                self._drop(client)

    def _noise(self) -> bytes:
        """Line noise as a flaky serial cable produces it: undecodable bytes, sometimes a line."""
        assert self._garbage is not None
        burst = bytes(self._garbage.choice(b"\x00\x80\xfe\xff\x1b\x93\xc3\x07") for _ in range(self._garbage.randint(1, 12)))
        return burst + (b"\r\n" if self._garbage.random() < 0.5 else b"")

    def _accept(self) -> None:
        while True:
            listener = self._listener
            if listener is None:
                return
            try:
                client, _ = listener.accept()
            except OSError:
                return
            client.settimeout(2.0)  # a client that stops reading must not stall the phone forever
            with self._lock:
                self._clients.append(client)

    def _drop(self, client: socket.socket) -> None:
        with self._lock:
            if client in self._clients:
                self._clients.remove(client)
        client.close()
