"""What a parsed trust file is, independent of its bytes.

Serial numbers are the certificate serial bytes as lower-case hex, exactly as the file stores
them, because that is how CUCM's `show itl` and the phone's menu print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cryptography import x509

from rig.trust.tlv import HEAD_SIZE

Kind = Literal["ITL", "CTL", "SGN"]

FUNCTION_NAMES: dict[int, str] = {
    0: "SAST",
    1: "CCM",
    2: "CCM+TFTP",
    3: "TFTP",
    4: "CAPF",
    7: "APP-SERVER",
    21: "TVS",
}
FUNCTION_CODES: dict[str, int] = {name: code for code, name in FUNCTION_NAMES.items()}

DIGEST_NAMES: dict[int, str] = {1: "sha1", 2: "sha256", 3: "sha512"}
DIGEST_CODES: dict[str, int] = {name: code for code, name in DIGEST_NAMES.items()}

# SIGNATUREMODULUS code -> signature length in bytes.
MODULUS_SIZES: dict[int, int] = {0: 64, 1: 128, 2: 256, 3: 512}


def function_name(code: int) -> str:
    return FUNCTION_NAMES.get(code, str(code))


def function_code(function: int | str) -> int:
    """A record function given as its number or its name ("CCM+TFTP", case-insensitive)."""
    if isinstance(function, int):
        return function
    try:
        return FUNCTION_CODES[function.upper()]
    except KeyError:
        known = ", ".join(FUNCTION_CODES)
        raise ValueError(f"unknown record function {function!r} (known: {known})") from None


def same_serial(a: str, b: str) -> bool:
    """Serials compare as numbers so a DER sign byte (leading 00) does not break a match."""
    return int(a or "0", 16) == int(b or "0", 16)


@dataclass(frozen=True)
class Signer:
    name: str
    serial: str
    ca_name: str


@dataclass(frozen=True)
class TrustRecord:
    function: int
    function_name: str
    subject: str
    issuer: str
    serial: str
    dns_name: str | None
    ip: str | None
    cert_sha1: str | None  # CERTHASH when the file has one, else SHA-1 of the certificate
    certificate: x509.Certificate | None
    public_key_der: bytes | None


@dataclass(frozen=True)
class TrustFile:
    kind: Kind
    version: str
    filename: str
    timestamp: datetime | None
    signer: Signer
    digest: str  # "sha1" | "sha256" | "sha512", or the raw number when unsupported
    signature: bytes
    records: tuple[TrustRecord, ...]
    payload: bytes | None
    raw: bytes
    signature_offset: int  # where the header's SIGNATURE element starts in `raw`
    signature_modulus: int | None = None  # SIGNATUREMODULUS code, when present

    def records_with(self, *functions: str) -> list[TrustRecord]:
        """Records whose function name is one of `functions` ("TFTP", "CCM+TFTP", ...)."""
        wanted = {name.upper() for name in functions}
        return [record for record in self.records if record.function_name in wanted]

    @property
    def signed_bytes(self) -> bytes:
        """The bytes the signature covers: the whole file minus the SIGNATURE element."""
        cut_end = self.signature_offset + HEAD_SIZE + len(self.signature)
        return self.raw[: self.signature_offset] + self.raw[cut_end:]


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str | None
    checked: bool = True
    """False when nothing was given to check the signature with (a .sgn without a certificate or
    ITL): `valid` is then False but says nothing about the file."""


@dataclass(frozen=True)
class RecordSpec:
    """One certificate to put in an ITL/CTL, with the role it plays."""

    function: int | str
    certificate: x509.Certificate
    ip: str | None = None
    dns_name: str | None = None
