"""How certificates appear inside trust files: names as text, serials as bytes."""

from __future__ import annotations

from cryptography import x509


def dn_string(name: x509.Name) -> str:
    """`CN=cucm;OU=VTG;O=Example;C=US`: the ';'-joined form CUCM writes into ITL headers and records."""
    return ";".join(f"{attribute.rfc4514_attribute_name}={attribute.value}" for attribute in name)


def serial_bytes(certificate: x509.Certificate) -> bytes:
    """The certificate serial as minimal big-endian bytes (what SERIALNUMBER elements hold)."""
    number = certificate.serial_number
    return number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")
