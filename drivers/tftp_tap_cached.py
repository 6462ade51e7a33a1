"""The tap's cached data path: phones served from an image cache entry, and the tap's own read
(the fill) of each image from upstream into it (rig.drivers.tftp_tap_cache says which files).

A fill is a TFTP client of the tap's: it asks upstream for blocks as large as the path carries
whole (or `upstream_blksize`) and the file's size, acknowledges each block as it arrives and keeps
them all, whatever the phones' pace. Every phone asking for the image, the first one included,
is served from the entry as upstream's bytes arrive: its own OACK (the block size it asked for,
capped by what upstream accepted; the size when it asked and upstream told it), then blocks cut
at its block size, each ACK answered with the next block. A phone whose next block upstream has
not sent yet waits in the entry's queue and is served as the block arrives. Upstream's ERROR
(`File not found`) reaches every phone waiting on the fill, and the entry is forgotten. Where
the tap's workers share the cache (rig.drivers.tftp_tap_shared), a new entry is first looked for
in the image another worker read, and its phones wait while another worker is reading it.

Each phone's transfer is recorded as the relayed ones are, with `source` "cache", the bytes it
was sent, their SHA-256 (of the very packets it was sent, hashed once per block size as they were
cut from upstream's bytes) and the SHA-256 of upstream's bytes as they arrived; each
fill is recorded too (`source` "fill", `client` upstream's host), so the records count every byte
read from CUCM.
"""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Any, Protocol

from rig.drivers.poller import Poller
from rig.drivers.tftp_records import TftpTransfer
from rig.drivers.tftp_tap_cache import LOADS_KEEP, Entry, ImageCache, is_load_file
from rig.drivers.tftp_tap_packets import (
    ACK, DATA, DEFAULT_BLKSIZE, ERROR, MAX_PACKET, OACK, RRQ, ack, asked_blksize, error_packet, error_text, options, strings,
)
from rig.drivers.tftp_tap_shared import FILL, WAIT
from rig.drivers.tftp_tap_transfer import HEADERS, LINGER_S, MAX_BLKSIZE, SWEEP_S

AWAIT_S = 0.005
"""How often a worker looks for the file of an image another worker is reading (a file read
and a lock attempt each time, while phones wait for it)."""



class _Tap(Protocol):
    """What the cached path uses of its tap (rig.drivers.tftp_tap.TftpTap)."""

    upstream: tuple[str, int]
    keep_bytes: int
    timeout: float
    _now: float
    _active: dict[tuple[str, int], Any]

    def _socket(self, host: str) -> socket.socket: ...
    def _send(self, sock: socket.socket, packet: bytes) -> None: ...
    def _keep(self, record: TftpTransfer) -> None: ...


@dataclass(eq=False, slots=True)
class Fill:
    """The tap's read of one image from upstream into `entry`."""

    entry: Entry
    up: socket.socket
    rrq: bytes
    server: tuple[str, int] | None = None
    blksize: int = DEFAULT_BLKSIZE
    received: int = 0
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    sent_at: float = field(default_factory=time.monotonic)
    last_seen: float = field(default_factory=time.monotonic)
    ended: bool = False
    ended_at: float = 0.0


@dataclass(eq=False, slots=True)
class Served:
    """One phone's read of a cached image (blocks numbered from 1 without wrapping)."""

    client: tuple[str, int]
    file: str
    entry: Entry
    down: socket.socket
    asked: dict[str, str]
    keep_bytes: int
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    blksize: int = DEFAULT_BLKSIZE
    oack: bytes | None = None
    """The OACK while the phone has not acknowledged it."""
    answered: bool = False
    """The phone was sent its OACK or first block (options are settled)."""
    acked: int = 0
    sent: int = 0
    final_block: int | None = None
    size: int = 0
    packets: list[bytes] = field(default_factory=list)
    """The entry's packets at this phone's block size (cut as upstream's bytes arrive)."""
    sent_at: float = 0.0
    last_seen: float = field(default_factory=time.monotonic)
    closed_at: float | None = None

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return (self.down,)

    def settle_options(self) -> None:
        """The phone's OACK from what it asked and what upstream accepted for the fill (an option
        upstream did not take is left out, RFC 2347); no OACK when none is left."""
        accepted, given = self.entry.options or {}, {}
        blksize = asked_blksize(self.asked)
        if "blksize" in accepted and blksize is not None:
            self.blksize = min(blksize, int(accepted["blksize"]))
            given["blksize"] = str(self.blksize)
        if "tsize" in self.asked and "tsize" in accepted:
            given["tsize"] = accepted["tsize"]
        if given:
            self.oack = OACK.to_bytes(2, "big") + b"".join(f"{k}\0{v}\0".encode("ascii") for k, v in given.items())
        self.packets = self.entry.packets.setdefault(self.blksize, [])
        self.answered = True

    def record(self, ok: bool, error: str | None) -> TftpTransfer:
        """The SHA-256 of what the phone was sent: of every packet at its block size, hashed once
        as they were cut (`Entry.packets_sha256`), or of those it was sent before it failed."""
        entry = self.entry
        content = bytes(entry.data) if ok and self.size <= self.keep_bytes else None
        sent = entry.packets_sha256.get(self.blksize) if ok else None
        if sent is None:
            digest = hashlib.sha256()
            for packet in self.packets[:self.sent]:
                digest.update(memoryview(packet)[4:])
            sent = digest.hexdigest()
        return TftpTransfer(self.client[0], self.file, self.size, ok, error, self.started, datetime.now(timezone.utc),
                            content, options=tuple(self.asked.items()), sha256=sent, upstream_sha256=entry.sha256,
                            source="cache")


def fill_blksize(asked: int | None, mtu: int | None, forced: int | None) -> int | None:
    """The block size a fill asks upstream for: `forced` (the tap's `upstream_blksize`) when set,
    the phone's own when that is 0, else the largest the path MTU carries whole (the phone's own
    where the MTU is unknown)."""
    if forced == 0:
        return asked
    if forced is not None:
        return min(forced, MAX_BLKSIZE)
    return min(mtu - HEADERS, MAX_BLKSIZE) if mtu else asked


class CachedPath:
    """Fills and cache-served phones on the tap's poller, within `tap`'s settings."""

    def __init__(self, tap: _Tap, poller: Poller, cache: ImageCache, up_host: str, down_host: str,
                 blksize: Callable[[int | None], int | None], finish: Callable[[Any, bool, str | None], None]) -> None:
        self.tap, self.poller, self.cache = tap, poller, cache
        self.up_host, self.down_host = up_host, down_host
        self.blksize, self.finish = blksize, finish
        self.fills: dict[Entry, Fill] = {}
        self.lingering: list[Fill] = []
        self.awaited: dict[Entry, dict[str, str]] = {}
        """Entries another worker reads from upstream (rig.drivers.tftp_tap_shared), with the
        options of the first phone that asked."""
        self.next_look = 0.0

    @staticmethod
    def keep_bytes(file: str, keep: int) -> int:
        """Bytes of a relayed file's content to keep: a `.loads` file's whole, to learn from."""
        return max(keep, LOADS_KEEP) if is_load_file(file) else keep

    def learn(self, file: str, content: bytes | bytearray | None) -> None:
        """A relayed file complete from upstream: a `.loads` file's images become cacheable."""
        if is_load_file(file) and content is not None:
            self.cache.learn(bytes(content))

    def open(self, client: tuple[str, int], file: str, asked: dict[str, str]) -> bool:
        """Serve `file` to `client` from the cache when it is a known image; False otherwise."""
        found = self.cache.entry(file)
        if found is None:
            return False
        entry, new = found
        if new:
            self._obtain(entry, asked)
        down = self.tap._socket(self.down_host)
        down.connect(client)
        served = Served(client, file, entry, down, asked, self.tap.keep_bytes)
        entry.readers += 1
        self.tap._active[client] = served
        self.poller.add(down, partial(self._from_phone, served))
        self.serve(served)
        return True

    def _obtain(self, entry: Entry, asked: dict[str, str]) -> None:
        """Fill a new entry: from upstream, or from another worker's read of it (shared cache)."""
        shared = self.cache.shared
        claim = shared.claim(entry.key) if shared is not None else FILL
        if claim == FILL:
            self._start_fill(entry, asked)
        elif claim == WAIT:
            self.awaited[entry] = asked
        else:
            data, accepted = claim
            entry.load(data, accepted)
            self.cache.settle()

    def _start_fill(self, entry: Entry, asked: dict[str, str]) -> None:
        blksize = self.blksize(asked_blksize(asked))
        wanted = {"tsize": "0", **({"blksize": str(blksize)} if blksize else {})}
        rrq = RRQ.to_bytes(2, "big") + b"".join(f"{s}\0".encode("ascii") for s in (
            entry.file, "octet", *(x for pair in wanted.items() for x in pair)))
        up = self.tap._socket(self.up_host)
        fill = Fill(entry, up, rrq)
        self.fills[entry] = fill
        self.poller.add(up, partial(self._from_upstream, fill))
        up.sendto(rrq, self.tap.upstream)

    # -- upstream ------------------------------------------------------------------------------------
    def _from_upstream(self, fill: Fill) -> None:
        try:
            packet, source = fill.up.recvfrom(MAX_PACKET)
        except OSError:
            return
        if len(packet) < 4 or source[0] != self.tap.upstream[0]:
            return
        if fill.ended:  # upstream missed our last ACK: it has it again
            if fill.entry.done and packet[1] == DATA and source == fill.server:
                self.tap._send(fill.up, ack(fill.received))
            return
        if fill.server is None:
            fill.server = source
            fill.up.connect(source)
        elif source != fill.server:
            return
        fill.last_seen = self.tap._now
        opcode, entry = packet[0] << 8 | packet[1], fill.entry
        if opcode == OACK:
            if entry.options is None:
                entry.options = options(strings(packet[2:]))
                fill.blksize = int(entry.options.get("blksize", DEFAULT_BLKSIZE))
                self._wake(entry)
            self.tap._send(fill.up, ack(0))
        elif opcode == DATA:
            if packet[2] << 8 | packet[3] == (fill.received + 1) & 0xFFFF:
                if entry.options is None:
                    entry.options = {}  # upstream took no option: 512-byte blocks, no OACK
                fill.received += 1
                entry.take(memoryview(packet)[4:], len(packet) - 4 < fill.blksize)
            self.tap._send(fill.up, ack(fill.received))
            if entry.done:
                self._end_fill(fill, True, None)
            self._wake(entry)
        elif opcode == ERROR:
            entry.failed = packet
            self._end_fill(fill, False, f"upstream error {error_text(packet)}")
            self._wake(entry)

    def _end_fill(self, fill: Fill, ok: bool, error: str | None) -> None:
        if fill.ended:
            return
        fill.ended = True
        entry = fill.entry
        if not ok:
            entry.failed = entry.failed or error_packet(0, "The TFTP tap's read of the file failed")
            self.cache.drop(entry)
        if self.cache.shared is not None:  # the other workers serve it from its file, or try again
            if ok:
                self.cache.shared.store(entry.key, entry.data, entry.options or {})
            else:
                self.cache.shared.release(entry.key)
        self.fills.pop(entry, None)
        fill.ended_at = self.tap._now
        self.lingering.append(fill)
        self.tap._keep(TftpTransfer(self.tap.upstream[0], entry.file, len(entry.data), ok, error, fill.started,
                                    datetime.now(timezone.utc), None, sha256=entry.sha256,
                                    upstream_sha256=entry.sha256, source="fill"))
        self.cache.settle()

    def _wake(self, entry: Entry) -> None:
        waiting, entry.waiting = entry.waiting, {}
        for served in waiting:
            if served.closed_at is None:
                self.serve(served)

    # -- the phone -----------------------------------------------------------------------------------
    def serve(self, s: Served, again: bool = False) -> None:
        """Send the phone its OACK or next block when upstream has sent it, else queue it on the fill."""
        entry = s.entry
        if entry.failed is not None:
            self.finish(s, False, f"upstream error {error_text(entry.failed)}")
            self.tap._send(s.down, entry.failed)
            return
        if not s.answered:
            if entry.options is None:
                entry.waiting[s] = None
                return
            s.settle_options()
        if s.oack is not None:
            packet = s.oack
        elif s.sent == s.acked or again:
            number = s.acked + 1
            found = entry.packet(s.blksize, number)
            if found is None:
                entry.waiting[s] = None
                return
            packet = found
            if number > s.sent:
                s.sent = number
                s.size += len(packet) - 4
                if len(packet) - 4 < s.blksize:
                    s.final_block = number
        else:
            return
        s.sent_at = self.tap._now
        self.tap._send(s.down, packet)

    def _from_phone(self, s: Served) -> None:
        try:
            packet = s.down.recv(MAX_PACKET)
        except OSError:
            return
        if len(packet) < 4 or s.closed_at is not None:
            return
        s.last_seen = self.tap._now
        opcode, block = packet[0] << 8 | packet[1], packet[2] << 8 | packet[3]
        if opcode == ACK:
            if block == s.sent & 0xFFFF and s.sent == s.acked + 1 and s.oack is None:
                self._next(s)
            elif s.oack is not None and block == 0:
                s.oack = None
                self.serve(s)
            elif block == s.acked & 0xFFFF and s.sent > s.acked and self.tap._now - s.sent_at > SWEEP_S:
                self.serve(s, again=True)  # the phone lost the block (an echo younger than SWEEP_S is not)
        elif opcode == ERROR:
            self.finish(s, False, f"client error {error_text(packet)}")

    def _next(self, s: Served) -> None:
        """The phone acknowledged its block: the next one straight from the entry's packets when
        it is cut already (the path nearly every block takes), else as `serve` finds it."""
        s.acked = number = s.sent
        if number == s.final_block:
            self.finish(s, True, None)
            return
        if number < len(s.packets):
            packet = s.packets[number]
            s.sent = number + 1
            s.size += len(packet) - 4
            if len(packet) - 4 < s.blksize:
                s.final_block = number + 1
            s.sent_at = self.tap._now
            self.tap._send(s.down, packet)
        else:
            self.serve(s)

    def ended(self, s: Served) -> None:
        """A served transfer was recorded: the entry has one reader less."""
        s.entry.readers -= 1
        if s.entry.readers == 0:
            self.cache.settle()

    def sweep(self, now: float, resend: float) -> None:
        """Fills: upstream silent for `timeout` fails the fill (and its phones); an unanswered
        request is sent again."""
        for fill in list(self.fills.values()):
            if now - fill.last_seen > self.tap.timeout:
                who = "upstream did not answer" if fill.server is None else "no packet"
                fill.entry.failed = error_packet(0, "Transfer timed out at the TFTP tap")
                self._end_fill(fill, False, f"timeout: {who} for {self.tap.timeout:g} s after "
                                            f"{len(fill.entry.data)} bytes")
                self._wake(fill.entry)
            elif fill.server is None and now - fill.sent_at > resend:
                fill.sent_at = now
                fill.up.sendto(fill.rrq, self.tap.upstream)
        while self.lingering and (now - self.lingering[0].ended_at > LINGER_S):
            self._close(self.lingering.pop(0))

    def obtain_awaited(self) -> None:
        """Entries another worker was reading: served from its file once there, or read from
        upstream here when that worker gave up; at most every AWAIT_S, however busy the poller."""
        if self.tap._now < self.next_look:
            return
        self.next_look = self.tap._now + AWAIT_S
        for entry, asked in list(self.awaited.items()):
            del self.awaited[entry]
            self._obtain(entry, asked)
            self._wake(entry)

    def _close(self, fill: Fill) -> None:
        self.poller.remove(fill.up)
        fill.up.close()

    def stop(self) -> None:
        for fill in list(self.fills.values()):
            self._end_fill(fill, False, "tap stopped during the transfer")
        for fill in self.lingering:
            self._close(fill)
        self.lingering.clear()
        if self.cache.shared is not None:
            self.cache.shared.close()
