"""The simulated cluster's certificates: the ones a stuck phone's ITL can be signed with.

A phone holds a stale ITL because it met a CUCM cluster before (CUCME serves no ITL: a phone
that only knew CUCME holds none and trusts the first ITL it is given), and the simulator needs
the keys of those histories besides the cluster's current ones:
- the cluster's CallManager certificate was regenerated: same subject, new key and serial, so the
  phone's ITL names a signer the cluster no longer has (`pre_regeneration`); if TVS's certificate
  was regenerated too, the ITL's TVS record no longer matches the cluster's TVS either
  (`tvs_pre_regeneration`);
- the phone came from another cluster, whose CallManager and TVS certificates sign and fill its
  ITL (`other_cluster`, `other_tvs`).
Sources for what a phone does with them: rig/sim/tvs.py. RSA key generation is slow, so a
ClusterPki is generated once per key size per process.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from rig.trust import RecordSpec, build_itl

CLUSTER_HOST = "cucm-pub.rig.sim"
OTHER_CLUSTER_HOST = "cucm-old-pub.rig.sim"
_NOT_BEFORE = datetime(2024, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class CertKey:
    """One self-signed certificate and its private key, as CUCM keeps them per service."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _subject(common_name: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "rig simulated lab"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        ]
    )


def _self_signed(subject: x509.Name, key_size: int, serial: int, years: int = 5) -> CertKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_NOT_BEFORE + timedelta(days=365 * years))
        .sign(key, hashes.SHA256())
    )
    return CertKey(cert, key)


@dataclass(frozen=True)
class ClusterPki:
    """Certificates of the simulated cluster and of its past."""

    current: CertKey
    """The TFTP node's CallManager cert: signs ITLs and configs; SAST and CCM+TFTP in the ITL."""
    tvs: CertKey
    """The Trust Verification Service cert, listed in the ITL as TVS."""
    pre_regeneration: CertKey
    """The cluster's CallManager cert before it was regenerated (same subject, other key)."""
    tvs_pre_regeneration: CertKey
    """The cluster's TVS cert before it was regenerated (same subject, other key)."""
    other_cluster: CertKey
    """The CallManager cert of the cluster the phones were registered to before the migration."""
    other_tvs: CertKey
    """That other cluster's TVS cert."""

    @classmethod
    def generate(cls, *, key_size: int = 2048) -> ClusterPki:
        """The cluster's PKI, generated once per key size (1024 makes test start-up quicker)."""
        return _generate(key_size)

    def old_cluster(self) -> "ClusterPki":
        """The PKI as the old cluster (`other_cluster`, `other_tvs`) holds it: its own certificates
        are current there."""
        return dataclasses.replace(self, current=self.other_cluster, tvs=self.other_tvs)

    @property
    def trust_anchor_pem(self) -> bytes:
        """What an admin downloads from CUCM's certificate page to check the phones' ITL."""
        return self.current.pem

    def itl(self, signer: CertKey, filename: str, tvs: CertKey) -> bytes:
        """An ITL signed by `signer`, listing it as SAST and CCM+TFTP and `tvs` as TVS, as CUCM
        before 12 builds it (the ITL lists every TVS of the cluster: CUCM Security Guide)."""
        records: Sequence[RecordSpec] = [
            RecordSpec("SAST", signer.cert, dns_name=_host_of(signer.cert)),
            RecordSpec("CCM+TFTP", signer.cert, dns_name=_host_of(signer.cert)),
            RecordSpec("TVS", tvs.cert, dns_name=_host_of(tvs.cert)),
        ]
        return build_itl(records, signer_cert=signer.cert, signer_key=signer.key, filename=filename)


def _host_of(cert: x509.Certificate) -> str:
    return str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


@functools.cache
def _generate(key_size: int) -> ClusterPki:
    cluster, tvs = _subject(CLUSTER_HOST, "CallManager"), _subject(CLUSTER_HOST, "TVS")
    return ClusterPki(
        current=_self_signed(cluster, key_size, serial=0x6A1C0DE5EED0001),
        tvs=_self_signed(tvs, key_size, serial=0x6A1C0DE5EED0002),
        pre_regeneration=_self_signed(cluster, key_size, serial=0x51D0DE5EED0001),
        tvs_pre_regeneration=_self_signed(tvs, key_size, serial=0x51D0DE5EED0002),
        other_cluster=_self_signed(_subject(OTHER_CLUSTER_HOST, "CallManager"), key_size, serial=0x3C3E0001),
        other_tvs=_self_signed(_subject(OTHER_CLUSTER_HOST, "TVS"), key_size, serial=0x3C3E0002),
    )
