"""The SOAP 1.1 exchange CUCM's HTTPS APIs share (RisPort70, AXL): one POST, one envelope back.

Faults come back with HTTP 500 and are read from the envelope; HTTP 401 is a refused user. The
exchange is rig.drivers.direct_http's: bounded in total time (`timeout`) and size (`ANSWER_LIMIT`),
deaf to the environment ($REQUESTS_CA_BUNDLE, proxies), so `verify` is exactly what the config says.
"""

from __future__ import annotations

import http.client
import ssl
import xml.etree.ElementTree as ET

from rig.drivers.direct_http import request
from rig.drivers.errors import DeviceError

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
ANSWER_LIMIT = 64 * 1024 * 1024
"""Bytes of one SOAP answer (rig's bound, not CUCM's): a RisPort answer holds at most 1000 devices
(rig.drivers.risport.MAX_DEVICES) of a few kB each per node, an AXL listPhone five short tags per
phone; 64 MiB is far past either, yet stops an endless answer before it fills memory."""


class SoapError(DeviceError):
    """No usable answer; the message names the URL and the cause."""

    part = "cucm"
    device = "soap"


class SoapAuthError(SoapError):
    """HTTP 401: the user is unknown, its password wrong, or it lacks the API's role."""


class SoapFault(SoapError):
    """The service answered a SOAP fault."""

    def __init__(self, url: str, code: str, text: str) -> None:
        super().__init__(f"{url}: SOAP fault {code}: {text}")
        self.code, self.text = code, text


def call(url: str, body: bytes, *, action: str, auth: tuple[str, str], verify: bool | str,
         timeout: float) -> ET.Element:
    """POST `body` with SOAPAction `action`, the whole exchange within `timeout` seconds; the
    answer's root element, or SoapFault/SoapError."""
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'}
    try:
        answer = request("POST", url, seconds=timeout, limit=ANSWER_LIMIT, body=body, headers=headers, auth=auth,
                         verify=verify)
    except ssl.SSLCertVerificationError as error:
        raise SoapError(f"{url}: TLS certificate not trusted ({error.__class__.__name__}); give its ca_bundle") from None
    except (OSError, http.client.HTTPException) as error:
        raise SoapError(f"{url}: {error.__class__.__name__}: {error}") from None
    if answer.status == 401:
        raise SoapAuthError(f"{url}: HTTP 401, user refused")
    if answer.status not in (200, 500):
        raise SoapError(f"{url}: HTTP {answer.status}")
    try:
        root = ET.fromstring(answer.content)
    except ET.ParseError as error:
        raise SoapError(f"{url}: answer is not XML: {error}") from None
    fault = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    if fault is not None:
        raise SoapFault(url, fault.findtext("faultcode") or "", fault.findtext("faultstring") or "")
    return root
