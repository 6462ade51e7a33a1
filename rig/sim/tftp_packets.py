"""TFTP packets as both ends of the simulator's TFTP build and read them (RFC 1350, RFC 2347)."""

from __future__ import annotations

import struct

DEFAULT_BLKSIZE = 512
"""RFC 1350's block size, used when the server ignores the blksize option."""
MIN_BLKSIZE, MAX_BLKSIZE = 8, 65464
"""RFC 2348's range: an OACK outside it is a failed negotiation."""

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6
FILE_NOT_FOUND, ACCESS_VIOLATION, ILLEGAL_OPERATION, UNKNOWN_TID, FAILED_NEGOTIATION = 1, 2, 4, 5, 8
HEADER = struct.Struct("!HH")


def packet(opcode: int, number: int, payload: bytes = b"") -> bytes:
    """A DATA, ACK or ERROR packet (opcode, block or error code, payload)."""
    return HEADER.pack(opcode, number) + payload


def error_packet(code: int, message: str) -> bytes:
    return packet(ERROR, code, message.encode("ascii") + b"\0")


def request(opcode: int, name: str, options: dict[str, int]) -> bytes:
    """An RRQ (or WRQ) in octet mode with `options` (RFC 2347)."""
    fields = [name, "octet"] + [str(item) for pair in options.items() for item in pair]
    return struct.pack("!H", opcode) + b"".join(f.encode("ascii") + b"\0" for f in fields)


def parse_options(body: bytes) -> dict[str, str]:
    """The name/value pairs of an OACK or request body (names lower-cased, as RFC 2347 allows)."""
    fields = body.split(b"\0")[:-1]
    return {fields[i].decode("ascii", "replace").lower(): fields[i + 1].decode("ascii", "replace")
            for i in range(0, len(fields) - 1, 2)}
