"""The loop of the simulator's TFTP server process: RFC 1350 reads with the RFC 2347 option
negotiation for blksize (RFC 2348) and tsize (RFC 2349), served from memory; writes refused.

Written for the simulator rather than run on tftpy's server, because at 240 phones the server
process is busy with every phone's boot at once and tftpy's loop rebuilds its socket list and
walks every open transfer (with a log record each) for every packet: 2.3 s of CPU for the
2,900 transfers of a 240-phone erase. Here one selector holds the listening socket, the
parent's control pipe and one socket per transfer; a transfer is touched only when its client
answers or its resend time comes.

A transfer answers from a socket of its own bound to the server's address (a new transfer ID,
from the address the client asked). The loss fault drops that fraction of the DATA packets
before they are sent; the client recovers with its own retransmissions, and so does the server:
it resends the last DATA after `resend_timeout` of silence, and drops a transfer after
`resend_retries` resends. An OACK is sent once and never resent (tftpy's client takes a
second OACK after its ACK 0 as a fatal error; on loopback the first is never lost).
"""

from __future__ import annotations

import logging
import random
import selectors
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from rig.sim.tftp_packets import (
    ACCESS_VIOLATION, ACK, DATA, DEFAULT_BLKSIZE, ERROR, FILE_NOT_FOUND, ILLEGAL_OPERATION, MAX_BLKSIZE, MIN_BLKSIZE,
    OACK, RRQ, UNKNOWN_TID, WRQ, error_packet, packet, parse_options,
)

log = logging.getLogger(__name__)

Lookup = Callable[[str, str], bytes | None]
"""(file name, client ip) -> content, or None for "File not found". Runs in the server's
process, so it must be picklable (a module-level function or an instance of a module-level class)."""


@dataclass
class _Transfer:
    """One read being served: the blocks still to go and what to resend."""

    sock: socket.socket
    client: tuple[str, int]
    content: bytes
    blksize: int
    block: int = 0  # the last block sent (0: the OACK)
    last: bytes = b""  # the last DATA sent, for a resend (empty while the OACK awaits its ACK 0)
    resends: int = 0
    due: float = field(default=0.0)

    def data(self, number: int) -> bytes:
        start = (number - 1) * self.blksize
        return packet(DATA, number & 0xFFFF, self.content[start:start + self.blksize])

    def finished(self) -> bool:
        """The last DATA sent was short: its ACK ends the transfer."""
        return self.block > 0 and len(self.last) - 4 < self.blksize


class TftpLoop:
    """Serve `lookup(name, client_ip)` on `listener` until `control` says stop (or closes)."""

    def __init__(self, listener: socket.socket, control: Connection, lookup: Lookup, report: Connection, *,
                 loss: float, seed: int, resend_timeout: float, resend_retries: int) -> None:
        self._listener = listener
        self._control = control
        self._lookup = lookup
        self._report = report
        self._loss = loss
        self._rng = random.Random(seed)
        self._timeout = resend_timeout
        self._retries = resend_retries
        self._host = listener.getsockname()[0]
        self._selector = selectors.DefaultSelector()
        self._selector.register(listener, selectors.EVENT_READ)
        self._selector.register(control, selectors.EVENT_READ)

    def run(self) -> None:
        transfers: dict[socket.socket, _Transfer] = {}
        while True:
            now = time.monotonic()
            wait = min((t.due for t in transfers.values()), default=now + 3600) - now
            for key, _ in self._selector.select(max(wait, 0.0)):
                if key.fileobj is self._control:
                    return
                if key.fileobj is self._listener:
                    self._request(transfers)
                else:
                    self._answer(transfers, transfers[key.fileobj])  # type: ignore[index]
            now = time.monotonic()
            for transfer in [t for t in transfers.values() if t.due <= now]:
                self._resend(transfers, transfer)

    def close(self) -> None:
        self._selector.close()

    # -- a new request ----------------------------------------------------------------------
    def _request(self, transfers: dict[socket.socket, _Transfer]) -> None:
        data, client = self._listener.recvfrom(65536)
        if len(data) < 2:
            return
        opcode = int.from_bytes(data[:2], "big")
        if opcode not in (RRQ, WRQ):
            self._listener.sendto(error_packet(ILLEGAL_OPERATION, "Illegal TFTP operation"), client)
            return
        fields = data[2:].split(b"\0")
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # Bound to the server's own address, so the answer comes from the address the client
        # asked, as from a real server (the kernel would pick 127.0.0.1 for another loopback).
        sock.bind((self._host, 0))
        if opcode == WRQ:  # the server only serves: nothing a client sends may replace a file
            self._refuse(sock, client, ACCESS_VIOLATION, "Access violation")
            return
        name = fields[0].decode("ascii", "replace").lstrip("/")
        try:
            content = self._lookup(name, client[0])
        except Exception:  # one bad file must not take the whole server down
            log.exception("TFTP server: building %s for %s failed", name, client[0])
            content = None
        self._report.send((client[0], name, content is not None))
        if content is None:
            self._refuse(sock, client, FILE_NOT_FOUND, "File not found")
            return
        asked = parse_options(b"\0".join(fields[2:]))
        accepted = self._accept(asked, len(content))
        transfer = _Transfer(sock, client, content, int(accepted.get("blksize", DEFAULT_BLKSIZE)))
        transfers[sock] = transfer
        self._selector.register(sock, selectors.EVENT_READ)
        if accepted:
            body = b"".join(f"{k}\0{v}\0".encode("ascii") for k, v in accepted.items())
            sock.sendto(OACK.to_bytes(2, "big") + body, client)
            transfer.due = time.monotonic() + self._timeout
        else:
            self._next(transfer)

    @staticmethod
    def _accept(asked: dict[str, str], size: int) -> dict[str, str]:
        """The options this server takes, with the values it takes them at (unknown ones dropped)."""
        accepted = {}
        if asked.get("blksize", "").isdigit():
            accepted["blksize"] = str(min(max(int(asked["blksize"]), MIN_BLKSIZE), MAX_BLKSIZE))
        if "tsize" in asked:
            accepted["tsize"] = str(size)
        return accepted

    @staticmethod
    def _refuse(sock: socket.socket, client: tuple[str, int], code: int, message: str) -> None:
        sock.sendto(error_packet(code, message), client)
        sock.close()

    # -- a transfer under way -----------------------------------------------------------------
    def _answer(self, transfers: dict[socket.socket, _Transfer], transfer: _Transfer) -> None:
        data, source = transfer.sock.recvfrom(65536)
        if source != transfer.client:
            transfer.sock.sendto(error_packet(UNKNOWN_TID, "Unknown transfer ID"), source)
            return
        if len(data) < 4:
            return
        opcode, number = int.from_bytes(data[:2], "big"), int.from_bytes(data[2:4], "big")
        if opcode == ERROR:
            self._end(transfers, transfer)
        elif opcode == ACK and number == transfer.block & 0xFFFF:
            if transfer.finished():
                self._end(transfers, transfer)
            else:
                self._next(transfer)
        # a duplicate ACK, or anything else, is left to the resend timer

    def _next(self, transfer: _Transfer) -> None:
        transfer.block += 1
        transfer.last = transfer.data(transfer.block)
        transfer.resends = 0
        self._send(transfer)

    def _resend(self, transfers: dict[socket.socket, _Transfer], transfer: _Transfer) -> None:
        transfer.resends += 1
        if transfer.resends > self._retries:
            self._end(transfers, transfer)  # the client went away
        elif transfer.last:
            self._send(transfer)
        else:
            transfer.due = time.monotonic() + self._timeout  # the OACK is not resent

    def _send(self, transfer: _Transfer) -> None:
        if not (self._loss and self._rng.random() < self._loss):
            transfer.sock.sendto(transfer.last, transfer.client)
        transfer.due = time.monotonic() + self._timeout

    def _end(self, transfers: dict[socket.socket, _Transfer], transfer: _Transfer) -> None:
        self._selector.unregister(transfer.sock)
        transfer.sock.close()
        del transfers[transfer.sock]
