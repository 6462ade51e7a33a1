"""TFTP packets as the tap reads and writes them (RFC 1350, options RFC 2347/2348/2349).

Apart from `rig.drivers.tftp_tap` so the relay stays under 400 lines. Per block the relay builds
only an ACK (and a DATA header when it cuts upstream's blocks for the phone), with a `Struct`
compiled once, and reads headers by indexing the packet.
"""

from __future__ import annotations

import struct

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6
DEFAULT_BLKSIZE = 512
MAX_PACKET = 65536

HEADER = struct.Struct("!HH")
"""Opcode and block (or error code)."""


def ack(block: int) -> bytes:
    """The ACK of a block numbered from 1 without wrapping (the wire carries it modulo 65536)."""
    return HEADER.pack(ACK, block & 0xFFFF)


def error_packet(code: int, message: str) -> bytes:
    return HEADER.pack(ERROR, code) + message.encode("ascii", "replace") + b"\0"


def error_text(packet: bytes) -> str:
    """`<code>: <message>` of an ERROR packet, whether or not its message is NUL-terminated."""
    message = strings(packet[4:] + b"\0")[0].rstrip("\0")
    return f"{packet[2] << 8 | packet[3]}: {message}"


def strings(payload: bytes) -> list[str]:
    """NUL-terminated strings of a request or OACK body."""
    return [p.decode("ascii", "replace") for p in payload.split(b"\0")[:-1]]


def options(pairs: list[str]) -> dict[str, str]:
    return {k.lower(): v for k, v in zip(pairs[0::2], pairs[1::2])}


def asked_blksize(asked: dict[str, str]) -> int | None:
    """The blksize option of a request's `options`, when it is a valid one (RFC 2348: 8 or more)."""
    value = asked.get("blksize", "")
    return int(value) if value.isdigit() and int(value) >= 8 else None


def with_blksize(packet: bytes, blksize: int) -> bytes:
    """An RRQ or OACK with its blksize option's value replaced; every other byte as it was."""
    fields = packet[2:].split(b"\0")
    first = 2 if packet[1] == RRQ else 0  # an RRQ's options follow its file name and mode
    for i in range(first, len(fields) - 2, 2):
        if fields[i].lower() == b"blksize":
            fields[i + 1] = str(blksize).encode("ascii")
    return packet[:2] + b"\0".join(fields)
