"""The tap's image cache: each firmware image read from CUCM once, served to every phone.

Cisco's "Firmware Distribution Methods" white paper names the TFTP server's CPU as the limit of
mass upgrades: every phone reads every image of its load from CUCM (9.57 MB a 7942, five
images). Through the tap, one read can serve them all. Which files are images is learnt from the
load files the tap relays: a phone reads its load's `.loads` file before the images it lists, and
every name in it (a token with an extension, `apps42.9-4-2ES26.sbn`) becomes cacheable. A real
`.loads` file is signed and its layout is unconfirmed; the tap assumes only that it carries the
image names as ASCII, which the simulator's text format does. Per-phone files (ITL, CTL, the
phone's `SEP<MAC>` config, anything signed `.sgn`, `.tlv`, `.xml`, `.cnf`) are never cached,
whatever a load file names, and the `.loads` file itself is always relayed fresh.

Staleness: an entry is keyed by the image's name and the SHA-256 of the `.loads` file that named
it, as last relayed. Every phone's `.loads` fetch goes to CUCM; when its content changes (a new
load, or the same load id with other images), the images it names are read from CUCM again under
the new key and the old entries are never served for it (they age out). An image replaced on
CUCM under an unchanged `.loads` file is not seen: that load is inconsistent on CUCM itself (the
`.loads` file lists its images' sizes and hashes in the simulator's format; a real one is
signed), and every record still carries the SHA-256 of what its phone got (`TftpTransfer.sha256`)
beside that of what CUCM sent (`upstream_sha256`), so a report can prove or disprove the match.

The cache is bounded (`limit` bytes, counting an image's bytes and the packets cut from them for
each block size phones asked for); past it the least recently used entry nobody is reading is
dropped, and an image that cannot fit is served to the phones already reading it, then dropped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from rig.drivers.tftp_tap_packets import DATA, HEADER
from rig.drivers.tftp_tap_shared import SharedImages

LOADS_KEEP = 1 << 20
"""Bytes of a `.loads` file kept to learn its image names (a real one is a few KB)."""
_NAME = re.compile(rb"(?<![\w.+-])\w[\w.+-]*\.\w+(?![\w.+-])")
_PER_PHONE = re.compile(r"^(itl|ctl|sep)|\.(sgn|tlv|xml|cnf|loads)$", re.IGNORECASE)


def image_names(content: bytes) -> set[str]:
    """The file names a `.loads` file's bytes carry (lower case), per-phone names left out."""
    names = {match.decode("ascii").lower() for match in _NAME.findall(content)}
    return {name for name in names if not _PER_PHONE.search(name)}


def is_load_file(name: str) -> bool:
    return name.lower().endswith(".loads")


@dataclass(eq=False, slots=True)
class Entry:
    """One image as read from upstream: complete once `done`, or failed with upstream's ERROR."""

    file: str
    key: tuple[str, str]
    data: bytearray = field(default_factory=bytearray)
    done: bool = False
    failed: bytes | None = None
    """The ERROR packet every reader relays to its phone."""
    options: dict[str, str] | None = None
    """Upstream's accepted options ({} when it answered with DATA: no options); None: no answer yet."""
    sha256: str | None = None
    digest: Any = field(default_factory=hashlib.sha256)
    packets: dict[int, list[bytes]] = field(default_factory=dict)
    """DATA packets cut for each phone block size, built once and sent to every phone."""
    packet_digests: dict[int, Any] = field(default_factory=dict)
    packets_sha256: dict[int, str] = field(default_factory=dict)
    """SHA-256 of the payloads of `packets[blksize]` in order, once the last is cut: what every
    phone served at that block size is sent (the very same packet objects)."""
    waiting: dict[Any, None] = field(default_factory=dict)
    """Phones whose next block (or OACK) upstream has not sent yet, in the order they asked."""
    readers: int = 0
    """Phones being served from this entry."""
    used: int = 0

    def load(self, data: bytes, options: dict[str, str]) -> None:
        """The whole image as another worker read it from upstream (rig.drivers.tftp_tap_shared)."""
        self.options = options
        self.take(data, True)

    def take(self, payload: bytes | memoryview, final: bool) -> None:
        """Upstream's next block."""
        self.data += payload
        self.digest.update(payload)
        if final:
            self.done, self.sha256 = True, self.digest.hexdigest()

    def packet(self, blksize: int, number: int) -> bytes | None:
        """The phone's DATA block `number` (from 1) at `blksize`; None while upstream has not sent it."""
        packets = self.packets.setdefault(blksize, [])
        if number <= len(packets):
            return packets[number - 1]
        data, done = self.data, self.done
        digest = self.packet_digests.setdefault(blksize, hashlib.sha256())
        last = len(data) // blksize + 1 if done else len(data) // blksize
        while len(packets) < min(number, last):
            n = len(packets) + 1
            payload = data[(n - 1) * blksize:n * blksize]
            digest.update(payload)
            packets.append(HEADER.pack(DATA, n & 0xFFFF) + payload)
        if done and len(packets) == last:
            self.packets_sha256[blksize] = digest.hexdigest()
        return packets[number - 1] if number <= len(packets) else None

    @property
    def held(self) -> int:
        """Bytes this entry keeps in memory."""
        return len(self.data) + sum(len(p) for packets in self.packets.values() for p in packets)


class ImageCache:
    """Which names are images (learnt from `.loads` files) and their entries, within `limit` bytes."""

    def __init__(self, limit: int, shared: SharedImages | None = None) -> None:
        self.limit = limit
        self.shared = shared
        """The workers' shared names and images (rig.drivers.tftp_tap_shared); None: this tap's alone."""
        self._named: dict[str, str] = {}
        """Image name (lower case) -> SHA-256 of the `.loads` file that last named it."""
        self._entries: dict[tuple[str, str], Entry] = {}
        self._clock = 0

    def learn(self, loads: bytes) -> None:
        """A `.loads` file relayed in full: its images are cacheable under its content's hash."""
        digest, names = hashlib.sha256(loads).hexdigest(), image_names(loads)
        for name in names:
            self._named[name] = digest
        if self.shared is not None:
            self.shared.publish(digest, names)

    def entry(self, file: str) -> tuple[Entry, bool] | None:
        """The entry serving `file` and whether it is new (the caller fills it from upstream);
        None when `file` is not a known image."""
        if self.limit <= 0:
            return None
        digest = self._named.get(file.lower()) if self.shared is None else self.shared.named(file.lower())
        if digest is None:
            return None
        key = (file.lower(), digest)
        self._clock += 1
        found = self._entries.get(key)
        if found is not None and found.failed is None:
            found.used = self._clock
            return found, False
        created = Entry(file, key, used=self._clock)
        self._entries[key] = created
        return created, True

    def drop(self, entry: Entry) -> None:
        """Forget `entry` (its readers keep it until they end)."""
        if self._entries.get(entry.key) is entry:
            del self._entries[entry.key]

    def settle(self) -> None:
        """Within the limit again: drop an image that alone is over it (others are not evicted for
        it), then the least recently used entries no phone is reading, then, if still over,
        finished ones still being read (served to their readers, then gone)."""
        for entry in [e for e in self._entries.values() if e.done and e.held > self.limit]:
            self.drop(entry)
        held = sum(e.held for e in self._entries.values())
        for idle_only in (True, False):
            for entry in sorted(self._entries.values(), key=lambda e: e.used):
                if held <= self.limit:
                    return
                if entry.done and (entry.readers == 0 or not idle_only):
                    held -= entry.held
                    self.drop(entry)
