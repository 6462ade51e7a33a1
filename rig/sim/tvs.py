"""The simulated cluster's Trust Verification Service (TVS): it vouches for the cluster's signers.

What a phone does with TVS (the rule the simulated phone follows):
- Once a phone holds an ITL, a new ITL or a config must be signed by the CCM+TFTP certificate in
  its ITL, or by a certificate in the trust store of a TVS server listed in its ITL. source:
  Cisco, "Migrating IP Phones Between Clusters with CUCM 8 and ITL Files" (community.cisco.com,
  document 3108525), which also names why a moved phone stays stuck: the TVS servers its ITL
  lists are not reachable, or do not hold the new cluster's certificates.
- The phone contacts TVS because it cannot verify a signature or certificate through its CTL or
  ITL, and "the TVS must be able to return the certificate corresponding to the signer". source:
  Cisco Unified CM Security Guide (release 15), "Trust Verification Service" and "Initial Trust
  List"; the ITL holds every TVS certificate of the cluster so the phone can talk to TVS securely.
- A phone whose ITL predates a regenerated CallManager certificate recovers through TVS while the
  TVS certificate is unchanged; regenerating both at once leaves it stuck. source: Cisco, "CUCM
  Security By Default and ITL Operation and Troubleshooting" (document 116232).

No public source gives TVS's wire format (Cisco's TVS listens on TCP 2445 behind TLS with the TVS
certificate): the exchange below is the simulator's own, spoken only by simulated phones, one line
each way on a loopback TCP connection:
    phone: CERT <signer serial, hex>
    TVS:   TVS <its own certificate, base64 DER> <the signer's certificate, base64 DER, or ->
The phone trusts the answer only when TVS's certificate is one its ITL lists in a TVS record.
"""

from __future__ import annotations

import base64
import socket

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from rig.sim.lineserver import LineServer
from rig.sim.pki import ClusterPki

UNKNOWN = "-"


def _der64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(Encoding.DER)).decode("ascii")


def _serial(text: str) -> int | None:
    try:
        return int(text, 16)
    except ValueError:
        return None


class SimTvs(LineServer):
    """TVS of the simulated cluster: its trust store is the cluster's current certificates."""

    def __init__(self, pki: ClusterPki, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.certificate = pki.tvs.cert
        self.store = {cert.serial_number: cert for cert in (pki.current.cert, pki.tvs.cert)}

    def answer(self, line: str) -> str | None:
        word, _, argument = line.partition(" ")
        serial = _serial(argument.strip())
        if word != "CERT" or serial is None:
            return "ERROR expected: CERT <serial hex>"
        known = self.store.get(serial)
        return f"TVS {_der64(self.certificate)} {_der64(known) if known is not None else UNKNOWN}"


def ask(address: tuple[str, int], serial: str, timeout: float) -> tuple[x509.Certificate, x509.Certificate | None]:
    """TVS's certificate and the certificate it holds for `serial` (None: not in its store).
    Raises OSError when TVS cannot be reached or answers out of protocol."""
    with socket.create_connection(address, timeout=timeout) as connection:
        connection.sendall(f"CERT {serial}\n".encode("ascii"))
        reply = connection.makefile("rb").readline(65536).decode("ascii", errors="replace").split()
    if len(reply) != 3 or reply[0] != "TVS":
        raise OSError(f"TVS {address[0]}:{address[1]} answered out of protocol")
    try:
        own = x509.load_der_x509_certificate(base64.b64decode(reply[1]))
        vouched = None if reply[2] == UNKNOWN else x509.load_der_x509_certificate(base64.b64decode(reply[2]))
    except ValueError as error:
        raise OSError(f"TVS {address[0]}:{address[1]} sent an unreadable certificate: {error}") from None
    return own, vouched
