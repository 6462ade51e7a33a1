"""One transfer relayed by the TFTP tap, and the block size the tap asks upstream for.

Upstream blocks may be larger than the phone's: TFTP costs its server a wake-up, a read and a
send per block, whatever the block's size, and through a relay that server's pace set the rate
(the read-ahead was nearly always empty: the phone waited for upstream). With tftpy as server
and phone (1428-byte blocks, 2 MB) on a 2-core VM, best of 8 alternating runs, asking upstream
for 8 phone blocks at once took the tap from 8.6 to 19.1 MB/s against 13.5 MB/s direct (0.64 ->
1.41 of a direct transfer), the server's CPU from 0.12-0.14 s to 0.02-0.03 s and the tap's from
67-87 to 36-47 us per phone block. The tap cuts what upstream sends into blocks of the size the
phone negotiated, so the phone sees the transfer it asked for.

Larger blocks must not become IP fragments on a real network (one lost fragment loses the whole
block, and some firewalls drop fragments). So by default the tap asks for more only when the
kernel's path MTU toward upstream (`IP_MTU`, Linux ip(7)) carries at least two of the phone's
blocks in one datagram: on loopback (a simulated CUCM) it does; on an Ethernet LAN of MTU 1500
it does not, and blocks are relayed exactly as they come.
"""

from __future__ import annotations

import socket
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone

from rig.drivers.tftp_records import TftpTransfer
from rig.drivers.tftp_tap_packets import DATA, DEFAULT_BLKSIZE, HEADER, with_blksize

MAX_BLKSIZE = 65464
"""RFC 2348's largest block size."""
MAX_BLOCKS_PER_UPSTREAM = 8
"""At most this many phone blocks per upstream block: measured with 1428-byte phone blocks, tap
CPU per phone block was 52-57 us at 2, 42-45 us at 8, no less at 16 or 40."""
_IP_MTU = 14
"""Linux's getsockopt(IPPROTO_IP, IP_MTU) (ip(7)); Python's socket module does not name it."""
_HEADERS = 20 + 8 + 4
"""IPv4, UDP and TFTP DATA headers."""


def path_mtu(address: tuple[str, int]) -> int | None:
    """The kernel's known path MTU toward `address` (None where it cannot tell)."""
    if not sys.platform.startswith("linux"):
        return None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(address)  # a UDP connect sends nothing
            return probe.getsockopt(socket.IPPROTO_IP, _IP_MTU)
        except OSError:
            return None


def larger_blksize(asked: int | None, mtu: int | None, forced: int | None) -> int | None:
    """The block size to ask upstream for instead of the phone's `asked`; None to ask as it did
    (also when it asked for none: only a phone that negotiates expects the OACK that says so).

    `forced` (the tap's `upstream_blksize` option) when larger than `asked`; else the largest
    multiple of `asked`, at most `MAX_BLOCKS_PER_UPSTREAM`, whose datagram fits in `mtu`, when
    that is at least two of the phone's blocks."""
    if asked is None:
        return None
    if forced is not None:
        return min(forced, MAX_BLKSIZE) if forced > asked else None
    blocks = min(MAX_BLOCKS_PER_UPSTREAM, min(mtu - _HEADERS, MAX_BLKSIZE) // asked) if mtu else 0
    return asked * blocks if blocks >= 2 else None


@dataclass(slots=True)
class Transfer:
    """One relayed read. Blocks are numbered from 1 without wrapping; the wire carries them
    modulo 65536 (`& 0xFFFF`), so files past 65535 blocks relay too. `received` and `up_acked`
    count upstream's blocks; `made`, `acked`, `sent` and `final_block` the phone's."""

    client: tuple[str, int]
    file: str
    rrq: bytes
    """The request as sent upstream (its blksize may be larger than the phone's)."""
    up: socket.socket
    down: socket.socket
    keep_bytes: int
    asked: int | None = None
    """The phone's blksize when the tap asked upstream for more (None: relayed as upstream cuts)."""
    upstream: tuple[str, int] = ("", 0)
    """The server this read is relayed to (the tap's upstream, or the phone's route)."""
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    server: tuple[str, int] | None = None
    blksize: int = DEFAULT_BLKSIZE
    """Upstream's block size (its OACK's, else 512)."""
    phone_blksize: int = DEFAULT_BLKSIZE
    """The phone's block size: upstream's, or `asked` when upstream's is larger (see `negotiate`)."""
    received: int = 0
    """Blocks received from upstream, in order."""
    up_acked: int = 0
    """Highest block acknowledged upstream."""
    made: int = 0
    """Blocks made for the phone."""
    acked: int = 0
    """Highest block the phone acknowledged."""
    sent: int = 0
    """Highest block sent to the phone (`acked` or `acked + 1`: the phone side is lock step)."""
    oack: bytes | None = None
    """The OACK for the phone while it has not acknowledged it (its block 0)."""
    negotiated: bool = False
    """Upstream answered with an OACK."""
    kept: deque[bytes] = field(default_factory=deque)
    """DATA packets for the phone from block `acked + 1` to `made`."""
    cut: bytearray = field(default_factory=bytearray)
    """Upstream's bytes not yet in a phone block (only when upstream's blocks are larger)."""
    sent_at: float = 0.0
    final_block: int | None = None
    size: int = 0
    content: bytearray | None = field(default_factory=bytearray)
    last_seen: float = field(default_factory=time.monotonic)
    closed_at: float | None = None  # set when the record is written; sockets linger until then
    options: tuple[tuple[str, str], ...] = ()
    """The phone's request options as it sent them (before the tap changed its blksize)."""
    opened: float = field(default_factory=time.monotonic)
    resent: list[float] = field(default_factory=list)
    """Seconds after `opened` at which the phone sent its request again (it heard nothing in time)."""

    def negotiate(self, oack: bytes, blksize: int) -> None:
        """Upstream's OACK, and its blksize (512 when it has none): what the phone is told."""
        self.negotiated = True
        self.blksize = self.phone_blksize = blksize
        if self.asked is not None and blksize > self.asked:
            self.phone_blksize = self.asked
            oack = with_blksize(oack, self.asked)
        self.oack = oack

    def take_data(self, packet: bytes) -> None:
        """Keep the next upstream block in order (the caller checked its number)."""
        length = len(packet) - 4
        self.received += 1
        self.size += length
        if self.content is not None:  # copied only while it may still be kept
            if len(self.content) + length > self.keep_bytes:
                self.content = None
            else:
                self.content += memoryview(packet)[4:]
        final = length < self.blksize
        if self.phone_blksize == self.blksize:  # relayed as it came: no copy
            self.made += 1
            self.kept.append(packet)
        else:
            self._cut(packet, final)
        if final:
            self.final_block = self.made

    def _cut(self, packet: bytes, final: bool) -> None:
        """Upstream's bytes in blocks of the phone's size; after upstream's final block, the rest
        as the phone's short final block (empty when the file is a multiple of its block size)."""
        cut, size = self.cut, self.phone_blksize
        cut += memoryview(packet)[4:]
        start = 0
        while len(cut) - start >= size:
            self.made += 1
            self.kept.append(HEADER.pack(DATA, self.made & 0xFFFF) + cut[start:start + size])
            start += size
        del cut[:start]
        if final:
            self.made += 1
            self.kept.append(HEADER.pack(DATA, self.made & 0xFFFF) + cut)
            cut.clear()

    def record(self, ok: bool, error: str | None) -> TftpTransfer:
        kept = bytes(self.content) if ok and self.content is not None else None
        return TftpTransfer(self.client[0], self.file, self.size, ok, error, self.started,
                            datetime.now(timezone.utc), kept, self.options, tuple(self.resent))
