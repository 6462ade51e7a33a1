"""A TFTP relay between phones and the CUCM TFTP server that records every file fetched.

TFTP (RFC 1350, options RFC 2347/2348/2349) answers each request from a fresh port, the
transfer ID (TID). The tap does the same on both sides: for every read request (RRQ) it opens
one socket toward the upstream server (so upstream sees a new client TID) and one socket toward
the phone (so the phone sees a proper new server TID), and forwards the RRQ with its options
unchanged but one: where the path toward upstream carries larger blocks whole (loopback, jumbo
frames; not a 1500-byte Ethernet), it asks upstream for up to 8 of the phone's blocks at once and
cuts them to the phone's size (`upstream_blksize` and rig.drivers.tftp_tap_transfer say when).

It relays by reading ahead: TFTP is lock step (one block in flight), so a relay that waited for
the phone's ACK before acknowledging upstream would make every block pay both hops. Instead the
tap acknowledges each upstream block as it arrives, keeps it, and serves the phone from what it
keeps at the phone's own pace: each side costs one hop, as a direct transfer does. At most
`READ_AHEAD` blocks are kept ahead of the phone; past that the tap acknowledges upstream as the
phone catches up. Upstream's OACK is acknowledged at once and relayed; a phone refusing it with
an ERROR ends the upstream transfer with that ERROR. Each side's losses are repaired on its own
side: upstream resends what the tap did not acknowledge (the tap re-acknowledges duplicates);
the tap resends the phone's unacknowledged block after `timeout / 10` seconds (at most 0.5 s)
or when the phone repeats its previous ACK or its RRQ.

A transfer ends `ok` when the client acknowledges the short final block; it fails with the
upstream's ERROR (e.g. `File not found`, relayed to the phone at once), the client's ERROR, or
after `timeout` seconds without a packet (the client then gets an ERROR too). Write requests
are refused with ERROR 2 (access violation): the tap sits in front of a read-only config server.

Each phone (by its IP) may be routed to an upstream of its own (`route`): a migration moves a
phone from one call-control system to another by changing where the tap relays its next reads;
reads already under way finish where they started.

With `cache_bytes` set, images named by a relayed `.loads` file are read from upstream once and
served to every phone from the tap's memory (rig.drivers.tftp_tap_cache, rig.drivers.tftp_tap_cached);
everything else is relayed as above. The cache serves and learns from the tap's own upstream only:
a phone routed elsewhere is always relayed to its route.

One thread serves every transfer, woken by `rig.drivers.poller` (epoll on Linux); its
sockets are non-blocking, as the poller asks. Records are kept in the order transfers end.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from dataclasses import dataclass
from functools import partial

from rig.drivers.tftp_records import TftpTransfer, TransferLog
from rig.drivers.tftp_tap_packets import (
    ACK, DATA, DEFAULT_BLKSIZE, ERROR, MAX_PACKET, OACK, RRQ, WRQ, ack, asked_blksize, error_packet, error_text, options, strings,
    with_blksize,
)
from rig.drivers.poller import Poller
from rig.drivers.tftp_tap_cache import ImageCache
from rig.drivers.tftp_tap_cached import AWAIT_S, CachedPath, Served, fill_blksize
from rig.drivers.tftp_tap_listen import listening_sockets
from rig.drivers.tftp_tap_transfer import LINGER_S, SWEEP_S, Transfer, larger_blksize, path_mtu

__all__ = ["TftpTap", "TftpTransfer"]  # the record's class is imported from here by its users

log = logging.getLogger(__name__)

READ_AHEAD = 64
"""Blocks kept ahead of the phone (64 x 1428 bytes = 91 KB per transfer, plus one upstream block)."""
RESEND_MAX_S = 0.5
"""Longest wait for the phone's ACK before its block is sent again."""
_NONBLOCKING = getattr(socket, "SOCK_NONBLOCK", 0)
"""Linux: a transfer's sockets are made non-blocking as they are created (no call per socket)."""


@dataclass(frozen=True)
class _Upstream:
    address: tuple[str, int]
    host: str
    """The local address reads toward it are sent from ("" : any)."""
    mtu: int | None
    """Its path MTU, when the tap chooses the block size asked of it."""


class TftpTap(TransferLog):
    """The relay in this process (one poller thread), with TransferLog's constructor."""

    def _prepare(self) -> None:
        self.upstream = (socket.gethostbyname(self.upstream[0]), self.upstream[1])
        self._default = self._upstream(self.upstream)
        self._routes: dict[str, _Upstream] = {}
        """Phone IP -> where its reads go, when not to `upstream` (written by `route`, read by the
        poller thread: one dict assignment each, atomic)."""
        self._down_host = ""  # the listening socket's address once bound: the tap answers phones from it
        self._active: dict[tuple[str, int], Transfer | Served] = {}
        self._poller: Poller | None = None
        self._cached: CachedPath | None = None
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._now = time.monotonic()  # the poller loop's clock, read once per wake-up

    def _upstream(self, address: tuple[str, int]) -> "_Upstream":
        address = (socket.gethostbyname(address[0]), address[1])
        mtu = path_mtu(address) if self.upstream_blksize is None else None
        # On loopback, from the upstream's own address: a server that does not bind its replies
        # (the simulated CUCM on 127.0.0.2) answered a request from 127.0.0.1 from 127.0.0.1,
        # which the source check in _first_answer drops; asked from 127.0.0.2 it answers from there.
        host = address[0] if ipaddress.ip_address(address[0]).is_loopback else ""
        return _Upstream(address, host, mtu)

    # -- public ------------------------------------------------------------------------------
    def route(self, client: str, upstream: tuple[str, int] | None) -> None:
        """Relay the reads `client` (a phone's IP) starts from now on to `upstream`; None: back to
        the tap's own upstream. OSError when `upstream` cannot be resolved."""
        if upstream is None or tuple(upstream) == tuple(self.upstream):
            self._routes.pop(client, None)
        else:
            self._routes[client] = self._upstream(upstream)

    @property
    def address(self) -> tuple[str, int]:
        if self._sock is None:
            raise RuntimeError("TftpTap is not started")
        host, port = self._sock.getsockname()[:2]
        return host, port

    def start(self) -> None:
        if self._thread is not None:
            return
        self._sock = self._listening_socket()
        self._sock.setblocking(False)
        self._down_host = self._sock.getsockname()[0]
        self._poller = Poller()
        self._poller.add(self._sock, self._read_request)
        if self.cache_bytes > 0:
            blksize = partial(fill_blksize, mtu=self._default.mtu, forced=self.upstream_blksize)
            self._cached = CachedPath(self, self._poller, self._image_cache(), self._default.host,
                                      self._down_host, blksize, self._finish)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="tftp-tap", daemon=True)
        self._thread.start()

    def _listening_socket(self) -> socket.socket:
        """The socket phones send their requests to (rig.drivers.tftp_tap_listen; a worker of
        several is handed its own: rig.drivers.tftp_tap_worker)."""
        return listening_sockets(self.listen)[0]

    def _image_cache(self) -> ImageCache:
        """This tap's own (a worker of several shares its images: rig.drivers.tftp_tap_worker)."""
        return ImageCache(self.cache_bytes)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        for transfer in list(self._active.values()):
            if transfer.closed_at is None:
                self._finish(transfer, False, "tap stopped during the transfer")
            self._close(transfer)
        if self._cached is not None:
            self._cached.stop()
            self._cached = None
        if self._poller is not None:
            self._poller.close()
            self._poller = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    # -- the poller loop ---------------------------------------------------------------------------
    def _run(self) -> None:
        """The clock is read once per wake-up, not per packet (timeouts and resends are tenths of
        seconds). While phones wait for an image another worker reads, its file is looked for
        every AWAIT_S."""
        assert self._poller is not None
        wait, dispatch, stopped = self._poller.wait, self._poller.dispatch, self._stop.is_set
        cached, next_sweep = self._cached, 0.0
        while not stopped():
            awaiting = cached is not None and cached.awaited
            ready = wait(AWAIT_S if awaiting else SWEEP_S)
            self._now = now = time.monotonic()
            dispatch(ready)
            if awaiting:
                cached.obtain_awaited()  # type: ignore[union-attr]
            if now >= next_sweep:
                self._sweep()
                next_sweep = now + SWEEP_S

    def _read_request(self) -> None:
        assert self._sock is not None
        try:
            packet, client = self._sock.recvfrom(MAX_PACKET)
        except OSError:
            return
        if len(packet) >= 4:
            self._request(packet, client)

    def _request(self, packet: bytes, client: tuple[str, int]) -> None:
        assert self._sock is not None
        opcode = packet[0] << 8 | packet[1]
        if opcode == WRQ:
            self._sock.sendto(error_packet(2, "Access violation: the TFTP tap is read-only"), client)
            return
        if opcode != RRQ:
            self._sock.sendto(error_packet(4, "Illegal TFTP operation"), client)
            return
        existing = self._active.get(client)
        if existing is not None and existing.closed_at is not None:
            self._close(existing)  # a new request from a port whose last transfer is lingering
        elif isinstance(existing, Served):
            assert self._cached is not None
            self._cached.serve(existing, again=True)
            return
        elif existing is not None:
            existing.resent.append(round(self._now - existing.opened, 3))  # the phone's TFTP timeout
            if existing.server is None:  # upstream has not answered yet: the RRQ may be lost
                existing.up.sendto(existing.rrq, existing.upstream)
            else:  # the phone missed our answer: the OACK or block 1 again (never an OACK it took)
                self._serve(existing, again=True)
            return
        fields = strings(packet[2:])
        if len(fields) < 2:
            self._sock.sendto(error_packet(4, "Malformed read request"), client)
            return
        asked = options(fields[2:])
        # A phone routed to a system of its own (a migration) is always relayed there: the cache
        # fills from the tap's upstream.
        if self._cached is not None and client[0] not in self._routes and self._cached.open(client, fields[0], asked):
            return
        self._open(client, fields[0], packet, asked_blksize(asked), tuple(asked.items()))

    def _open(self, client: tuple[str, int], file: str, rrq: bytes, asked: int | None,
              pairs: tuple[tuple[str, str], ...] = ()) -> None:
        """Relay a new read; `asked`: the phone's blksize option, when it has a valid one; `pairs`:
        every option of its request, kept as evidence."""
        assert self._poller is not None and self._sock is not None
        upstream = self._routes.get(client[0], self._default)
        up, down = self._socket(upstream.host), self._socket(self._down_host)
        down.connect(client)
        larger = larger_blksize(asked, upstream.mtu, self.upstream_blksize)
        if larger is not None:
            rrq = with_blksize(rrq, larger)
        keep = self._cached.keep_bytes(file, self.keep_bytes) if self._cached is not None else self.keep_bytes
        transfer = Transfer(client, file, rrq, up, down, keep, asked if larger is not None else None,
                            options=pairs, opened=self._now, upstream=upstream.address)
        self._active[client] = transfer
        self._poller.add(up, partial(self._from_upstream, transfer))
        self._poller.add(down, partial(self._from_client, transfer))
        up.sendto(rrq, upstream.address)

    @staticmethod
    def _socket(host: str) -> socket.socket:
        """A UDP socket on `host`, non-blocking: the poller's rule (a reader may be called with
        nothing to read)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM | _NONBLOCKING)
        if not _NONBLOCKING:
            sock.setblocking(False)
        sock.bind((host, 0))
        return sock

    def _from_upstream(self, t: Transfer) -> None:
        try:  # recvfrom even once connected: datagrams queued before connect() came from anyone
            packet, source = t.up.recvfrom(MAX_PACKET)
        except OSError:
            return  # e.g. ICMP port unreachable reported on a connected socket
        if len(packet) < 4 or (source != t.server and not self._first_answer(t, source)):
            return
        t.last_seen = self._now
        opcode = packet[0] << 8 | packet[1]
        if opcode == DATA:
            if t.final_block is None and packet[2] << 8 | packet[3] == (t.received + 1) & 0xFFFF:
                t.take_data(packet)
                if t.final_block is not None and self._cached is not None and t.upstream == self._default.address:
                    self._cached.learn(t.file, t.content)  # before the phone has it: its next request may be an image
                self._ack_upstream(t)
                if t.sent == t.acked:  # the phone waits for this block
                    self._serve(t)
            else:  # a block we have: upstream missed our ACK (or we hold it back until the phone reads)
                self._send(t.up, ack(t.up_acked))
        elif opcode == OACK:
            if not t.negotiated:  # upstream repeats it when our ACK is lost: relay it once
                t.negotiate(packet, int(options(strings(packet[2:])).get("blksize", DEFAULT_BLKSIZE)))
                self._serve(t, again=True)
            self._send(t.up, ack(0))  # read ahead: the phone's answer comes later
        elif opcode == ERROR and t.closed_at is None:
            self._finish(t, False, f"upstream error {error_text(packet)}")
            self._send(t.down, packet)

    def _first_answer(self, t: Transfer, source: tuple[str, int]) -> bool:
        """Whether a packet not from `t.server` is upstream's first answer (any other TID is told so)."""
        if source[0] != t.upstream[0]:
            return False
        if t.server is None:
            t.server = source
            t.up.connect(source)  # send() from now on: cheaper per block than sendto()
            return True
        t.up.sendto(error_packet(5, "Unknown transfer ID"), source)
        return False

    def _ack_upstream(self, t: Transfer) -> None:
        """Acknowledge upstream every block received while at most `READ_AHEAD` blocks are kept
        for the phone."""
        if t.received > t.up_acked and len(t.kept) <= READ_AHEAD and t.server is not None:
            t.up_acked = t.received
            self._send(t.up, ack(t.received))

    def _serve(self, t: Transfer, again: bool = False) -> None:
        """Send the phone its next block when it is kept; `again`: what it has not acknowledged."""
        if again and t.oack is not None:
            packet = t.oack
        elif t.oack is None and t.kept and (t.sent == t.acked or (again and t.sent > t.acked)):
            packet, t.sent = t.kept[0], t.acked + 1
        else:
            return
        t.sent_at = self._now
        self._send(t.down, packet)

    def _from_client(self, t: Transfer) -> None:
        try:
            packet = t.down.recv(MAX_PACKET)  # connected to the phone: nobody else gets through
        except OSError:
            return
        if len(packet) < 4:
            return
        t.last_seen = self._now
        if t.server is None or t.closed_at is not None:
            return  # nothing to acknowledge yet, or nothing left to serve
        opcode = packet[0] << 8 | packet[1]
        if opcode == ACK:
            block = packet[2] << 8 | packet[3]
            if t.oack is not None and block == 0:
                t.oack = None
                self._serve(t)
            elif t.sent == t.acked + 1 and block == t.sent & 0xFFFF:
                t.acked = t.sent
                t.kept.popleft()
                if t.acked == t.final_block:
                    self._finish(t, True, None)
                    return
                if t.kept:  # the phone first: it waits for this block, upstream has its own
                    self._serve(t)
                if t.up_acked < t.received:  # upstream waits for the phone to read
                    self._ack_upstream(t)
            elif block == t.acked & 0xFFFF and t.sent > t.acked and self._now - t.sent_at > SWEEP_S:
                self._serve(t, again=True)  # the phone timed out: it lost the block (a mere echo is
                # younger than SWEEP_S and ignored, else each block would go twice from then on)
        elif opcode == ERROR:
            self._finish(t, False, f"client error {error_text(packet)}")
            if t.final_block is None or t.up_acked < t.received:  # upstream is not done
                self._send(t.up, packet)

    @staticmethod
    def _send(sock: socket.socket, packet: bytes) -> None:
        """To a connected socket's peer (the phone, or upstream once it answered)."""
        try:
            sock.send(packet)
        except OSError as error:  # the peer's port is gone; the timeout sweep records the failure
            log.debug("tftp tap: send failed: %s", error)

    def _sweep(self) -> None:
        now = self._now
        resend = min(RESEND_MAX_S, self.timeout / 10)
        for transfer in list(self._active.values()):
            if transfer.closed_at is not None:
                if now - transfer.closed_at > LINGER_S:
                    self._close(transfer)
            elif now - transfer.last_seen > self.timeout:
                silent = isinstance(transfer, Transfer) and transfer.server is None
                who = "upstream did not answer" if silent else "no packet"
                reason = f"timeout: {who} for {self.timeout:g} s after {transfer.size} bytes"
                self._send(transfer.down, error_packet(0, "Transfer timed out at the TFTP tap"))
                self._finish(transfer, False, reason)
            elif now - transfer.sent_at > resend:
                if isinstance(transfer, Transfer):
                    self._serve(transfer, again=True)
                elif transfer.sent > transfer.acked or transfer.oack is not None:
                    assert self._cached is not None
                    self._cached.serve(transfer, again=True)
        if self._cached is not None:
            self._cached.sweep(now, resend)

    def _finish(self, t: Transfer | Served, ok: bool, error: str | None) -> None:
        t.closed_at = time.monotonic()
        record = t.record(ok, error)
        if isinstance(t, Served):
            assert self._cached is not None
            self._cached.ended(t)
        self._keep(record)

    def _close(self, t: Transfer | Served) -> None:
        self._active.pop(t.client, None)
        for sock in t.sockets:
            if self._poller is not None:
                self._poller.remove(sock)
            sock.close()
