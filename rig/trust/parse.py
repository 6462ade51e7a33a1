"""Bytes -> TrustFile, refusing anything that does not follow the format exactly.

The parser is strict on purpose: a phone that meets a malformed ITL shows "Trust List Update
Failed", so rig must say precisely where a file breaks rather than guess around damage.
Every problem is a TrustFileError naming offset and tag.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from datetime import datetime, timezone

from cryptography import x509

from rig.trust.errors import TrustFileError
from rig.trust.model import DIGEST_NAMES, Kind, Signer, TrustFile, TrustRecord, function_name
from rig.trust.tlv import (
    Element,
    HeaderTag,
    RecordTag,
    children,
    decode_string,
    decode_uint,
    iter_elements,
    read_element,
)

MAX_TLV_SIZE = 65536  # phones refuse larger ITL/CTL files (about 39 certificates)
MAX_SGN_SIZE = 16 * 1024 * 1024  # a signed config; anything near this is not one

_TOP_LEVEL = {
    HeaderTag.SIGNERVERSION,
    HeaderTag.SIGNERID,
    HeaderTag.SIGNATUREINFO,
    HeaderTag.SIGNATURE,
    HeaderTag.FILENAME,
    HeaderTag.TIMESTAMP,
}
_CONTAINERS = {
    HeaderTag.SIGNERID: {HeaderTag.SIGNERNAME, HeaderTag.SERIALNUMBER, HeaderTag.CANAME},
    HeaderTag.SIGNATUREINFO: {HeaderTag.DIGESTALGORITHM, HeaderTag.SIGNATUREALGOINFO},
    HeaderTag.SIGNATUREALGOINFO: {HeaderTag.SIGNATUREALGORITHM, HeaderTag.SIGNATUREMODULUS},
}
_REQUIRED_HEADER = (HeaderTag.SERIALNUMBER, HeaderTag.DIGESTALGORITHM, HeaderTag.SIGNATURE, HeaderTag.FILENAME)
_RECORD_TAGS = set(RecordTag) - {RecordTag.RECORDLENGTH}
_FIXED_HEAD = 10  # VERSION (5 bytes) + HEADERLENGTH (5 bytes)


def parse(data: bytes) -> TrustFile:
    """Parse an ITL/CTL .tlv or a signed .sgn file; the kind comes from the header FILENAME."""
    data = bytes(data)
    if len(data) > MAX_SGN_SIZE:
        raise TrustFileError(MAX_SGN_SIZE, None, f"file is {len(data)} bytes, too large for a trust file")
    header_end, found = _read_header(data)
    filename = decode_string(found[HeaderTag.FILENAME])
    kind = _kind(filename, found[HeaderTag.FILENAME])
    if kind == "SGN":
        records: tuple[TrustRecord, ...] = ()
        payload: bytes | None = data[header_end:]
    else:
        if len(data) > MAX_TLV_SIZE:
            raise TrustFileError(
                MAX_TLV_SIZE, None, f"file is {len(data)} bytes; phones load at most {MAX_TLV_SIZE}"
            )
        records = _read_records(data, header_end)
        payload = None
    version = found[HeaderTag.VERSION].value
    digest_code = decode_uint(found[HeaderTag.DIGESTALGORITHM], 1)
    modulus = found.get(HeaderTag.SIGNATUREMODULUS)
    signature = found[HeaderTag.SIGNATURE]
    return TrustFile(
        kind=kind,
        version=f"{version[0]}.{version[1]}",
        filename=filename,
        timestamp=_timestamp(found.get(HeaderTag.TIMESTAMP)),
        signer=Signer(
            name=_optional_string(found.get(HeaderTag.SIGNERNAME)) or "",
            serial=found[HeaderTag.SERIALNUMBER].value.hex(),
            ca_name=_optional_string(found.get(HeaderTag.CANAME)) or "",
        ),
        digest=DIGEST_NAMES.get(digest_code, str(digest_code)),
        signature=signature.value,
        records=records,
        payload=payload,
        raw=data,
        signature_offset=signature.offset,
        signature_modulus=decode_uint(modulus, 1) if modulus is not None else None,
    )


def _read_header(data: bytes) -> tuple[int, dict[int, Element]]:
    """Header end offset and its elements by tag (tags are unique across nesting levels)."""
    version = read_element(data, 0, len(data), "file")
    if version.tag != HeaderTag.VERSION:
        raise TrustFileError(0, version.tag, "file must start with VERSION (tag 1)")
    decode_uint(version, 2)
    length = read_element(data, version.end, len(data), "file")
    if length.tag != HeaderTag.HEADERLENGTH:
        raise TrustFileError(length.offset, length.tag, "VERSION must be followed by HEADERLENGTH (tag 2)")
    header_end = decode_uint(length, 2)
    if not _FIXED_HEAD <= header_end <= len(data):
        raise TrustFileError(length.offset, length.tag, f"header length {header_end} outside the file")
    found: dict[int, Element] = {HeaderTag.VERSION: version}
    top = iter_elements(data, _FIXED_HEAD, header_end, "header", padding_tag=HeaderTag.PADDING)
    _collect(data, top, _TOP_LEVEL, "header", found)
    for tag in _REQUIRED_HEADER:
        if tag not in found:
            raise TrustFileError(header_end, tag, f"header has no {tag.name}")
    return header_end, found


def _collect(data: bytes, elements: Iterable[Element], allowed: set[HeaderTag], scope: str,
             found: dict[int, Element]) -> None:
    for element in elements:
        if element.tag not in allowed:
            raise TrustFileError(element.offset, element.tag, f"unknown tag in the {scope}")
        if element.tag in found:
            raise TrustFileError(element.offset, element.tag, f"tag appears twice in the {scope}")
        found[element.tag] = element
        nested = _CONTAINERS.get(HeaderTag(element.tag))
        if nested is not None:
            name = HeaderTag(element.tag).name
            _collect(data, children(data, element, name), nested, name, found)


def _kind(filename: str, element: Element) -> Kind:
    upper = filename.upper()
    if upper.endswith(".SGN"):
        return "SGN"
    if upper.startswith("ITL"):
        return "ITL"
    if upper.startswith("CTL"):
        return "CTL"
    raise TrustFileError(element.offset, element.tag, f"file name {filename!r} is not ITL*, CTL* or *.sgn")


def _read_records(data: bytes, start: int) -> tuple[TrustRecord, ...]:
    if start == len(data):
        raise TrustFileError(start, None, "no records after the header")
    records = []
    offset = start
    while offset < len(data):
        head = read_element(data, offset, len(data), "file")
        if head.tag != RecordTag.RECORDLENGTH:
            raise TrustFileError(offset, head.tag, "record must start with RECORDLENGTH (tag 1)")
        length = decode_uint(head, 2)
        if length < head.end - offset:
            raise TrustFileError(offset, head.tag, f"record length {length} shorter than its own head")
        if offset + length > len(data):
            raise TrustFileError(offset, head.tag, f"record length {length} past end of file")
        records.append(_read_record(data, offset, head.end, offset + length))
        offset += length
    return tuple(records)


def _read_record(data: bytes, record_offset: int, start: int, end: int) -> TrustRecord:
    found: dict[int, Element] = {}
    for element in iter_elements(data, start, end, "record"):
        if element.tag not in _RECORD_TAGS:
            raise TrustFileError(element.offset, element.tag, "unknown tag in a record")
        if element.tag in found:
            raise TrustFileError(element.offset, element.tag, "tag appears twice in a record")
        found[element.tag] = element
    if RecordTag.FUNCTION not in found:
        raise TrustFileError(record_offset, RecordTag.FUNCTION, "record has no FUNCTION")
    function = decode_uint(found[RecordTag.FUNCTION], 2)
    certificate = _certificate(found.get(RecordTag.CERTIFICATE))
    serial = found.get(RecordTag.SERIALNUMBER)
    key = found.get(RecordTag.PUBLICKEY)
    return TrustRecord(
        function=function,
        function_name=function_name(function),
        subject=_optional_string(found.get(RecordTag.SUBJECTNAME)) or "",
        issuer=_optional_string(found.get(RecordTag.ISSUERNAME)) or "",
        serial=serial.value.hex() if serial is not None else "",
        dns_name=_optional_string(found.get(RecordTag.DNSNAME)),
        ip=_ip(found.get(RecordTag.IPADDRESS)),
        cert_sha1=_cert_sha1(found.get(RecordTag.CERTHASH), found.get(RecordTag.CERTIFICATE)),
        certificate=certificate,
        public_key_der=key.value if key is not None else None,
    )


def _optional_string(element: Element | None) -> str | None:
    return decode_string(element) if element is not None else None


def _timestamp(element: Element | None) -> datetime | None:
    if element is None:
        return None
    return datetime.fromtimestamp(decode_uint(element, 4), tz=timezone.utc)


def _ip(element: Element | None) -> str | None:
    if element is None:
        return None
    return str(ipaddress.IPv4Address(decode_uint(element, 4)))


def _certificate(element: Element | None) -> x509.Certificate | None:
    if element is None:
        return None
    try:
        return x509.load_der_x509_certificate(element.value)
    except ValueError:
        raise TrustFileError(element.offset, element.tag, "certificate is not valid DER X.509") from None


def _cert_sha1(certhash: Element | None, certificate: Element | None) -> str | None:
    if certhash is not None:
        if len(certhash.value) != 20:
            raise TrustFileError(certhash.offset, certhash.tag, f"length {len(certhash.value)}, expected 20")
        return certhash.value.hex()
    if certificate is not None:
        return hashlib.sha1(certificate.value).hexdigest()
    return None
