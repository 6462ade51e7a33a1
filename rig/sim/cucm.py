"""SimCucm: the two services of a CUCM cluster a 7942 touches while it boots.

- TFTP (real UDP, `rig.sim.tftp`): per phone `ITLSEP<MAC>.tlv` (signed by the cluster's current
  CallManager/TFTP cert), `CTLSEP<MAC>.tlv` not found (a non-secure cluster has no CTL),
  `SEP<MAC>.cnf.xml.sgn` and `SEP<MAC>.cnf.xml`, the load's `.loads` file, its five `.sbn`
  images and `term42.default.loads`. Anything else: TFTP error 1, File not found. Write
  requests are refused with TFTP error 2, Access violation: CUCM's TFTP service only serves
  files (they are built and uploaded through its administration pages, never over TFTP).
- HTTP authentication service (`/ccmcip/authenticate.jsp`), the URL phones ask before they
  accept a remote key press or screenshot request.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from rig.sim.box import SimBox
from rig.sim.clock import SimClock
from rig.sim.device_config import DeviceConfig
from rig.sim.http_server import LoopbackHttpServer
from rig.sim.loads import DEFAULT_LOADS, NEW_LOAD, ImageSizes, LoadFile, image_content, load_file
from rig.sim.names import canonical_mac
from rig.sim.observe import TftpRead
from rig.sim.pki import ClusterPki
from rig.sim.tftp import MemoryTftpServer
from rig.sim.tvs import SimTvs
from rig.trust import build_rollback_itl, build_sgn

AUTH_PATH = "/ccmcip/authenticate.jsp"
DEFAULT_USERS = {"rig": "rig-sim"}  # the simulator's own credentials, not anyone's secret


class SimCucm(SimBox):
    """TFTP, TVS and the authentication URL of a simulated cluster for the given phones [(name, mac)]."""

    def __init__(
        self,
        clock: SimClock,
        pki: ClusterPki,
        phones: Iterable[tuple[str, str]],
        *,
        load_id: str = NEW_LOAD,
        image_bytes: ImageSizes = 65536,
        host: str = "127.0.0.1",
        port: int = 0,
        loss: float = 0.0,
        users: dict[str, str] | None = None,
        web_access_off: Iterable[str] = (),
        tftp_start_method: str = "spawn",
        peer_sharing: bool = False,
        rollback: bool = False,
    ) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"SimCucm: refusing to bind non-loopback address {host}")
        if image_bytes != "real" and image_bytes < 1:
            raise ValueError(f"SimCucm: image_bytes must be positive, not {image_bytes}")
        self.clock = clock
        self.pki = pki
        self.load_id = load_id
        self.image_bytes = image_bytes
        self.host = host
        self.users = dict(DEFAULT_USERS if users is None else users)
        self.phones = {canonical_mac(mac): name for name, mac in phones}
        self.web_access_off = frozenset(web_access_off)
        """Phone names whose configuration disables web access (`<webAccess>1</webAccess>`)."""
        self.peer_sharing = peer_sharing
        """Every phone's configuration enables Peer Firmware Sharing (`<peerFirmwareSharing>1`)."""
        self.rollback = rollback
        """"Prepare Cluster for Rollback to pre 8.0" is True: every ITL served is a rollback ITL."""
        self.load_server = ""
        """`<loadServer>` of every phone's configuration (set before start; "" for none)."""
        self._tftp_options = {"host": host, "port": port, "loss": loss, "start_method": tftp_start_method}
        self._tftp: MemoryTftpServer | None = None
        self._http: LoopbackHttpServer | None = None
        self._http_thread: threading.Thread | None = None
        self._tvs = SimTvs(pki, host)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """The web server's socket first (the config files name its URL), then TFTP, whose process
        may be forked (`tftp_start_method`) only while no thread of ours runs, then the web thread."""
        self._http = _AuthServer((self.host, 0), self)
        self._tftp = MemoryTftpServer(self._tftp_files(), **self._tftp_options)  # type: ignore[arg-type]
        self._tftp.start()
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.1}, name="cucm-auth", daemon=True
        )
        self._http_thread.start()
        self._tvs.start()

    def stop(self) -> None:
        self._tvs.stop()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._tftp is not None:
            self._tftp.stop()
            self._tftp = None


    # -- what others read -----------------------------------------------------------------
    @property
    def tftp_address(self) -> tuple[str, int]:
        if self._tftp is None:
            raise RuntimeError("SimCucm is not started")
        return self._tftp.address

    @property
    def tvs_address(self) -> tuple[str, int]:
        """Where the cluster's Trust Verification Service answers (rig.sim.tvs)."""
        return self._tvs.address

    @property
    def auth_url(self) -> str:
        if self._http is None:
            raise RuntimeError("SimCucm is not started")
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}{AUTH_PATH}"

    @property
    def trust_anchor_pem(self) -> bytes:
        return self.pki.trust_anchor_pem

    def reads(self) -> list[TftpRead]:
        """Every TFTP read request, oldest first (rig.sim.observe)."""
        requests = [] if self._tftp is None else self._tftp.requests
        return [TftpRead(client, file, served) for client, file, served in requests]

    def authorized(self, user: str, password: str) -> bool:
        return user in self.users and self.users[user] == password

    # -- TFTP files -----------------------------------------------------------------------
    def _tftp_files(self) -> CucmFiles:
        """Every phone's ITL and configs, signed up front (signing on request would stall the
        single TFTP server loop just when a whole bench asks at once after a power-up)."""
        files = {"itlfile.tlv": self._itl("ITLFile.tlv")}
        for mac, name in self.phones.items():
            device = f"SEP{mac}"
            web_access = name not in self.web_access_off
            config = DeviceConfig(device, self.load_id, self.auth_url, self.host, web_access,
                                  self.peer_sharing, self.load_server).render()
            files[f"itl{device}.tlv".lower()] = self._itl(f"ITL{device}.tlv")
            files[f"{device}.cnf.xml".lower()] = config
            files[f"{device}.cnf.xml.sgn".lower()] = build_sgn(
                config, filename=f"{device}.cnf.xml.sgn", signer_cert=self.pki.current.cert,
                signer_key=self.pki.current.key,
            )
        return CucmFiles(load_file(self.load_id, self.image_bytes), files)

    def _itl(self, filename: str) -> bytes:
        """The cluster's ITL, or with the rollback parameter set, the rollback ITL: signed by the
        same certificate, with no TFTP or TVS record (rig.trust.rollback for the sources)."""
        current = self.pki.current
        if self.rollback:
            return build_rollback_itl(signer_cert=current.cert, signer_key=current.key, filename=filename)
        return self.pki.itl(current, filename, self.pki.tvs)


@dataclass(frozen=True)
class CucmFiles:
    """What the TFTP server answers, by name: the load's files and `files` (keys in lower case);
    picklable, as it runs in the TFTP server's process. The simulated CUCME router serves its
    files the same way.

    Names match case-insensitively. CTLSEP<MAC>.tlv is not found: the cluster is not in mixed mode.
    """

    load: LoadFile
    files: dict[str, bytes]

    def __call__(self, name: str, client: str) -> bytes | None:
        return load_files(self.load, name) or self.files.get(name.lower())


def load_files(load: LoadFile, name: str) -> bytes | None:
    """A file of the load by name (case-insensitive): its `.loads` file or one of its images."""
    lower = name.lower()
    for image in load.images:
        if image.name.lower() == lower:
            return image_content(image.name, image.size)
    if lower in (f"{load.load_id}.loads".lower(), DEFAULT_LOADS):
        return load.render()
    return None


class _AuthServer(LoopbackHttpServer):
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
