"""Real UDP TFTP (tftpy: RFC 1350 with blksize/tsize) for the simulator: a server that serves
files from memory, and the download a phone does.

tftpy's `listen()` blocks, so the server runs in its own thread and the bound port is read once
it is listening. Packet loss is injected per transfer by standing in for that transfer's socket
(`_DroppingSocket`), so only this server's DATA packets are lost and the client has to recover
with its own retransmissions, as it would on a bad link.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import random
import tempfile
import threading
from collections.abc import Callable
from typing import Any

import tftpy

log = logging.getLogger(__name__)
# tftpy logs every File not found and retransmission at ERROR/WARNING; without a handler of its
# own those would go to Python's last-resort stderr handler. Applications that configure logging
# still receive them.
logging.getLogger("tftpy").addHandler(logging.NullHandler())

RESEND_TIMEOUT = 0.1
"""Real seconds of silence before the server resends its last packet (also its poll period)."""
RESEND_RETRIES = 50
"""Resends before a transfer whose client went away is dropped (about 5 s)."""
_DATA_OPCODE = b"\x00\x03"

CLIENT_BLKSIZE = 1428
"""What a 7942 asks for: the largest block that fits a 1500-byte Ethernet frame."""

Lookup = Callable[[str, str], bytes | None]
"""(file name, client ip) -> content, or None for "File not found"."""


class _DroppingSocket:
    """One transfer's socket, losing a fraction of the DATA packets it sends."""

    def __init__(self, sock: Any, loss: float, rng: random.Random) -> None:
        self._sock = sock
        self._loss = loss
        self._rng = rng

    def sendto(self, data: bytes, address: tuple[str, int]) -> int:
        if data[:2] == _DATA_OPCODE and self._rng.random() < self._loss:
            return len(data)
        return self._sock.sendto(data, address)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class MemoryTftpServer:
    """Serve `lookup(name, client_ip)` over TFTP on a loopback address; log every request."""

    def __init__(self, lookup: Lookup, *, host: str = "127.0.0.1", port: int = 0, loss: float = 0.0,
                 seed: int = 1) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"TFTP server: refusing to bind non-loopback address {host}")
        if not 0.0 <= loss < 1.0:
            raise ValueError(f"TFTP server: loss must be in [0, 1), not {loss}")
        self._lookup = lookup
        self._host, self._port = host, port
        self._loss = loss
        self._rng = random.Random(seed)
        self._requests: list[tuple[str, str, bool]] = []
        self._lock = threading.Lock()
        self._root: tempfile.TemporaryDirectory[str] | None = None
        self._server: tftpy.TftpServer | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None or self._server.listenport is None:
            raise RuntimeError("TFTP server is not started")
        return self._host, int(self._server.listenport)

    @property
    def requests(self) -> list[tuple[str, str, bool]]:
        """(client ip, file name, found) for every read request, oldest first."""
        with self._lock:
            return list(self._requests)

    def start(self) -> None:
        # tftpy insists on a root directory; an empty one makes every name go to the lookup.
        self._root = tempfile.TemporaryDirectory(prefix="rig-sim-tftp-")
        self._server = tftpy.TftpServer(self._root.name, dyn_file_func=self._open)
        self._thread = threading.Thread(target=self._listen, name=f"tftp-{self._host}", daemon=True)
        self._thread.start()
        while not self._server.is_running.wait(0.05):
            if not self._thread.is_alive():
                raise RuntimeError(f"TFTP server could not listen on {self._host}:{self._port}: {self._failure}")

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.stop(now=True)
            self._thread.join(timeout=5)
        if self._root is not None:
            self._root.cleanup()
        self._server = self._thread = self._root = None

    def _listen(self) -> None:
        assert self._server is not None
        try:
            self._server.listen(self._host, self._port, timeout=RESEND_TIMEOUT, retries=RESEND_RETRIES)
        except BaseException as error:  # reported by start(); the thread must not die silently
            self._failure = error

    def _open(self, path: str, raddress: str = "", rport: int = 0) -> io.BytesIO | None:
        name = path.lstrip("/")
        try:
            content = self._lookup(name, raddress)
        except Exception:  # one bad file must not take the whole server down
            log.exception("TFTP server: building %s for %s failed", name, raddress)
            content = None
        with self._lock:
            self._requests.append((raddress, name, content is not None))
        if content is None:
            return None
        self._adjust_session(f"{raddress}:{rport}")
        return io.BytesIO(content)

    def _adjust_session(self, key: str) -> None:
        """Tune the transfer tftpy just created for this request (tftpy 0.8 keys them "ip:port").

        tftpy 0.8.7 does not pass the server's `flock` on to its transfers and would try to
        flock() our in-memory file when the transfer ends, killing the server loop: turn it off.
        """
        assert self._server is not None
        session = self._server.sessions[key]
        session.flock = False
        if self._loss:
            session.sock = _DroppingSocket(session.sock, self._loss, self._rng)


def download(host: str, port: int, name: str, *, localip: str, timeout: float, retries: int) -> bytes:
    """Fetch `name` into memory from the phone's own address `localip` (so a relay can tell phones
    apart). Raises tftpy.TftpTimeout, tftpy.TftpFileNotFoundError or another tftpy.TftpException."""
    out = io.BytesIO()
    client = tftpy.TftpClient(host, port, options={"blksize": CLIENT_BLKSIZE}, localip=localip)
    client.download(name, out, timeout=timeout, retries=retries)
    return out.getvalue()
