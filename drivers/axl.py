"""CUCM's Administrative XML API (AXL), `listPhone` only: the phones CUCM is configured with.

RisPort70 lists devices that tried to register; AXL lists what the administrator configured,
with each phone's description, model and device pool, so a bench can be built from one device
pool of a site. Shaped after the AXL 12.5 schema (AXLAPI.wsdl / AXLSoap.xsd of Cisco's AXL
toolkit, as redistributed in the MIT-licensed CollabConnector package, sha256 80fa859a...
and 87ea16c8...): endpoint `https://<host>:8443/axl/`, SOAPAction `CUCM:DB ver=<version>
listPhone`, request element `listPhone` in namespace `http://www.cisco.com/AXL/API/<version>`
with unqualified children (the schema's elementFormDefault) `searchCriteria` (`name`,
`devicePoolName`, SQL `%` wildcards) and `returnedTags`; answer `listPhoneResponse/return/phone`
with `name`, `description`, `model` (`Cisco 7942`, AXLEnums.xsd's XModel), `protocol`,
`devicePoolName`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape

from rig.drivers import soap
from rig.drivers.errors import DeviceError

PATH = "/axl/"
RETURNED = ("name", "description", "model", "protocol", "devicePoolName")


class AxlError(DeviceError):
    """AXL could not be asked or answered a fault; the message names the URL and the cause."""

    part = "cucm"
    device = "axl"


@dataclass(frozen=True)
class AxlPhone:
    name: str
    description: str | None
    model: str | None
    protocol: str | None
    device_pool: str | None


def namespace(version: str) -> str:
    return f"http://www.cisco.com/AXL/API/{version}"


def list_phone_body(version: str, name: str, device_pool: str | None = None) -> bytes:
    criteria = f"<name>{escape(name)}</name>" + (
        f"<devicePoolName>{escape(device_pool)}</devicePoolName>" if device_pool is not None else "")
    tags = "".join(f"<{t}/>" for t in RETURNED)
    return (f'<soapenv:Envelope xmlns:soapenv="{soap.SOAP_ENV}" xmlns:ns="{namespace(version)}">'
            f"<soapenv:Header/><soapenv:Body><ns:listPhone><searchCriteria>{criteria}</searchCriteria>"
            f"<returnedTags>{tags}</returnedTags></ns:listPhone></soapenv:Body></soapenv:Envelope>").encode()


def parse_phones(root: ET.Element, version: str) -> list[AxlPhone]:
    answer = root.find(f".//{{{namespace(version)}}}listPhoneResponse")
    if answer is None:
        raise AxlError("answer has no listPhoneResponse")

    def text(phone: ET.Element, tag: str) -> str | None:
        return (phone.findtext(tag) or "").strip() or None

    return [AxlPhone(text(p, "name") or "", text(p, "description"), text(p, "model"), text(p, "protocol"),
                     text(p, "devicePoolName")) for p in answer.iterfind("return/phone")]


class Axl:
    def __init__(self, host: str, *, username: str, password: str, port: int = 8443, version: str = "12.5",
                 verify: bool | str = True, timeout: float = 15.0) -> None:
        self.url = f"https://{host}:{port}{PATH}"
        self.version = version
        self._auth = (username, password)
        self._verify, self._timeout = verify, timeout

    def list_phones(self, name: str = "%", device_pool: str | None = None) -> list[AxlPhone]:
        """Phones whose name matches `name` (SQL `%` wildcards), in `device_pool` when given."""
        body = list_phone_body(self.version, name, device_pool)
        try:
            root = soap.call(self.url, body, action=f"CUCM:DB ver={self.version} listPhone", auth=self._auth,
                             verify=self._verify, timeout=self._timeout)
        except soap.SoapError as error:
            raise AxlError(str(error)) from None
        return parse_phones(root, self.version)
