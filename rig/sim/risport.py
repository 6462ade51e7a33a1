"""The simulated CUCM's RisPort70 service: `selectCmDevice` over HTTPS on loopback.

Written from the public RISService70 WSDL (served as is from `RISService70.wsdl`, a byte-exact
copy of tests/fixtures/real/risport/RISService70-12.5.wsdl, with only its service address set to
where the client reached it, as Axis does) and public RisPort clients:
- `GET /realtimeservice2/services/RISService70?wsdl` answers the WSDL; `POST` to the same path
  answers `selectCmDevice` and `selectCmDeviceExt`, HTTP Basic required for both;
- the answer is `ns1:selectCmDeviceResponse` (namespace `http://schemas.cisco.com/ast/soap`,
  every element qualified: the WSDL's elementFormDefault) > `selectCmDeviceReturn` >
  `SelectCmDeviceResult` (`TotalDevicesFound`, `CmNodes` > `item` > `ReturnCode`, `Name`,
  `NoChange`, `CmDevices` > `item` with the CmDevice fields in the WSDL's order) and `StateInfo`;
  an empty result is `TotalDevicesFound` 0 with `CmNodes` nil (a real answer quoted in a public
  splunk RisPort lookup's docstring, find_string `<ns1:selectCmDeviceReturn`);
- `DirNumber` is `<DN>-<Status>` (`1000-Registered`; public clients strip `-Registered`);
- `Model` 434 is the 7942 (source: a public RisPort client's model table, find_string
  `434: return('Cisco 7942')`);
- `SelectItems` `Item` may hold `*` wildcards, and several names joined by commas (as the
  `ciscoris` package sends them; unconfirmed on a real CUCM);
- past CUCM's rate limit the answer is a SOAP fault, HTTP 500, `faultcode` `ns1:Server.RateControl`,
  `faultstring` `AxisFault: Exceeded allowed rate for Reatime information. ...` (sic; public PHP
  RisPort tools match this text; the `ns1` binding of the faultcode is unconfirmed). The
  simulator answers it for the next `rate_control` requests (a fault knob), not by counting.
`StatusReason` values other than 0 are unconfirmed (no public table found); rig hangs no verdict
on the number.
"""

from __future__ import annotations

import base64
import fnmatch
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from importlib.resources import files
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from rig.sim import axl
from rig.sim.box import SimBox
from rig.sim.http_server import LoopbackHttpServer
from rig.sim.soap import NS, SOAP_ENV, RisDevice, envelope, fault
from rig.sim.tls import server_tls

PATH = "/realtimeservice2/services/RISService70"
AXL_PATH = "/axl/"
"""AXL listPhone (rig.sim.axl) is served by the same Tomcat, as on CUCM."""
WSDL_ADDRESS = "https://localhost:8443"
"""The service address as the captured WSDL spells it; replaced by where the client connected."""
RATE_FAULT = ("AxisFault: Exceeded allowed rate for Reatime information. Current allowed rate for "
              "realtime information is 15 requests per minute.")
NODE = "cucm-pub.rig.sim"


class SimRisPort(SimBox):
    """RisPort70 over HTTPS; `devices()` is asked at each request (the bench's phones as they stand)."""

    def __init__(self, devices: Callable[[], list[RisDevice]], *, username: str, password: str,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.devices = devices
        self.credentials = (username, password)
        self.tls = server_tls(host)
        self._server = _Server((host, port), self)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._rate_control = 0
        self._requests: list[str] = []

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def ca_pem(self) -> bytes:
        return self.tls.ca_pem

    def set_rate_control(self, count: int) -> None:
        """Answer the next `count` selectCmDevice requests with Server.RateControl."""
        with self._lock:
            self._rate_control = count

    def requests_received(self) -> list[str]:
        """Operations asked, oldest first (`selectCmDevice`, `selectCmDeviceExt`, `RateControl`)."""
        with self._lock:
            return list(self._requests)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="sim-risport", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, body: bytes) -> tuple[int, bytes]:
        """HTTP status and SOAP body for one POSTed envelope."""
        try:
            operation, criteria = _criteria(body)
        except ValueError as error:
            return 500, fault("soapenv:Server.userException", str(error))
        with self._lock:
            limited = self._rate_control > 0
            self._rate_control -= 1 if limited else 0
            self._requests.append("RateControl" if limited else operation)
        if limited:
            return 500, fault("ns1:Server.RateControl", RATE_FAULT)
        chosen = [d for d in self.devices() if _matches(d, criteria)][: criteria.max_devices]
        return 200, _response(chosen)


@dataclass(frozen=True)
class _Criteria:
    max_devices: int
    model: int
    status: str
    select_by: str
    items: tuple[str, ...]


def _criteria(body: bytes) -> tuple[str, _Criteria]:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise ValueError(f"Unmarshalling error: {error}") from None
    for operation in ("selectCmDevice", "selectCmDeviceExt"):
        call = root.find(f"{{{SOAP_ENV}}}Body/{{{NS}}}{operation}")
        if call is not None:
            break
    else:
        raise ValueError("no selectCmDevice or selectCmDeviceExt in the request body")
    crit = call.find(f"{{{NS}}}CmSelectionCriteria")
    if crit is None:
        raise ValueError("CmSelectionCriteria missing")

    def text(tag: str, default: str) -> str:
        return (crit.findtext(f"{{{NS}}}{tag}") or "").strip() or default

    items = tuple(part.strip() for item in crit.iterfind(f"{{{NS}}}SelectItems/{{{NS}}}item/{{{NS}}}Item")
                  for part in (item.text or "").split(",") if part.strip())
    try:
        max_devices, model = int(text("MaxReturnedDevices", "1000")), int(text("Model", "255"))
    except ValueError as error:
        raise ValueError(f"Unmarshalling error: {error}") from None
    return operation, _Criteria(max_devices, model, text("Status", "Any"), text("SelectBy", "Name"), items)


def _matches(device: RisDevice, criteria: _Criteria) -> bool:
    if criteria.model != 255 and criteria.model != device.model:
        return False
    if criteria.status != "Any" and criteria.status != device.status:
        return False
    key = device.ip or "" if criteria.select_by == "IPV4Address" else device.name
    return not criteria.items or any(fnmatch.fnmatchcase(key.upper(), i.upper()) for i in criteria.items)


def _el(tag: str, value: object) -> str:
    return f"<ns1:{tag}>{escape(str(value))}</ns1:{tag}>"


def _nil(tag: str) -> str:
    return f'<ns1:{tag} xsi:nil="true"/>'


def _device(d: RisDevice) -> str:
    ip = (f"<ns1:IPAddress><ns1:item>{_el('IP', d.ip)}{_el('IPAddrType', 'ipv4')}"
          f"{_el('Attribute', 'Unknown')}</ns1:item></ns1:IPAddress>") if d.ip else "<ns1:IPAddress/>"
    registered = d.status == "Registered"
    return (
        "<ns1:item>" + _el("Name", d.name) + _el("DirNumber", f"{d.dir_number}-{d.status}")
        + _el("DeviceClass", "Phone") + _el("Model", d.model) + _el("Product", 0) + _el("BoxProduct", 0)
        + _el("Httpd", "Yes" if registered else "Unknown") + _el("RegistrationAttempts", 0)
        + _el("IsCtiControllable", "true") + _nil("LoginUserId") + _el("Status", d.status)
        + _el("StatusReason", d.status_reason) + _el("PerfMonObject", 2) + _el("DChannel", 0)
        + _el("Description", d.description) + _nil("H323Trunk") + _el("TimeStamp", d.timestamp)
        + _el("Protocol", "SCCP") + _el("NumOfLines", 1)
        + f"<ns1:LinesStatus><ns1:item>{_el('DirectoryNumber', d.dir_number)}{_el('Status', d.status)}"
        + "</ns1:item></ns1:LinesStatus>"
        + (_el("ActiveLoadID", d.active_load_id) if d.active_load_id else _nil("ActiveLoadID"))
        + _nil("InactiveLoadID") + _el("DownloadStatus", "Unknown") + _nil("DownloadFailureReason")
        + _nil("DownloadServer") + ip + "</ns1:item>"
    )


def _response(devices: list[RisDevice]) -> bytes:
    nodes = (f"<ns1:CmNodes><ns1:item>{_el('ReturnCode', 'Ok')}{_el('Name', NODE)}{_el('NoChange', 'false')}"
             f"<ns1:CmDevices>{''.join(_device(d) for d in devices)}</ns1:CmDevices></ns1:item></ns1:CmNodes>"
             if devices else _nil("CmNodes"))
    return envelope(
        f'<ns1:selectCmDeviceResponse xmlns:ns1="{NS}"><ns1:selectCmDeviceReturn><ns1:SelectCmDeviceResult>'
        f"{_el('TotalDevicesFound', len(devices))}{nodes}</ns1:SelectCmDeviceResult>"
        "<ns1:StateInfo></ns1:StateInfo></ns1:selectCmDeviceReturn></ns1:selectCmDeviceResponse>"
    )


class _Server(LoopbackHttpServer):
    def __init__(self, address: tuple[str, int], service: SimRisPort) -> None:
        super().__init__(address, _Handler)
        self.service = service
        self.socket = service.tls.context.wrap_socket(self.socket, server_side=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        expected = base64.b64encode(":".join(self.server.service.credentials).encode()).decode()
        if header == f"Basic {expected}":
            return True
        self._send(401, b"<html><body><h1>HTTP Status 401</h1></body></html>", "text/html",
                   {"WWW-Authenticate": 'Basic realm="Cisco RIS"'})
        return False

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != PATH or url.query.lower() != "wsdl":
            self._send(404, b"", "text/html")
            return
        if self._authorized():
            wsdl = files("rig.sim").joinpath("RISService70.wsdl").read_bytes()
            here = f"https://{self.headers.get('Host', '%s:%d' % self.server.service.address)}".encode()
            self._send(200, wsdl.replace(WSDL_ADDRESS.encode(), here), "text/xml;charset=utf-8")

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path.rstrip("/") not in (PATH, AXL_PATH.rstrip("/")):
            self._send(404, b"", "text/html")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self._authorized():
            service = self.server.service
            status, answer = (service.answer(body) if path.rstrip("/") == PATH
                              else axl.answer(body, service.devices()))
            self._send(status, answer, "text/xml;charset=utf-8")

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent, like the simulator's other web servers."""
