"""CUCM's Serviceability RisPort70 (`selectCmDevice`): what CUCM knows of each phone right now.

CUCM reports, per device, its registration status (`Registered`, `UnRegistered`, `Rejected`, ...)
with a numeric `StatusReason`, its IP address and the load it runs (`ActiveLoadID`). That is a
witness outside the phone and outside the bench: a phone that fetched its files but never
registered, or registered with the old load, has not been repaired.

A small SOAP exchange (rig.drivers.soap: bounded http.client and the standard library's XML parser), shaped after the public
WSDL (source: tests/fixtures/real/risport/RISService70-12.5.wsdl, the RISService70 WSDL of
CUCM 12.5): document/literal, namespace `http://schemas.cisco.com/ast/soap`, SOAPAction
`selectCmDevice`, answer `selectCmDeviceResponse/selectCmDeviceReturn/SelectCmDeviceResult/
CmNodes/item/CmDevices/item`. CUCM limits how often RisPort may be asked; past the limit it
answers a SOAP fault `Server.RateControl` whose text starts `AxisFault: Exceeded allowed rate
for Reatime information` (sic; source: public RisPort tools that match that text, e.g. the PHP
ones found with find_string `rate for Reatime`, and the splunk RisPort lookup that looks for
`ns1:Server.RateControl`). Such an answer is retried after a back-off, a bounded number of times.
"""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from rig.drivers import soap
from rig.drivers.errors import DeviceError

NS = "http://schemas.cisco.com/ast/soap"
SOAP_ENV = soap.SOAP_ENV
PATH = "/realtimeservice2/services/RISService70"
"""source: Cisco DevNet RisPort70 API reference: https://<server>:8443/realtimeservice2/services/RISService70?wsdl"""
MAX_DEVICES = 1000
"""Devices per request: the RisPort70 reference's limit for one selectCmDevice."""
MODEL_ANY = 255
"""`Model` 255 selects every model (source: the RisPort70 reference; public clients send 255)."""
RATE_CONTROL = "Server.RateControl"


class RisPortError(DeviceError):
    """RisPort could not be asked or did not answer as the WSDL says; the message names host and cause."""

    part = "cucm"
    device = "risport"


class RisPortAuthError(RisPortError):
    """HTTP 401: the user is unknown or lacks the Standard CCM Admin Users / Serviceability role."""


class RisPortRateLimited(RisPortError):
    """CUCM still answered Server.RateControl after every retry."""


@dataclass(frozen=True)
class CmDevice:
    """One device as one CUCM node reports it (a device may appear under several nodes)."""

    name: str
    status: str
    """CmDevRegStat: Registered, UnRegistered, Rejected, PartiallyRegistered, Unknown."""
    status_reason: int | None
    ip: str | None
    active_load_id: str | None
    model: int | None
    description: str | None
    dir_number: str | None
    protocol: str | None
    timestamp: int | None
    node: str

    @property
    def registered(self) -> bool:
        return self.status == "Registered"


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def request_body(items: Sequence[str], *, select_by: str = "Name", model: int = MODEL_ANY,
                 status: str = "Any", max_devices: int = MAX_DEVICES) -> bytes:
    """The selectCmDevice envelope: element order as the WSDL's CmSelectionCriteria sequence."""
    select_items = "".join(f"<soap:item><soap:Item>{escape(i)}</soap:Item></soap:item>" for i in items)
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:soap="{NS}"><soapenv:Header/><soapenv:Body>'
        "<soap:selectCmDevice><soap:StateInfo></soap:StateInfo><soap:CmSelectionCriteria>"
        f"<soap:MaxReturnedDevices>{max_devices}</soap:MaxReturnedDevices>"
        "<soap:DeviceClass>Phone</soap:DeviceClass>"
        f"<soap:Model>{model}</soap:Model><soap:Status>{escape(status)}</soap:Status>"
        "<soap:NodeName></soap:NodeName>"
        f"<soap:SelectBy>{escape(select_by)}</soap:SelectBy><soap:SelectItems>{select_items}</soap:SelectItems>"
        "<soap:Protocol>Any</soap:Protocol><soap:DownloadStatus>Any</soap:DownloadStatus>"
        "</soap:CmSelectionCriteria></soap:selectCmDevice></soapenv:Body></soapenv:Envelope>"
    ).encode()


def _text(element: ET.Element, tag: str) -> str | None:
    child = element.find(_q(tag))
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def _int(element: ET.Element, tag: str) -> int | None:
    value = _text(element, tag)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def parse_devices(root: ET.Element) -> list[CmDevice]:
    """The devices of a selectCmDeviceResponse envelope (a fault was raised by rig.drivers.soap)."""
    result = root.find(f".//{_q('SelectCmDeviceResult')}")
    if result is None:
        raise RisPortError("answer has no SelectCmDeviceResult")
    devices = []
    for node in result.iterfind(f"{_q('CmNodes')}/{_q('item')}"):
        node_name = _text(node, "Name") or ""
        for item in node.iterfind(f"{_q('CmDevices')}/{_q('item')}"):
            ip = item.find(f"{_q('IPAddress')}/{_q('item')}")
            devices.append(CmDevice(
                name=_text(item, "Name") or "", status=_text(item, "Status") or "Unknown",
                status_reason=_int(item, "StatusReason"), ip=_text(ip, "IP") if ip is not None else None,
                active_load_id=_text(item, "ActiveLoadID"), model=_int(item, "Model"),
                description=_text(item, "Description"), dir_number=_text(item, "DirNumber"),
                protocol=_text(item, "Protocol"), timestamp=_int(item, "TimeStamp"), node=node_name,
            ))
    return devices


def newest(devices: Sequence[CmDevice]) -> dict[str, CmDevice]:
    """One entry per device name: a registered entry wins, then the latest TimeStamp (a phone that
    moved nodes is listed by both)."""
    best: dict[str, CmDevice] = {}
    for device in devices:
        key = device.name.upper()
        held = best.get(key)
        if held is None or (device.registered, device.timestamp or 0) > (held.registered, held.timestamp or 0):
            best[key] = device
    return best


class RisPort:
    """One CUCM node's RisPort70 service. Thread-safe: requests are serialized, so a bench of
    phones asking at once does not multiply the request rate CUCM counts."""

    def __init__(self, host: str, *, username: str, password: str, port: int = 8443,
                 verify: bool | str = True, timeout: float = 15.0, retries: int = 3,
                 backoff: float = 30.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = f"https://{host}:{port}{PATH}"
        self._auth = (username, password)
        self._verify = verify
        self._timeout, self._retries, self._backoff, self._sleep = timeout, retries, backoff, sleep
        self._lock = threading.Lock()
        self.rate_limited = 0
        """How many Server.RateControl answers were waited out (evidence for the report)."""

    def select(self, items: Sequence[str], *, select_by: str = "Name", model: int = MODEL_ANY,
               status: str = "Any") -> list[CmDevice]:
        """Every device matching `items` (names, `*` wildcards, or IPs with select_by
        `IPV4Address`), asked MAX_DEVICES at a time."""
        devices: list[CmDevice] = []
        chunks = [list(items[i:i + MAX_DEVICES]) for i in range(0, len(items), MAX_DEVICES)] or [["*"]]
        for chunk in chunks:
            body = request_body(chunk, select_by=select_by, model=model, status=status)
            devices.extend(self._ask(body))
        return devices

    def _ask(self, body: bytes) -> list[CmDevice]:
        with self._lock:
            for attempt in range(self._retries + 1):
                try:
                    return parse_devices(soap.call(self.url, body, action="selectCmDevice", auth=self._auth,
                                                   verify=self._verify, timeout=self._timeout))
                except soap.SoapFault as fault:
                    if not (fault.code.endswith(RATE_CONTROL) or "Exceeded allowed rate" in fault.text):
                        raise RisPortError(str(fault)) from None
                    if attempt == self._retries:
                        raise RisPortRateLimited(f"{self.url}: still rate limited after {attempt} retries: "
                                                 f"{fault.code}: {fault.text}") from None
                    self.rate_limited += 1
                    self._sleep(self._backoff * (attempt + 1))
                except soap.SoapAuthError as refused:
                    raise RisPortAuthError(str(refused)) from None
                except soap.SoapError as error:
                    raise RisPortError(str(error)) from None
        raise AssertionError("unreachable")
