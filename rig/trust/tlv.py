"""Low-level element codec for Cisco trust files.

An element is tag (1 byte), length (u16 big-endian), value. The one exception is PADDING
(header tag 13): a bare byte with no length, used to bring the header to a multiple of 4.
Containers (SIGNERID, SIGNATUREINFO, SIGNATUREALGOINFO) are ordinary elements whose value is a
run of nested elements, so one reader serves every nesting level.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

from rig.trust.errors import TrustFileError

HEAD_SIZE = 3  # tag + u16 length


class HeaderTag(IntEnum):
    VERSION = 1
    HEADERLENGTH = 2
    SIGNERID = 3
    SIGNERNAME = 4
    SERIALNUMBER = 5
    CANAME = 6
    SIGNATUREINFO = 7
    DIGESTALGORITHM = 8
    SIGNATUREALGOINFO = 9
    SIGNATUREALGORITHM = 10
    SIGNATUREMODULUS = 11
    SIGNATURE = 12
    PADDING = 13
    FILENAME = 14
    TIMESTAMP = 15
    SIGNERVERSION = 28  # written by some CUCM releases (and public tools) after HEADERLENGTH


class RecordTag(IntEnum):
    RECORDLENGTH = 1
    DNSNAME = 2
    SUBJECTNAME = 3
    FUNCTION = 4
    ISSUERNAME = 5
    SERIALNUMBER = 6
    PUBLICKEY = 7
    SIGNATURE = 8
    CERTIFICATE = 9
    IPADDRESS = 10
    CERTHASH = 11
    HASHALGORITHM = 12


@dataclass(frozen=True)
class Element:
    """One decoded element; `offset` is where its tag byte sits in the whole file."""

    tag: int
    offset: int
    value: bytes

    @property
    def value_offset(self) -> int:
        return self.offset + HEAD_SIZE

    @property
    def end(self) -> int:
        return self.value_offset + len(self.value)


def read_element(data: bytes, offset: int, end: int, scope: str) -> Element:
    """The element starting at `offset`, which must lie wholly before `end` (the end of `scope`)."""
    if offset >= end:
        raise TrustFileError(offset, None, f"element expected, {scope} ends here")
    tag = data[offset]
    if offset + HEAD_SIZE > end:
        raise TrustFileError(offset, tag, f"element head cut short by the end of the {scope}")
    (length,) = struct.unpack_from(">H", data, offset + 1)
    if offset + HEAD_SIZE + length > end:
        raise TrustFileError(offset, tag, f"length {length} past end of {scope}")
    return Element(tag, offset, data[offset + HEAD_SIZE : offset + HEAD_SIZE + length])


def iter_elements(
    data: bytes, start: int, end: int, scope: str, *, padding_tag: int | None = None
) -> Iterator[Element]:
    """Every element in data[start:end]; single padding bytes are skipped when `padding_tag` is set."""
    offset = start
    while offset < end:
        if padding_tag is not None and data[offset] == padding_tag:
            offset += 1
            continue
        element = read_element(data, offset, end, scope)
        yield element
        offset = element.end


def children(data: bytes, container: Element, scope: str) -> Iterator[Element]:
    """The elements nested in a container element."""
    return iter_elements(data, container.value_offset, container.end, scope)


def encode(tag: int, value: bytes) -> bytes:
    if len(value) > 0xFFFF:
        raise ValueError(f"tag {tag}: value of {len(value)} bytes does not fit a u16 length")
    return struct.pack(">BH", tag, len(value)) + value


def encode_u16(tag: int, number: int) -> bytes:
    return encode(tag, struct.pack(">H", number))


def encode_string(tag: int, text: str) -> bytes:
    """Strings are UTF-8 ending in NUL; the length counts the NUL."""
    return encode(tag, text.encode("utf-8") + b"\0")


def decode_string(element: Element) -> str:
    raw = element.value
    if not raw.endswith(b"\0") or b"\0" in raw[:-1]:
        raise TrustFileError(element.offset, element.tag, "string is not a single NUL-terminated value")
    try:
        return raw[:-1].decode("utf-8")
    except UnicodeDecodeError as error:
        raise TrustFileError(element.offset, element.tag, f"string is not UTF-8 ({error.reason})") from None


def decode_uint(element: Element, size: int) -> int:
    if len(element.value) != size:
        raise TrustFileError(element.offset, element.tag, f"length {len(element.value)}, expected {size}")
    return int.from_bytes(element.value, "big")
