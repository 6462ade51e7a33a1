"""Write signed ITL, CTL and .sgn files (used by the simulated CUCM and by tests).

The signing key is taken separately from the signer certificate on purpose: a file whose
header names one certificate but is signed by another key is exactly the "wrong signer" case
rig must detect, and tests build it with these same functions.
"""

from __future__ import annotations

import hashlib
import ipaddress
import struct
from collections.abc import Sequence
from datetime import datetime, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from rig.trust.model import DIGEST_CODES, MODULUS_SIZES, RecordSpec, function_code
from rig.trust.names import dn_string, serial_bytes
from rig.trust.parse import MAX_TLV_SIZE
from rig.trust.tlv import HEAD_SIZE, HeaderTag, RecordTag, encode, encode_string, encode_u16
from rig.trust.verify import HASHES

VERSION = bytes([1, 2])
SIGNATURE_ALGORITHM_RSA = 0
_PADDING = bytes([HeaderTag.PADDING])
_MODULUS_CODES = {size: code for code, size in MODULUS_SIZES.items()}


def build_itl(records: Sequence[RecordSpec], *, signer_cert: x509.Certificate, signer_key: rsa.RSAPrivateKey,
              filename: str = "ITLFile.tlv", digest: str = "sha1", timestamp: datetime | None = None) -> bytes:
    """A signed ITL. The signer is usually also present as a SAST record in `records`."""
    return _build_list("ITL", records, signer_cert, signer_key, filename, digest, timestamp)


def build_ctl(records: Sequence[RecordSpec], *, signer_cert: x509.Certificate, signer_key: rsa.RSAPrivateKey,
              filename: str = "CTLFile.tlv", digest: str = "sha1", timestamp: datetime | None = None) -> bytes:
    """A signed CTL: same format as an ITL, different file name."""
    return _build_list("CTL", records, signer_cert, signer_key, filename, digest, timestamp)


def build_rollback_itl(*, signer_cert: x509.Certificate, signer_key: rsa.RSAPrivateKey,
                       filename: str = "ITLFile.tlv", digest: str = "sha1",
                       timestamp: datetime | None = None) -> bytes:
    """The "Prepare Cluster for Rollback to pre 8.0" ITL: the SAST signer only, no TFTP/TVS records,
    so a phone that installs it accepts any config and any next ITL. Which records the real file
    keeps is unconfirmed (rig.trust.rollback says what the documents say)."""
    return build_itl([RecordSpec("SAST", signer_cert)], signer_cert=signer_cert, signer_key=signer_key,
                     filename=filename, digest=digest, timestamp=timestamp)


def build_sgn(payload: bytes, *, filename: str, signer_cert: x509.Certificate, signer_key: rsa.RSAPrivateKey,
              digest: str = "sha1", timestamp: datetime | None = None) -> bytes:
    """A signed file (`SEP<MAC>.cnf.xml.sgn`): trust header, then `payload` unchanged."""
    if not filename.upper().endswith(".SGN"):
        raise ValueError(f"a signed file's name must end in .sgn, not {filename!r}")
    return _sign(bytes(payload), signer_cert, signer_key, filename, digest, timestamp)


def _build_list(kind: str, records: Sequence[RecordSpec], signer_cert: x509.Certificate,
                signer_key: rsa.RSAPrivateKey, filename: str, digest: str, timestamp: datetime | None) -> bytes:
    if not filename.upper().startswith(kind):
        raise ValueError(f"an {kind} file name must start with {kind}, not {filename!r}")
    if not records:
        raise ValueError(f"an {kind} needs at least one record")
    data = _sign(b"".join(_record(spec) for spec in records), signer_cert, signer_key, filename, digest, timestamp)
    if len(data) > MAX_TLV_SIZE:
        raise ValueError(f"{filename} would be {len(data)} bytes; phones load at most {MAX_TLV_SIZE}")
    return data


def _sign(body: bytes, signer_cert: x509.Certificate, signer_key: rsa.RSAPrivateKey, filename: str,
          digest: str, timestamp: datetime | None) -> bytes:
    """Header + body, signed over everything except the SIGNATURE element itself."""
    if digest not in DIGEST_CODES:
        raise ValueError(f"unsupported digest {digest!r} (use {', '.join(DIGEST_CODES)})")
    signature_size = signer_key.key_size // 8
    if signature_size not in _MODULUS_CODES:
        raise ValueError(f"RSA key of {signer_key.key_size} bits unsupported (512, 1024, 2048 or 4096)")
    signer_id = b"".join((
        encode_string(HeaderTag.SIGNERNAME, dn_string(signer_cert.subject)),
        encode(HeaderTag.SERIALNUMBER, serial_bytes(signer_cert)),
        encode_string(HeaderTag.CANAME, dn_string(signer_cert.issuer)),
    ))
    algorithm = encode(HeaderTag.SIGNATUREALGORITHM, bytes([SIGNATURE_ALGORITHM_RSA])) + encode(
        HeaderTag.SIGNATUREMODULUS, bytes([_MODULUS_CODES[signature_size]]))
    signature_info = encode(HeaderTag.DIGESTALGORITHM, bytes([DIGEST_CODES[digest]])) + encode(
        HeaderTag.SIGNATUREALGOINFO, algorithm)
    before = encode(HeaderTag.SIGNERID, signer_id) + encode(HeaderTag.SIGNATUREINFO, signature_info)
    when = timestamp or datetime.now(timezone.utc)
    after = encode_string(HeaderTag.FILENAME, filename) + encode(
        HeaderTag.TIMESTAMP, struct.pack(">I", int(when.timestamp())))
    unpadded = 2 * (HEAD_SIZE + 2) + len(before) + HEAD_SIZE + signature_size + len(after)
    after += _PADDING * (-unpadded % 4)
    head = encode(HeaderTag.VERSION, VERSION) + encode_u16(HeaderTag.HEADERLENGTH, unpadded + (-unpadded % 4))
    signature = signer_key.sign(head + before + after + body, padding.PKCS1v15(), HASHES[digest]())
    return head + before + encode(HeaderTag.SIGNATURE, signature) + after + body


def _record(spec: RecordSpec) -> bytes:
    certificate = spec.certificate
    der = certificate.public_bytes(serialization.Encoding.DER)
    elements = [
        encode_string(RecordTag.DNSNAME, spec.dns_name) if spec.dns_name else b"",
        encode_string(RecordTag.SUBJECTNAME, dn_string(certificate.subject)),
        encode_u16(RecordTag.FUNCTION, function_code(spec.function)),
        encode_string(RecordTag.ISSUERNAME, dn_string(certificate.issuer)),
        encode(RecordTag.SERIALNUMBER, serial_bytes(certificate)),
        encode(RecordTag.PUBLICKEY, _public_key_der(certificate)),
        encode(RecordTag.SIGNATURE, certificate.signature),
        encode(RecordTag.CERTIFICATE, der),
        encode(RecordTag.IPADDRESS, ipaddress.IPv4Address(spec.ip).packed) if spec.ip else b"",
        encode(RecordTag.CERTHASH, hashlib.sha1(der).digest()),
    ]
    body = b"".join(elements)
    return encode_u16(RecordTag.RECORDLENGTH, HEAD_SIZE + 2 + len(body)) + body


def _public_key_der(certificate: x509.Certificate) -> bytes:
    """PKCS#1 for RSA keys, as CUCM writes them; SubjectPublicKeyInfo for anything else."""
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
