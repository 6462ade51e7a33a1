"""Read-only views of a Cisco IP phone's own web server: identity, network, status, screen.

The XML pages (`/DeviceInformationX`, `/NetworkConfigurationX`) are flat documents whose child
elements are the fields. Firmware does not always escape what it embeds (a `&` in a host name or
DN), so when a strict parse fails the flat `<tag>text</tag>` pairs are read directly. The status
messages page is HTML of the 7942's own vintage (upper-case tags, unclosed rows, `<br>` inside
cells); every table row that is not navigation is one message.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser

import requests

from drivers.direct_http import session

STATUS_MESSAGES_PATH = "/CGI/Java/Serviceability?adapter=device.statistics.statusmessages"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_FLAT_ELEMENT = re.compile(r"<([A-Za-z][\w.-]*)>([^<]*)</\1>")


class PhoneWebError(Exception):
    """A page could not be fetched or read; the message names the phone and URL."""


@dataclass(frozen=True)
class DeviceInfo:
    mac: str
    host_name: str
    phone_dn: str
    app_load_id: str
    boot_load_id: str
    version_id: str
    hardware_revision: str
    serial_number: str
    model_number: str


_DEVICE_FIELDS = {
    "mac": "MACAddress", "host_name": "HostName", "phone_dn": "phoneDN", "app_load_id": "appLoadID",
    "boot_load_id": "bootLoadID", "version_id": "versionID", "hardware_revision": "hardwareRevision",
    "serial_number": "serialNumber", "model_number": "modelNumber",
}


def flat_fields(body: bytes) -> dict[str, str]:
    """The `tag -> text` pairs of a flat XML document, tolerating unescaped characters."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        text = body.decode("iso-8859-1")
        return {tag: html.unescape(value.strip()) for tag, value in _FLAT_ELEMENT.findall(text)}
    return {child.tag: (child.text or "").strip() for child in root}


class _StatusRows(HTMLParser):
    """Collects the text of each table row; rows holding links are navigation, not messages."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[str] = []
        self._row: list[str] | None = None
        self._has_link = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._end_row()
            self._row, self._has_link = [], False
        elif tag == "br" and self._row is not None:
            self._row.append("\n")
        elif tag == "a" and self._row is not None:
            self._has_link = True
        elif tag in ("td", "th") and self._row:
            self._row.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("tr", "table"):
            self._end_row()

    def handle_data(self, data: str) -> None:
        if self._row is not None:
            self._row.append(data)

    def _end_row(self) -> None:
        if self._row is not None and not self._has_link:
            for piece in "".join(self._row).split("\n"):
                text = " ".join(piece.split())
                if text:
                    self.rows.append(text)
        self._row = None

    def close(self) -> None:
        super().close()
        self._end_row()


def status_rows(page: str) -> list[str]:
    """The messages of a status messages page, in page order, without its title row."""
    parser = _StatusRows()
    parser.feed(page)
    parser.close()
    return [r for r in parser.rows if r.lower() not in ("status messages", "status message")]


class PhoneWeb:
    def __init__(self, host: str, *, port: int = 80, timeout: float = 5.0, name: str = "") -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._session = session()
        self.name = name or host
        self.base = f"http://{host}:{port}"

    def device_info(self) -> DeviceInfo:
        url, fields = self._xml("/DeviceInformationX", "DeviceInformation")
        missing = [tag for tag in ("MACAddress", "appLoadID") if tag not in fields]
        if missing:
            raise PhoneWebError(f"phone {self.name}: {url} lacks {', '.join(missing)}")
        return DeviceInfo(**{attr: fields.get(tag, "") for attr, tag in _DEVICE_FIELDS.items()})

    def network_config(self) -> dict[str, str]:
        return self._xml("/NetworkConfigurationX", "NetworkConfiguration")[1]

    def status_messages(self) -> list[str]:
        url = self.base + STATUS_MESSAGES_PATH
        reply = self._get(url)
        return status_rows(reply.content.decode(reply.encoding or "iso-8859-1", errors="replace"))

    def screenshot(self, username: str, password: str) -> bytes:
        url = self.base + "/CGI/Screenshot"
        reply = self._get(url, auth=(username, password))
        if not reply.content.startswith(PNG_SIGNATURE):
            raise PhoneWebError(f"phone {self.name}: {url} did not answer a PNG image "
                                f"({reply.headers.get('Content-Type', 'no content type')})")
        return reply.content

    def _xml(self, path: str, root: str) -> tuple[str, dict[str, str]]:
        url = self.base + path
        body = self._get(url).content
        fields = flat_fields(body)
        if not fields or f"<{root}".encode() not in body:
            raise PhoneWebError(f"phone {self.name}: {url} did not answer a <{root}> XML document: {body[:60]!r}")
        return url, fields

    def _get(self, url: str, auth: tuple[str, str] | None = None) -> requests.Response:
        try:
            reply = self._session.request("GET", url, timeout=self.timeout, auth=auth)
        except requests.Timeout:
            raise PhoneWebError(f"phone {self.name}: {url}: no answer within {self.timeout:g} s") from None
        except requests.RequestException as error:
            raise PhoneWebError(f"phone {self.name}: {url}: cannot connect ({type(error).__name__})") from None
        if reply.status_code == 401:
            raise PhoneWebError(f"phone {self.name}: {url}: authentication refused (HTTP 401)")
        if reply.status_code != 200:
            raise PhoneWebError(f"phone {self.name}: {url}: HTTP {reply.status_code}")
        return reply
