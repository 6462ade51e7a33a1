"""Test material for rig.trust: certificates, and an ITL/CTL/.sgn writer independent of rig's.

The hand-rolled writer exists so the parser is not only checked against its own builder: it
follows the format facts (docs/design.md, "Trust files") with different, equally legal choices - header
elements in another order, padding in the middle of the header, signer serial written with a
DER sign byte, records without PUBLICKEY/CERTHASH or with only a SubjectPublicKeyInfo key.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from rig.trust import RecordSpec, build_itl

NOT_BEFORE = datetime(2024, 1, 1, tzinfo=timezone.utc)
FIXED_TIME = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Identity:
    """A certificate with its private key, as a CUCM node holds it."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def serial_hex(self) -> str:
        return f"{self.cert.serial_number:x}"


@functools.cache
def _key(label: str) -> rsa.RSAPrivateKey:
    """One RSA key per label for the whole test session: key generation is the slow part."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def identity(common_name: str, serial: int) -> Identity:
    """A self-signed certificate; serials with the top bit set exercise DER sign bytes."""
    key = _key(common_name)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Lab"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
    ])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_BEFORE + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return Identity(cert, key)


def callmanager() -> Identity:
    """The TFTP node's CallManager certificate: SAST and CCM+TFTP before CUCM 12."""
    return identity("cucm-pub.lab.example", 0x9A3F1C2B4D5E6F708192A3B4C5D6E7F8)


def tvs() -> Identity:
    return identity("cucm-pub-tvs.lab.example", 0x1234ABCD)


def capf() -> Identity:
    return identity("CAPF-1a2b3c4d", 0x00C0FFEE)


def rogue() -> Identity:
    """A key the phone has never seen."""
    return identity("rogue-tftp.example", 0x0BADC0DE0BADC0DE)


def itl_specs() -> list[RecordSpec]:
    """The records of a pre-CUCM-12 ITL, as specs for rig's own builder."""
    cm = callmanager()
    return [
        RecordSpec("SAST", cm.cert),
        RecordSpec("CCM+TFTP", cm.cert, ip="127.0.0.10", dns_name="cucm-pub.lab.example"),
        RecordSpec("TVS", tvs().cert, ip="127.0.0.10"),
        RecordSpec("CAPF", capf().cert),
    ]


def built_itl(digest: str = "sha1", *, signer: Identity | None = None,
              sign_key: rsa.RSAPrivateKey | None = None) -> bytes:
    """The same ITL as `hand_rolled_itl`, written by rig's builder."""
    signer = signer or callmanager()
    return build_itl(itl_specs(), signer_cert=signer.cert, signer_key=sign_key or signer.key,
                     filename="ITLSEP001D705F9EA8.tlv", digest=digest, timestamp=FIXED_TIME)


# ---- independent writer ------------------------------------------------------------------

_HASH_FOR_CODE = {1: hashes.SHA1, 2: hashes.SHA256, 3: hashes.SHA512}


def element(tag: int, value: bytes) -> bytes:
    """tag, u16 big-endian length, value."""
    return bytes([tag]) + struct.pack(">H", len(value)) + value


def _text(tag: int, text: str) -> bytes:
    return element(tag, text.encode() + b"\x00")


def _name(name: x509.Name) -> str:
    return ";".join(f"{attribute.oid._name}={attribute.value}" for attribute in name)


def _der_serial(cert: x509.Certificate) -> bytes:
    """Serial as its DER INTEGER content: a leading 00 when the top bit is set."""
    number = cert.serial_number
    return number.to_bytes(number.bit_length() // 8 + 1, "big")


def _minimal_serial(cert: x509.Certificate) -> bytes:
    number = cert.serial_number
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


@dataclass(frozen=True)
class HandRecord:
    function: int
    cert: x509.Certificate
    ip: str | None = None
    dns: str | None = None
    key_only: bool = False  # PUBLICKEY (SubjectPublicKeyInfo) instead of CERTIFICATE


def _record(record: HandRecord) -> bytes:
    body = element(4, struct.pack(">H", record.function))
    if record.key_only:
        spki = record.cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        body += element(7, spki)
    else:
        body += element(9, record.cert.public_bytes(serialization.Encoding.DER))
    body += element(6, _minimal_serial(record.cert))
    body += _text(3, _name(record.cert.subject)) + _text(5, _name(record.cert.issuer))
    if record.ip:
        body += element(10, bytes(int(part) for part in record.ip.split(".")))
    if record.dns:
        body += _text(2, record.dns)
    return element(1, struct.pack(">H", 5 + len(body))) + body


def hand_rolled(filename: str, *, signer: x509.Certificate, sign_key: rsa.RSAPrivateKey,
                records: list[HandRecord] | None = None, payload: bytes = b"", digest_code: int = 1,
                timestamp: datetime = FIXED_TIME) -> bytes:
    """A signed .tlv (when `records` is given) or .sgn (`payload`) written without rig's code.

    An unsupported `digest_code` is written as is and signed with SHA-256."""
    early = _text(14, filename) + element(15, struct.pack(">I", int(timestamp.timestamp())))
    signer_id = element(3, element(5, _der_serial(signer)) + _text(4, _name(signer.subject)) + _text(6, _name(signer.issuer)))
    algo_info = element(9, element(11, bytes([2])) + element(10, bytes([0])))
    signature_info = element(7, algo_info + element(8, bytes([digest_code])))
    signature_size = sign_key.key_size // 8
    fixed = 10 + len(early) + len(signer_id) + len(signature_info) + 3 + signature_size
    padding_bytes = b"\x0d" * (-fixed % 4)
    header_length = fixed + len(padding_bytes)
    start = element(1, bytes([1, 2])) + element(2, struct.pack(">H", header_length))
    before_signature = start + early + padding_bytes + signer_id + signature_info
    body = b"".join(_record(record) for record in records) if records is not None else payload
    hash_type = _HASH_FOR_CODE.get(digest_code, hashes.SHA256)
    signature = sign_key.sign(before_signature + body, padding.PKCS1v15(), hash_type())
    return before_signature + element(12, signature) + body


def hand_rolled_itl(digest_code: int = 1, *, signer: Identity | None = None, sign_key: rsa.RSAPrivateKey | None = None,
                    filename: str = "ITLSEP001D705F9EA8.tlv") -> bytes:
    """A typical pre-CUCM-12 ITL: CallManager as SAST and CCM+TFTP, plus TVS and CAPF."""
    cm = callmanager()
    signer = signer or cm
    records = [
        HandRecord(0, cm.cert),
        HandRecord(2, cm.cert, ip="127.0.0.10", dns="cucm-pub.lab.example"),
        HandRecord(21, tvs().cert, ip="127.0.0.10"),
        HandRecord(4, capf().cert),
    ]
    return hand_rolled(filename, signer=signer.cert, sign_key=sign_key or signer.key, records=records,
                       digest_code=digest_code)
