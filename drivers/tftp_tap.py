"""A TFTP relay between phones and the CUCM TFTP server that records every file fetched.

TFTP (RFC 1350, options RFC 2347/2348/2349) answers each request from a fresh port, the
transfer ID (TID). The tap does the same on both sides: for every read request (RRQ) it opens
one socket toward the upstream server (so upstream sees a new client TID) and one socket toward
the phone (so the phone sees a proper new server TID), forwards the RRQ with its options
unchanged, relays OACK/DATA/ERROR down and ACK/ERROR up. Retransmissions are relayed as they
come, so each end keeps its own retry logic; the tap only counts each DATA block once.

A transfer ends `ok` when the client acknowledges the short final block; it fails with the
upstream's ERROR (e.g. `File not found`), the client's ERROR, or after `timeout` seconds
without a packet (the client then gets an ERROR too). Write requests are refused with
ERROR 2 (access violation): the tap sits in front of a read-only config server.

One selector thread serves every transfer. Records are kept in the order transfers end.
"""

from __future__ import annotations

import ipaddress
import logging
import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import TracebackType

log = logging.getLogger(__name__)

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6
DEFAULT_BLKSIZE = 512
MAX_PACKET = 65536
SWEEP_S = 0.1
"""How often idle transfers are checked for timeouts and lingering ones closed."""
LINGER_S = 1.0
"""After the final ACK, keep relaying a little while: the last ACK may be lost and resent."""


@dataclass(frozen=True)
class TftpTransfer:
    client: str
    file: str
    bytes: int
    ok: bool
    error: str | None
    started: datetime
    ended: datetime
    content: bytes | None  # kept when bytes <= keep_bytes


def _error_packet(code: int, message: str) -> bytes:
    return struct.pack("!HH", ERROR, code) + message.encode("ascii", "replace") + b"\0"


def _strings(payload: bytes) -> list[str]:
    """NUL-terminated strings of a request or OACK body."""
    return [p.decode("ascii", "replace") for p in payload.split(b"\0")[:-1]]


def _options(pairs: list[str]) -> dict[str, str]:
    return {k.lower(): v for k, v in zip(pairs[0::2], pairs[1::2])}


@dataclass
class _Transfer:
    client: tuple[str, int]
    file: str
    rrq: bytes
    up: socket.socket
    down: socket.socket
    keep_bytes: int
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    server: tuple[str, int] | None = None
    blksize: int = DEFAULT_BLKSIZE
    last_block: int = 0
    final_block: int | None = None
    size: int = 0
    content: bytearray | None = field(default_factory=bytearray)
    last_seen: float = field(default_factory=time.monotonic)
    closed_at: float | None = None  # set when the record is written; sockets linger until then

    def take_data(self, block: int, data: bytes) -> None:
        if block != (self.last_block + 1) & 0xFFFF:
            return  # a retransmitted block
        self.last_block = block
        self.size += len(data)
        if self.content is not None:
            self.content += data
            if len(self.content) > self.keep_bytes:
                self.content = None
        if len(data) < self.blksize:
            self.final_block = block

    def record(self, ok: bool, error: str | None) -> TftpTransfer:
        kept = bytes(self.content) if ok and self.content is not None else None
        return TftpTransfer(self.client[0], self.file, self.size, ok, error, self.started,
                            datetime.now(timezone.utc), kept)


class TftpTap:
    def __init__(
        self,
        listen: tuple[str, int],
        upstream: tuple[str, int],
        *,
        on_transfer: Callable[[TftpTransfer], None] | None = None,
        keep_bytes: int = 262144,
        timeout: float = 5.0,
    ) -> None:
        self.listen = listen
        self.upstream = (socket.gethostbyname(upstream[0]), upstream[1])
        self.on_transfer = on_transfer
        self.keep_bytes = keep_bytes
        self.timeout = timeout
        self._records: list[TftpTransfer] = []
        self._by_client: dict[str, list[TftpTransfer]] = {}
        self._records_lock = threading.Lock()
        self._active: dict[tuple[str, int], _Transfer] = {}
        self._sel: selectors.BaseSelector | None = None
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- public ------------------------------------------------------------------------------
    @property
    def address(self) -> tuple[str, int]:
        if self._sock is None:
            raise RuntimeError("TftpTap is not started")
        host, port = self._sock.getsockname()[:2]
        return host, port

    def transfers(self, client: str | None = None) -> list[TftpTransfer]:
        with self._records_lock:
            return list(self._records if client is None else self._by_client.get(client, ()))

    def start(self) -> None:
        if self._thread is not None:
            return
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(self.listen)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._sock, selectors.EVENT_READ, None)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="tftp-tap", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        for transfer in list(self._active.values()):
            if transfer.closed_at is None:
                self._finish(transfer, False, "tap stopped during the transfer")
            self._close(transfer)
        if self._sel is not None:
            self._sel.close()
            self._sel = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> TftpTap:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- the selector loop -------------------------------------------------------------------------
    def _run(self) -> None:
        assert self._sel is not None
        next_sweep = time.monotonic()
        while not self._stop.is_set():
            for key, _ in self._sel.select(timeout=SWEEP_S):
                try:
                    packet, source = key.fileobj.recvfrom(MAX_PACKET)  # type: ignore[union-attr]
                except OSError:
                    continue  # e.g. ICMP port unreachable reported on a connected socket
                if len(packet) < 4:
                    continue
                if key.data is None:
                    self._request(packet, source)
                else:
                    transfer, side = key.data
                    (self._from_upstream if side == "up" else self._from_client)(transfer, packet, source)
            if time.monotonic() >= next_sweep:
                self._sweep()
                next_sweep = time.monotonic() + SWEEP_S

    def _request(self, packet: bytes, client: tuple[str, int]) -> None:
        assert self._sock is not None
        opcode = struct.unpack("!H", packet[:2])[0]
        if opcode == WRQ:
            self._sock.sendto(_error_packet(2, "Access violation: the TFTP tap is read-only"), client)
            return
        if opcode != RRQ:
            self._sock.sendto(_error_packet(4, "Illegal TFTP operation"), client)
            return
        existing = self._active.get(client)
        if existing is not None and existing.closed_at is not None:
            self._close(existing)  # a new request from a port whose last transfer is lingering
        elif existing is not None:
            if existing.server is None:  # upstream has not answered yet: the RRQ may be lost
                existing.up.sendto(existing.rrq, self.upstream)
            return
        fields = _strings(packet[2:])
        if len(fields) < 2:
            self._sock.sendto(_error_packet(4, "Malformed read request"), client)
            return
        self._open(client, fields[0], packet)

    def _open(self, client: tuple[str, int], file: str, rrq: bytes) -> None:
        assert self._sel is not None and self._sock is not None
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # On loopback, from the upstream's own address: a server that does not bind its replies
        # (the simulated CUCM on 127.0.0.2) answered a request from 127.0.0.1 from 127.0.0.1,
        # which the source check below drops; asked from 127.0.0.2 it answers from 127.0.0.2.
        up.bind((self.upstream[0] if ipaddress.ip_address(self.upstream[0]).is_loopback else "", 0))
        down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        down.bind((self._sock.getsockname()[0], 0))
        down.connect(client)
        transfer = _Transfer(client, file, rrq, up, down, self.keep_bytes)
        self._active[client] = transfer
        self._sel.register(up, selectors.EVENT_READ, (transfer, "up"))
        self._sel.register(down, selectors.EVENT_READ, (transfer, "down"))
        up.sendto(rrq, self.upstream)

    def _from_upstream(self, t: _Transfer, packet: bytes, source: tuple[str, int]) -> None:
        if source[0] != self.upstream[0]:
            return
        if t.server is None:
            t.server = source
        elif source != t.server:
            t.up.sendto(_error_packet(5, "Unknown transfer ID"), source)
            return
        t.last_seen = time.monotonic()
        opcode = struct.unpack("!H", packet[:2])[0]
        if opcode == OACK:
            t.blksize = int(_options(_strings(packet[2:])).get("blksize", DEFAULT_BLKSIZE))
        elif opcode == DATA:
            t.take_data(struct.unpack("!H", packet[2:4])[0], packet[4:])
        elif opcode == ERROR and t.closed_at is None:
            code = struct.unpack("!H", packet[2:4])[0]
            message = _strings(packet[4:] + b"\0")[0].rstrip("\0")
            self._finish(t, False, f"upstream error {code}: {message}")
        self._send(t.down, packet)

    def _from_client(self, t: _Transfer, packet: bytes, source: tuple[str, int]) -> None:
        t.last_seen = time.monotonic()
        if t.server is None:
            return  # nothing to acknowledge yet
        opcode = struct.unpack("!H", packet[:2])[0]
        self._send(t.up, packet, t.server)
        if t.closed_at is not None:
            return
        if opcode == ACK and t.final_block is not None and struct.unpack("!H", packet[2:4])[0] == t.final_block:
            self._finish(t, True, None)
        elif opcode == ERROR:
            message = _strings(packet[4:] + b"\0")[0].rstrip("\0")
            self._finish(t, False, f"client error {struct.unpack('!H', packet[2:4])[0]}: {message}")

    @staticmethod
    def _send(sock: socket.socket, packet: bytes, to: tuple[str, int] | None = None) -> None:
        try:
            sock.send(packet) if to is None else sock.sendto(packet, to)
        except OSError as error:  # the peer's port is gone; the timeout sweep records the failure
            log.debug("tftp tap: send failed: %s", error)

    def _sweep(self) -> None:
        now = time.monotonic()
        for transfer in list(self._active.values()):
            if transfer.closed_at is not None:
                if now - transfer.closed_at > LINGER_S:
                    self._close(transfer)
            elif now - transfer.last_seen > self.timeout:
                who = "upstream did not answer" if transfer.server is None else "no packet"
                reason = f"timeout: {who} for {self.timeout:g} s after {transfer.size} bytes"
                self._send(transfer.down, _error_packet(0, "Transfer timed out at the TFTP tap"))
                self._finish(transfer, False, reason)

    def _finish(self, t: _Transfer, ok: bool, error: str | None) -> None:
        t.closed_at = time.monotonic()
        record = t.record(ok, error)
        with self._records_lock:
            self._records.append(record)
            self._by_client.setdefault(record.client, []).append(record)
        if self.on_transfer is not None:
            try:
                self.on_transfer(record)
            except Exception:  # a faulty observer must not stop the relay for every other phone
                log.exception("tftp tap: on_transfer callback failed for %s", record.file)

    def _close(self, t: _Transfer) -> None:
        self._active.pop(t.client, None)
        for sock in (t.up, t.down):
            if self._sel is not None:
                try:
                    self._sel.unregister(sock)
                except (KeyError, ValueError):
                    pass
            sock.close()
