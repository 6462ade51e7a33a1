"""Read-only views of a Cisco IP phone's own web server: identity, network, status, screen.

Where each page lives is data (`WebPaths`), each default carrying its source, so a phone family
that moved a page gets its own paths instead of a code change. Production phones often have
Web Access disabled: every page is then refused or answered 404. That is `WebAccessOff`, a
PhoneWebError of its own, so a caller can record "web access off" and carry on with the
switch, console and TFTP evidence instead of failing the phone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import http.client

from rig.drivers.bounded import Abandoned, TooLarge
from rig.drivers.direct_http import Reply, get
from rig.drivers.errors import DeviceError, PHONE
from rig.drivers.phone_pages import flat_fields, status_rows

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PAGE_LIMIT = 4 * 1024 * 1024
"""Bytes of one page (rig's bound, not a phone's): the largest page is a screenshot, and even an
800x480 screen at 32 bits is 1.5 MB uncompressed (screen sizes unconfirmed here); the XML pages
are a few kB."""


@dataclass(frozen=True)
class WebPaths:
    """Where a phone family serves each page (path and query, from the server root)."""

    # source: tests/fixtures/real/device_info/cp-7962g-sccp42.9-4-2sr3-1s.xml (dspeziale/snap,
    # a real CP-7962G answering /DeviceInformationX); also a CP-7940 in FusionInventory's specs
    device_info: str = "/DeviceInformationX"
    # source: tests/fixtures/real/network_config/cp-7962g-sccp42.9-4-2sr3-1s.xml (same phone)
    network_config: str = "/NetworkConfigurationX"
    # source: the left navigation of a real CP-8845 page ("Status messages" link, quoted in
    # OpenPagingServer/documentation prerequisites.md) and every public tool reading 79x1/79x2/88xx
    # status (e.g. CUCM-Phone-Info, the ucdevops ITL-delete script); the older
    # `device.statistics.statusmessages` path appears in none of them
    status_messages: str = "/CGI/Java/Serviceability?adapter=device.settings.status.messages"
    # source: Cisco Unified IP Phone Services Application Development Notes, "CGI/Screenshot"
    screenshot: str = "/CGI/Screenshot"
    # source: Cisco Unified IP Phone Services Application Development Notes, "CiscoIPPhoneExecute"
    execute: str = "/CGI/Execute"


class PhoneWebError(DeviceError):
    """A page could not be fetched or read; the message names the phone and URL: the phone's own web
    server misbehaving is the phone's fault."""

    part = PHONE

    def reason(self) -> str:
        return f"the phone's web server: {self}"


class WebAccessOff(PhoneWebError):
    """The phone refuses its web pages (connection refused, HTTP 403 or 404): Web Access is
    probably disabled in its configuration. A phone that is off or still booting refuses
    connections too, so decide only once the phone is known to be up."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class DeviceInfo:
    """`/DeviceInformationX` as the phone wrote it: values are only trimmed of surrounding
    whitespace, decoration such as `*SCCP42.9-4-2SR3-1S*` is kept; `fields` holds every
    element verbatim, including those without an attribute here."""

    mac: str
    host_name: str
    phone_dn: str
    app_load_id: str
    boot_load_id: str
    version_id: str
    hardware_revision: str
    serial_number: str
    model_number: str
    fields: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)


_DEVICE_FIELDS = {
    "mac": "MACAddress", "host_name": "HostName", "phone_dn": "phoneDN", "app_load_id": "appLoadID",
    "boot_load_id": "bootLoadID", "version_id": "versionID", "hardware_revision": "hardwareRevision",
    "serial_number": "serialNumber", "model_number": "modelNumber",
}


def device_info_from(fields: dict[str, str]) -> DeviceInfo:
    """A DeviceInfo from the fields of a `<DeviceInformation>` document."""
    return DeviceInfo(**{attr: fields.get(tag, "").strip() for attr, tag in _DEVICE_FIELDS.items()},
                      fields=dict(fields))


class NetworkConfig(dict[str, str]):
    """`/NetworkConfigurationX` fields verbatim (a dict), with the ones rig reads by name."""

    @property
    def tftp_server_1(self) -> str:
        return self.get("TFTPServer1", "").strip()

    @property
    def tftp_server_2(self) -> str:
        return self.get("TFTPServer2", "").strip()


class PhoneWeb:
    def __init__(self, host: str, *, port: int = 80, timeout: float = 5.0, name: str = "",
                 paths: WebPaths | None = None) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.paths = paths or WebPaths()
        self.name = name or host
        self.base = f"http://{host}:{port}"

    def device_info(self) -> DeviceInfo:
        url, fields = self._xml(self.paths.device_info, "DeviceInformation")
        if "MACAddress" not in fields or not ({"appLoadID", "versionID"} & fields.keys()):
            raise PhoneWebError(f"phone {self.name}: {url} names no MACAddress, or neither appLoadID nor versionID")
        return device_info_from(fields)

    def network_config(self) -> NetworkConfig:
        return NetworkConfig(self._xml(self.paths.network_config, "NetworkConfiguration")[1])

    def status_messages(self) -> list[str]:
        return status_rows(self._get(self.base + self.paths.status_messages).text)

    def screenshot(self, username: str, password: str) -> bytes:
        url = self.base + self.paths.screenshot
        reply = self._get(url, auth=(username, password))
        if not reply.content.startswith(PNG_SIGNATURE):
            raise PhoneWebError(f"phone {self.name}: {url} did not answer a PNG image "
                                f"({reply.headers.get('Content-Type', 'no content type')})")
        return reply.content

    def page(self, path: str, auth: tuple[str, str] | None = None) -> bytes:
        """One page's body as the phone sent it (diagnostics keep it verbatim); the errors are
        the other pages' (WebAccessOff when refused)."""
        return self._get(self.base + path, auth=auth).content

    def _xml(self, path: str, root: str) -> tuple[str, dict[str, str]]:
        url = self.base + path
        body = self._get(url).content
        fields = flat_fields(body)
        if not fields or f"<{root}".encode() not in body:
            raise PhoneWebError(f"phone {self.name}: {url} did not answer a <{root}> XML document: {body[:60]!r}")
        return url, fields

    def _get(self, url: str, auth: tuple[str, str] | None = None) -> Reply:
        where = f"phone {self.name}: {url}"
        try:
            reply = get(url, timeout=self.timeout, limit=PAGE_LIMIT, auth=auth)
        except (TimeoutError, TooLarge, Abandoned) as error:
            raise PhoneWebError(f"{where}: {error}") from None
        except ConnectionRefusedError:
            raise WebAccessOff(f"{where}: connection refused (web access off, or phone not up)",
                               "connection refused") from None
        except (OSError, http.client.HTTPException) as error:
            raise PhoneWebError(f"{where}: cannot connect ({type(error).__name__})") from None
        if reply.status in (403, 404):
            raise WebAccessOff(f"{where}: HTTP {reply.status} (web access off?)", f"HTTP {reply.status}")
        if reply.status == 401:
            raise PhoneWebError(f"{where}: authentication refused (HTTP 401)")
        if reply.status != 200:
            raise PhoneWebError(f"{where}: HTTP {reply.status}")
        return reply
