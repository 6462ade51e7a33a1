"""The SOAP envelopes of the simulated CUCM's Tomcat services, and what CUCM knows of a phone.

SOAP 1.1 as CUCM's Axis answers it (`soapenv` prefix; a fault is `faultcode` + `faultstring`,
sent with HTTP 500): the shape every public RisPort and AXL client reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

NS = "http://schemas.cisco.com/ast/soap"
"""RisPort70's namespace (the RISService70 WSDL's targetNamespace)."""
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
MODEL_7942 = 434
"""RisPort's `Model` number of the 7942 (source: a public RisPort client's model table)."""


@dataclass(frozen=True)
class RisDevice:
    """What CUCM knows of one phone at the moment of the request."""

    name: str
    status: str  # Registered | UnRegistered | Rejected
    status_reason: int
    ip: str | None
    active_load_id: str | None
    dir_number: str
    description: str
    timestamp: int
    model: int = MODEL_7942


def envelope(inner: str) -> bytes:
    return ("<?xml version='1.0' encoding='UTF-8'?>"
            f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{inner}'
            "</soapenv:Body></soapenv:Envelope>").encode()


def fault(code: str, text: str) -> bytes:
    return envelope(f'<soapenv:Fault><faultcode xmlns:ns1="{NS}">{escape(code)}</faultcode>'
                     f"<faultstring>{escape(text)}</faultstring></soapenv:Fault>")
