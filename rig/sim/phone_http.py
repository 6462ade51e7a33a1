"""The 7942's own web server: device information, network configuration, status messages,
remote key-press (`POST /CGI/Execute`) and screenshot (`GET /CGI/Screenshot`).

Key-press and screenshot need HTTP Basic credentials, which the phone does not judge itself: it
asks the authentication URL of its *current* configuration and accepts only `AUTHORIZED`. That
is why a phone stuck with a stale configuration (a dead authentication URL) answers
`<CiscoIPPhoneError Number="4" />` to every remote key press.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
import threading
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

from rig.sim.chaos import ExchangeFaults
from rig.sim import phone_pages as pages
from rig.sim.http_server import LoopbackHttpServer

MAX_EXECUTE_ITEMS = 3
AUTH_TIMEOUT = 3.0
"""Real seconds the phone waits for its authentication URL."""

# The phone's own client must not go through an HTTP proxy from the environment: the
# authentication URL is on loopback and must stay there.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class RequestDrops:
    """The http_drops fault: requests the web server leaves unanswered once a key reached the
    phone (or its solenoid missed), as a request lost on the network right after the keys."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._lock = threading.Lock()

    def take(self, keyed: bool) -> bool:
        """Whether this request goes unanswered."""
        with self._lock:
            if keyed and self.count > 0:
                self.count -= 1
                return True
            return False


class WebPhone(Protocol):
    """What the web server needs from the phone."""

    name: str
    device_name: str
    exchange_faults: ExchangeFaults | None

    def facts(self) -> pages.PhoneFacts: ...

    def status_messages(self) -> Sequence[str]: ...

    def authentication_url(self) -> str: ...

    request_drops: RequestDrops

    def keys_received(self) -> Sequence[object]: ...

    def execute_key(self, key: str) -> None: ...

    def init_application(self, name: str) -> None: ...

    def screenshot_png(self) -> bytes: ...


def ask_authentication_url(url: str, user: str, password: str, device_name: str) -> bool:
    """What the phone does with Basic credentials: GET its authentication URL, want AUTHORIZED."""
    try:
        host = urlsplit(url).hostname or ""
        if not ipaddress.ip_address(host).is_loopback:
            return False  # the simulated phone only ever talks to loopback
        query = urlencode({"UserID": user, "Password": password, "devicename": device_name})
        with _DIRECT.open(f"{url}?{query}", timeout=AUTH_TIMEOUT) as reply:
            return bool(reply.read(64).strip() == b"AUTHORIZED")
    except (OSError, ValueError):
        return False


class PhoneHttpServer:
    """One phone's web server on its own loopback address; started and stopped with its power.

    It serves with its own accept loop instead of `serve_forever`, whose shutdown waits for a
    poll period: a switch powering off 240 phones one port after another must not wait 240 times.
    """

    def __init__(self, phone: WebPhone, host: str, port: int) -> None:
        self._server = _Server((host, port), phone)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"phone-http-{phone.name}", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def close(self) -> None:
        """Stop serving; afterwards connections are refused, as from an unpowered phone."""
        self._closed.set()
        try:
            self._server.socket.shutdown(socket.SHUT_RDWR)  # wakes the accept loop at once
        except OSError:
            pass
        self._thread.join(timeout=2)
        self._server.server_close()

    def _serve(self) -> None:
        while not self._closed.is_set():
            self._server.handle_request()  # blocks until a connection (or close()) arrives


class _Server(LoopbackHttpServer):
    timeout = None  # handle_request() waits for the next connection, however long

    def __init__(self, address: tuple[str, int], phone: WebPhone) -> None:
        super().__init__(address, _Handler)
        self.phone = phone


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "Allegro-Software-RomPager/4.34"  # what a 7942's web server calls itself
    sys_version = ""

    def handle_one_request(self) -> None:
        """One request, unless the phone drops it: then the connection closes without a reply."""
        phone = self.server.phone
        if phone.request_drops.take(keyed=bool(phone.keys_received())):
            self.raw_requestline = self.rfile.readline(65537)  # the request arrived, and goes unanswered
            self.close_connection = True
            return
        super().handle_one_request()

    _answer_lost = False

    def _exchange_fault(self) -> bool:
        """Apply the random fault of this request (rig.sim.chaos), if any; True: drop it unanswered."""
        faults = self.server.phone.exchange_faults
        kind = faults.pick("phone_http", f"{self.server.phone.name} {self.command} {self.path}") if faults else None
        if kind == "slow":
            faults.wait_slow()
        self._answer_lost = kind == "lost_answer"
        if kind == "drop":
            self.close_connection = True
        return kind == "drop"

    def do_GET(self) -> None:
        if self._exchange_fault():
            return
        url = urlsplit(self.path)
        phone = self.server.phone
        if url.path == "/DeviceInformationX":
            self._reply(pages.device_information(phone.facts(), datetime.now()), "text/xml")
        elif url.path == "/NetworkConfigurationX":
            self._reply(pages.network_configuration(phone.facts()), "text/xml")
        elif url.path == pages.STATUS_PATH and parse_qs(url.query).get("adapter") == [pages.STATUS_ADAPTER]:
            self._reply(pages.status_messages(phone.facts(), phone.status_messages()), "text/html")
        elif url.path == "/CGI/Screenshot":
            if self._authenticated():
                self._reply(phone.screenshot_png(), "image/png")
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        if self._exchange_fault():
            return
        if urlsplit(self.path).path != "/CGI/Execute":
            self.send_error(404)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("iso-8859-1")
        if not self._authenticated():
            return
        document = parse_qs(body).get("XML", [""])[0]
        try:
            root = ET.fromstring(document)
        except ET.ParseError:
            self._phone_error(pages.ERROR_PARSE)
            return
        items = root.findall("ExecuteItem")
        if root.tag != "CiscoIPPhoneExecute" or not 1 <= len(items) <= MAX_EXECUTE_ITEMS:
            self._phone_error(pages.ERROR_PARSE)
            return
        answers = [self._execute(item.get("URL", "")) for item in items]
        self._reply(pages.execute_response(answers), "text/xml")

    def _execute(self, uri: str) -> tuple[int, str, str]:
        """(Status, Data, URL) of one ExecuteItem: `Key:<key>` presses a key, `Init:<object>`
        (rig.sim.phone_menu.PhoneMenu.init) closes an application. Status 6 for a URI the phone
        cannot run is unconfirmed (no capture); rig reads only Status 0 as success."""
        phone = self.server.phone
        scheme, _, argument = uri.partition(":")
        run = {"Key": phone.execute_key, "Init": phone.init_application}.get(scheme)
        if run is not None:
            try:
                run(argument)
                return 0, "Success", uri
            except ValueError:
                pass
        return 6, "URI not found", uri

    def _authenticated(self) -> bool:
        """Check Basic credentials with the phone's authentication URL; answer the error if not."""
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="user"')
            self._finish(pages.phone_error(pages.ERROR_AUTH), "text/xml")
            return False
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode("iso-8859-1").partition(":")
        except (binascii.Error, ValueError):
            user, password = "", ""
        phone = self.server.phone
        if not ask_authentication_url(phone.authentication_url(), user, password, phone.device_name):
            self._phone_error(pages.ERROR_AUTH)
            return False
        return True

    def _phone_error(self, number: int) -> None:
        self._reply(pages.phone_error(number), "text/xml")

    def _reply(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self._finish(body, content_type)

    def _finish(self, body: bytes, content_type: str) -> None:
        if self._answer_lost:  # the phone acted; the connection closes before its answer leaves
            self._headers_buffer = []
            self.close_connection = True
            return
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: 240 phones' access logs would drown the test output."""

