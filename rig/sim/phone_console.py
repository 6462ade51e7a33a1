"""The phone's serial console as a terminal-server port: a TCP listener on loopback.

pyserial reaches it as `socket://127.0.0.1:PORT`. Every client whose connection is established
receives the lines the phone prints from then on (CRLF line ends, as a serial console sends
them); what a client types is never read (the phone's debug shell is not simulated), and a client
that went away is noticed at the next line sent to it. The listener belongs to the terminal
server, not to the phone, so it stays open while the phone is unpowered: the port is just silent.

There is no accept thread: pending connections are accepted just before each line is sent. So a
client connected before a line is printed always gets it, and 240 phones cost no threads here.
"""

from __future__ import annotations

import ipaddress
import random
import socket
import threading

GARBAGE_EVERY = 4
"""With garbage on, one noise burst per this many lines on average."""
SEND_TIMEOUT = 2.0
"""Real seconds a client may stall a line before it is dropped (the phone must not hang on it)."""
BACKLOG = 64


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
        listener.listen(BACKLOG)
        listener.setblocking(False)
        self._listener = listener

    def stop(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            clients, self._clients = self._clients, []
        for sock in [*clients, *([listener] if listener else [])]:
            sock.close()

    def write_line(self, text: str) -> None:
        """Send one console line to every connected client."""
        data = text.encode("utf-8", errors="replace") + b"\r\n"
        if self._garbage is not None and self._garbage.randrange(GARBAGE_EVERY) == 0:
            data = self._noise() + data
        with self._lock:
            self._accept_pending()
            for client in list(self._clients):
                try:
                    client.sendall(data)
                except OSError:
                    self._clients.remove(client)
                    client.close()

    def _accept_pending(self) -> None:
        """(lock held) Take every connection the kernel has completed since the last line."""
        if self._listener is None:
            return
        while True:
            try:
                client, _ = self._listener.accept()
            except (BlockingIOError, OSError):
                return
            client.setblocking(True)
            client.settimeout(SEND_TIMEOUT)
            self._clients.append(client)

    def _noise(self) -> bytes:
        """Line noise as a flaky serial cable produces it: undecodable bytes, sometimes a line."""
        assert self._garbage is not None
        size = self._garbage.randint(1, 12)
        burst = bytes(self._garbage.choice(b"\x00\x80\xfe\xff\x1b\x93\xc3\x07") for _ in range(size))
        return burst + (b"\r\n" if self._garbage.random() < 0.5 else b"")
