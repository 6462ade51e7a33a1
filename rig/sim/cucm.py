"""SimCucm: the two services of a CUCM cluster a 7942 touches while it boots.

- TFTP (real UDP, tftpy): per phone `ITLSEP<MAC>.tlv` (signed by the cluster's current
  CallManager/TFTP cert), `CTLSEP<MAC>.tlv` not found (a non-secure cluster has no CTL),
  `SEP<MAC>.cnf.xml.sgn` and `SEP<MAC>.cnf.xml`, the load's `.loads` file, its five `.sbn`
  images and `term42.default.loads`. Anything else: TFTP error 1, File not found.
- HTTP authentication service (`/ccmcip/authenticate.jsp`), the URL phones ask before they
  accept a remote key press or screenshot request.
Signed files are built on first request and cached: signing 480 files for a 240-phone bench up
front would only slow every bench's start.
"""

from __future__ import annotations

import functools
import ipaddress
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from drivers.macaddr import normalize_mac
from rig.sim.clock import SimClock
from rig.sim.device_config import DeviceConfig
from rig.sim.loads import DEFAULT_LOADS, NEW_LOAD, image_content, load_file
from rig.sim.pki import ClusterPki
from rig.sim.tftp import MemoryTftpServer
from rig.trust import build_sgn

AUTH_PATH = "/ccmcip/authenticate.jsp"
DEFAULT_USERS = {"rig": "rig-sim"}  # the simulator's own credentials, not anyone's secret


class SimCucm:
    """TFTP + authentication URL of a simulated cluster for the given phones [(name, mac)]."""

    def __init__(
        self,
        clock: SimClock,
        pki: ClusterPki,
        phones: Iterable[tuple[str, str]],
        *,
        load_id: str = NEW_LOAD,
        image_bytes: int = 65536,
        host: str = "127.0.0.1",
        port: int = 0,
        loss: float = 0.0,
        users: dict[str, str] | None = None,
    ) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"SimCucm: refusing to bind non-loopback address {host}")
        if image_bytes < 1:
            raise ValueError(f"SimCucm: image_bytes must be positive, not {image_bytes}")
        self.clock = clock
        self.pki = pki
        self.load_id = load_id
        self.image_bytes = image_bytes
        self.host = host
        self.users = dict(DEFAULT_USERS if users is None else users)
        self.phones = {normalize_mac(mac): name for name, mac in phones}
        self._load = load_file(load_id, image_bytes)
        self._images = {image.name.lower(): image.name for image in self._load.images}
        self._tftp = MemoryTftpServer(self._file, host=host, port=port, loss=loss)
        self._http: ThreadingHTTPServer | None = None
        self._http_thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._tftp.start()
        self._http = _AuthServer((self.host, 0), self)
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.1}, name="cucm-auth", daemon=True
        )
        self._http_thread.start()

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        self._tftp.stop()

    def __enter__(self) -> SimCucm:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what others read -----------------------------------------------------------------
    @property
    def tftp_address(self) -> tuple[str, int]:
        return self._tftp.address

    @property
    def auth_url(self) -> str:
        if self._http is None:
            raise RuntimeError("SimCucm is not started")
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}{AUTH_PATH}"

    @property
    def trust_anchor_pem(self) -> bytes:
        return self.pki.trust_anchor_pem

    @property
    def requests(self) -> list[tuple[str, str, bool]]:
        """(client ip, file name, served) for every TFTP read request, oldest first."""
        return self._tftp.requests

    def authorized(self, user: str, password: str) -> bool:
        return user in self.users and self.users[user] == password

    # -- TFTP files -----------------------------------------------------------------------
    def _file(self, name: str, client: str) -> bytes | None:
        lower = name.lower()
        if lower in self._images:
            return image_content(self._images[lower], self.image_bytes)
        if lower in (f"{self.load_id}.loads".lower(), DEFAULT_LOADS):
            return self._load.render()
        if lower == "itlfile.tlv":
            return self._itl("ITLFile.tlv")
        for prefix, suffix, build in (
            ("itlsep", ".tlv", self._itl),
            ("sep", ".cnf.xml.sgn", self._signed_config),
            ("sep", ".cnf.xml", self._config),
        ):
            if lower.startswith(prefix) and lower.endswith(suffix):
                mac = name[len(prefix) : len(name) - len(suffix)].upper()
                if mac in self.phones:
                    return build(f"{name[: len(prefix)].upper()}{mac}{suffix}")
        return None  # CTLSEP<MAC>.tlv included: this cluster is not in mixed mode

    @functools.cache
    def _itl(self, filename: str) -> bytes:
        return self.pki.itl(self.pki.current, filename)

    @functools.cache
    def _config(self, filename: str) -> bytes:
        device = filename.split(".", 1)[0]
        return DeviceConfig(device, self.load_id, self.auth_url, self.host).render()

    @functools.cache
    def _signed_config(self, filename: str) -> bytes:
        return build_sgn(
            self._config(filename.removesuffix(".sgn")),
            filename=filename,
            signer_cert=self.pki.current.cert,
            signer_key=self.pki.current.key,
        )


class _AuthServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], cucm: SimCucm) -> None:
        super().__init__(address, _AuthHandler)
        self.cucm = cucm


class _AuthHandler(BaseHTTPRequestHandler):
    """`GET /ccmcip/authenticate.jsp?UserID=..&Password=..&devicename=..` -> AUTHORIZED or not."""

    server: _AuthServer

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != AUTH_PATH:
            self.send_error(404)
            return
        query = parse_qs(url.query)
        user = query.get("UserID", [""])[0]
        password = query.get("Password", [""])[0]
        body = b"AUTHORIZED" if self.server.cucm.authorized(user, password) else b"UN-AUTHORIZED"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the request line carries the password in its query string."""
