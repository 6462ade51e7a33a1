"""The SOAP 1.1 exchange CUCM's HTTPS APIs share (RisPort70, AXL): one POST, one envelope back.

Faults come back with HTTP 500 and are read from the envelope; HTTP 401 is a refused user. The
`verify` setting goes with every request: a session's own `verify` loses to $REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import requests

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


class SoapError(Exception):
    """No usable answer; the message names the URL and the cause."""


class SoapAuthError(SoapError):
    """HTTP 401: the user is unknown, its password wrong, or it lacks the API's role."""


class SoapFault(SoapError):
    """The service answered a SOAP fault."""

    def __init__(self, url: str, code: str, text: str) -> None:
        super().__init__(f"{url}: SOAP fault {code}: {text}")
        self.code, self.text = code, text


def call(session: requests.Session, url: str, body: bytes, *, action: str, verify: bool | str,
         timeout: float) -> ET.Element:
    """POST `body` with SOAPAction `action`; the answer's root element, or SoapFault/SoapError."""
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'}
    try:
        answer = session.post(url, data=body, headers=headers, timeout=timeout, verify=verify)
    except requests.exceptions.SSLError as error:
        raise SoapError(f"{url}: TLS certificate not trusted ({error.__class__.__name__}); give its ca_bundle") from None
    except requests.RequestException as error:
        raise SoapError(f"{url}: {error.__class__.__name__}: {error}") from None
    if answer.status_code == 401:
        raise SoapAuthError(f"{url}: HTTP 401, user refused")
    if answer.status_code not in (200, 500):
        raise SoapError(f"{url}: HTTP {answer.status_code}")
    try:
        root = ET.fromstring(answer.content)
    except ET.ParseError as error:
        raise SoapError(f"{url}: answer is not XML: {error}") from None
    fault = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    if fault is not None:
        raise SoapFault(url, fault.findtext("faultcode") or "", fault.findtext("faultstring") or "")
    return root
