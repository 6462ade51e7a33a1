"""Judge a parsed trust file's signature and say why it fails, in the words a lab tech needs.

ITL/CTL: the signer is the SAST record whose serial matches the header serial, looked up in
the file itself (what a phone without a trust list does) or in an already trusted `itl` (what
a phone holding an ITL does), or simply a given certificate.
SGN: the signer is a given certificate, or the TFTP / CCM+TFTP record of a given ITL whose
serial matches the header serial (what a phone does with its config file).
"""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from rig.trust.names import dn_string
from rig.trust.model import MODULUS_SIZES, TrustFile, TrustRecord, Verdict, same_serial

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha512": hashes.SHA512,
}
NO_SIGNER_GIVEN = "no certificate or ITL given to verify a signed file"


class _Refused(Exception):
    """Internal: the file cannot be judged valid; the message is the Verdict reason."""


def verify(tf: TrustFile, *, cert: x509.Certificate | None = None, itl: TrustFile | None = None) -> Verdict:
    try:
        hash_type = HASHES.get(tf.digest)
        if hash_type is None:
            raise _Refused(f"unsupported digest algorithm {tf.digest}")
        _check_modulus(tf)
        key, who = _signer_key(tf, cert, itl)
        try:
            key.verify(tf.signature, tf.signed_bytes, padding.PKCS1v15(), hash_type())
        except InvalidSignature:
            raise _Refused(f"bad signature: does not verify with {who}") from None
    except _Refused as refusal:
        return Verdict(False, str(refusal))
    return Verdict(True, None)


def _check_modulus(tf: TrustFile) -> None:
    expected = MODULUS_SIZES.get(tf.signature_modulus) if tf.signature_modulus is not None else None
    if expected is not None and expected != len(tf.signature):
        raise _Refused(f"signature is {len(tf.signature)} bytes but the header announces {expected}")


def _signer_key(tf: TrustFile, cert: x509.Certificate | None, itl: TrustFile | None) -> tuple[rsa.RSAPublicKey, str]:
    if cert is not None:
        who = f"the given certificate {dn_string(cert.subject)!r} (serial {cert.serial_number:x})"
        if not same_serial(f"{cert.serial_number:x}", tf.signer.serial):
            who += f", but the header names signer serial {tf.signer.serial}"
        return _public_key(cert, None, who), who
    record = _signer_record(tf, itl)
    who = f"the key of {record.function_name} record {record.subject!r} (serial {record.serial})"
    return _public_key(record.certificate, record.public_key_der, who), who


def _signer_record(tf: TrustFile, itl: TrustFile | None) -> TrustRecord:
    signer = f"signer {tf.signer.name!r} serial {tf.signer.serial}"
    if tf.kind == "SGN":
        if itl is None:
            raise _Refused(NO_SIGNER_GIVEN)
        roles, source = ("TFTP", "CCM+TFTP"), itl
    else:
        roles, source = ("SAST",), itl or tf
    for record in source.records_with(*roles):
        if same_serial(record.serial, tf.signer.serial):
            return record
    raise _Refused(f"no {' or '.join(roles)} record in {source.filename} matches {signer}")


def _public_key(certificate: x509.Certificate | None, der: bytes | None, who: str) -> rsa.RSAPublicKey:
    """The RSA key of a certificate, else of a PUBLICKEY element (PKCS#1 in CUCM files; SPKI accepted)."""
    try:
        if certificate is not None:
            key: object = certificate.public_key()
        elif der is not None:
            key = serialization.load_der_public_key(der)
        else:
            raise _Refused(f"{who}: neither a certificate nor a public key to check with")
    except (ValueError, UnsupportedAlgorithm):
        raise _Refused(f"cannot read the public key for {who}") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise _Refused(f"{who}: not an RSA key")
    return key
