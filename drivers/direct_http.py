"""HTTP straight to a device (a phone's pages, CUCM's SOAP services), bounded, ignoring the
environment's proxy settings.

Phones sit on the lab LAN; an office `HTTP_PROXY` (or a `.netrc`) in the engineer's shell must
not reroute or re-authenticate a key press or a page fetch. The standard library's http.client
never looks at the environment, and spent a fraction of the CPU requests did on a page (requests:
about 2 ms per GET, measured on 2,300 GETs of a 240-phone run).

`request` bounds the whole exchange (rig.drivers.bounded): connect, TLS handshake, request and answer
share one deadline and one size limit, and every wait is a slice of at most a second. A page
trickled a byte at a time therefore ends at its deadline, where a per-read timeout let it run
forever (issue 29, M2).
"""

from __future__ import annotations

import base64
import http.client
import io
import os
import socket
import ssl
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urlsplit

import requests.certs

from rig.drivers.bounded import Budget, open_connection, send_all, sliced


@dataclass(frozen=True)
class Reply:
    status: int
    content: bytes
    headers: Message = field(repr=False)

    @property
    def text(self) -> str:
        """The content decoded with the charset its Content-Type names, ISO-8859-1 when it names
        none (HTTP/1.1's default for text, RFC 2616 section 3.7.1)."""
        return self.content.decode(self.headers.get_content_charset() or "iso-8859-1", errors="replace")


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """`verify` as requests reads it: True checks against requests' own CA bundle (certifi's),
    a path against that CA bundle (file) or directory, False checks nothing."""
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if verify is True:
        return ssl.create_default_context(cafile=requests.certs.where())
    return ssl.create_default_context(capath=verify) if os.path.isdir(verify) else ssl.create_default_context(cafile=verify)


def request(method: str, url: str, *, seconds: float, limit: int, body: bytes | None = None,
            headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None,
            verify: bool | str = True) -> Reply:
    """One exchange on its own connection, the whole of it within `seconds` and `limit` bytes.

    Raises rig.drivers.bounded's ReadTimeout (a TimeoutError), TooLarge or Abandoned (OSErrors),
    ConnectionRefusedError when nothing listens, ssl.SSLError for a certificate not trusted,
    other OSErrors and http.client.HTTPException as they come."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent = {"Connection": "close", **(headers or {})}
    if auth is not None:
        sent["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
    tls = tls_context(verify) if parts.scheme == "https" else None
    connection = _Connection(parts.hostname or "", parts.port or (443 if tls else 80), Budget(seconds, limit), tls)
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return Reply(response.status, response.read(), response.msg)
    finally:
        connection.release()


def get(url: str, *, timeout: float, limit: int, auth: tuple[str, str] | None = None) -> Reply:
    """A GET bounded in total by `timeout` seconds and `limit` bytes (see `request`)."""
    return request("GET", url, seconds=timeout, limit=limit, auth=auth)


class _Connection(http.client.HTTPConnection):
    """http.client over a `_BoundedSocket`: its parser reads the answer, the budget bounds it."""

    def __init__(self, host: str, port: int, budget: Budget, tls: ssl.SSLContext | None) -> None:
        super().__init__(host, port)
        self._budget, self._tls = budget, tls
        self._raw: socket.socket | None = None

    def connect(self) -> None:
        raw = open_connection(self.host, self.port, self._budget)
        try:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                raw = self._tls.wrap_socket(raw, server_hostname=self.host, do_handshake_on_connect=False)
                sliced(raw, self._budget, raw.do_handshake)
        except BaseException:
            raw.close()
            raise
        self._raw = raw
        self.sock = _BoundedSocket(raw, self._budget)

    def release(self) -> None:
        """Close the socket: http.client's own close() comes before the answer is read."""
        self.close()
        if self._raw is not None:
            self._raw.close()


class _BoundedSocket:
    """The socket calls http.client makes (sendall, makefile, close), every wait a budget slice
    and every byte received counted against the budget's limit."""

    def __init__(self, sock: socket.socket, budget: Budget) -> None:
        self._sock, self._budget = sock, budget

    def sendall(self, data: bytes) -> None:
        send_all(self._sock, self._budget, data)

    def recv_into(self, buffer: memoryview) -> int:
        size = sliced(self._sock, self._budget, self._sock.recv_into, buffer)
        self._budget.count(size)
        return size

    def makefile(self, mode: str, buffering: int = -1) -> io.BufferedReader:
        return io.BufferedReader(_Reader(self))

    def close(self) -> None:
        """Nothing: http.client closes a `Connection: close` socket as soon as the answer's
        headers are in, before its body is read; `_Connection.release` closes it after."""


class _Reader(io.RawIOBase):
    def __init__(self, sock: _BoundedSocket) -> None:
        self._socket = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        return self._socket.recv_into(buffer)
