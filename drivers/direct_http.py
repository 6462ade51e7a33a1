"""HTTP to a phone, ignoring proxy settings from the environment.

Phones sit on the lab LAN; an office `HTTP_PROXY` (or a `.netrc`) in the engineer's shell must
not reroute or re-authenticate a key press or a page fetch.

`get` reads a page with the standard library's http.client, which never looks at the
environment: a phone's pages are small GETs on a fresh connection, and requests spent about 2 ms
of CPU on each (measured: 2,300 GETs, 4.8 s of a 240-phone run), http.client a fraction of that.
`session` stays for the requests-based clients (keypad POSTs, SOAP).
"""

from __future__ import annotations

import base64
import http.client
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urlsplit

import requests


def session() -> requests.Session:
    """A session that ignores the environment's proxies and .netrc; keep one per phone, since
    building a session per request cost more CPU than the request on a bench of 240 phones."""
    s = requests.Session()
    s.trust_env = False
    return s


@dataclass(frozen=True)
class Reply:
    status: int
    content: bytes
    headers: Message = field(repr=False)

    @property
    def encoding(self) -> str | None:
        """The charset the Content-Type names, None when it names none."""
        return self.headers.get_content_charset()


def get(url: str, *, timeout: float, auth: tuple[str, str] | None = None) -> Reply:
    """One GET on its own connection. Raises TimeoutError when no answer comes within `timeout`,
    ConnectionRefusedError when nothing listens, other OSErrors and http.client.HTTPException as
    they come."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    headers = {"Connection": "close"}
    if auth is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return Reply(response.status, response.read(), response.msg)
    finally:
        connection.close()
