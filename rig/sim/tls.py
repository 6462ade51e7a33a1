"""The simulated CUCM's own certificate authority, for its HTTPS services (RisPort70).

A real CUCM serves Tomcat with a self-signed certificate or one signed by the customer's CA; a
client either trusts that CA's PEM or turns verification off. The simulator plays the second,
better case: its own CA (the PEM a technician would be handed) signs a server certificate for the
loopback address the service binds, so a client with the CA bundle verifies it fully.
"""

from __future__ import annotations

import functools
import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_NOT_BEFORE = datetime(2024, 1, 1, tzinfo=timezone.utc)
_LIFETIME = timedelta(days=3650)


@dataclass(frozen=True)
class ServerTls:
    """A CA PEM for clients and a server context whose certificate that CA signed."""

    ca_pem: bytes
    context: ssl.SSLContext


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "rig simulated lab")])


@functools.cache
def _ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("rig simulated CUCM CA")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(_NOT_BEFORE)
            .not_valid_after(_NOT_BEFORE + _LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def server_tls(host: str) -> ServerTls:
    """A server certificate for `host` (an IP address), signed by the simulator's CA."""
    ca_key, ca_cert = _ca()
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(host)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(_NOT_BEFORE).not_valid_after(_NOT_BEFORE + _LIFETIME)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="rig-sim-tls-") as tmp:
        chain, key_file = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
        chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        context.load_cert_chain(chain, key_file)
    return ServerTls(ca_cert.public_bytes(serialization.Encoding.PEM), context)
