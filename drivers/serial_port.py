"""What the serial drivers (console, actuator board) share about their lines.

A `socket://host:port` URL (a console or serial-over-IP server's raw TCP port) is opened as a
plain socket, not through pyserial: pyserial's socket:// port select()s before every read, which
raises for a descriptor past 1024 (a controller with hundreds of phones holds more) and cost a
select and a recv per byte of an actuator board's answer line.
"""

from __future__ import annotations

import socket
from typing import Protocol
from urllib.parse import urlsplit

import serial


class Closable(Protocol):
    def close(self) -> None: ...


def is_socket_url(url: str) -> bool:
    return url.startswith("socket://")


def open_socket_url(url: str, timeout: float) -> socket.socket:
    """The TCP connection of a `socket://host:port` URL (pyserial's own options, `?logging=`,
    have no meaning here); `timeout` bounds the connect."""
    parts = urlsplit(url)
    if not parts.hostname or parts.port is None:
        raise ValueError(f"expected socket://<host>:<port>, not {url!r}")
    return socket.create_connection((parts.hostname, parts.port), timeout=timeout)


def close_quietly(port: Closable | None) -> None:
    """Close a port whose line may already be gone: a peer that hung up makes close() raise,
    and a port being thrown away has nothing left to report."""
    if port is None:
        return
    try:
        port.close()
    except (serial.SerialException, OSError):
        pass
