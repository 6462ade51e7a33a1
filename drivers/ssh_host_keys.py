"""SSH host-key policy for the switch driver: known_hosts first, fingerprints in every refusal.

The switch's key must be in `known_hosts` (OpenSSH format, `[host]:port` for ports other than
22). An unknown key is refused showing the fingerprint offered, unless trust-on-first-use is
allowed, which appends it. A key different from the recorded one is always refused, showing
both the fingerprint offered and the one recorded, so an operator can tell a re-keyed switch
from a man in the middle without another tool.
"""

from __future__ import annotations

import base64
import hashlib
import socket
from pathlib import Path

import paramiko

from rig.drivers.errors import DeviceError


class HostKeyRefused(DeviceError):
    """The switch's host key is not trusted; the message says why and shows fingerprints."""

    part = "switch"


class HostUnreachable(DeviceError):
    """No SSH handshake was possible to read the host key."""

    part = "switch"


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH-style `SHA256:...` fingerprint, for messages an operator can check."""
    digest = base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")
    return f"{key.get_name()} SHA256:{digest}"


def known_host_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


def offered_host_key(host: str, port: int, timeout: float) -> paramiko.PKey:
    """The key the server presents, read by an SSH handshake without logging in."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            transport = paramiko.Transport(sock)
            try:
                transport.start_client(timeout=timeout)
                return transport.get_remote_server_key()
            finally:
                transport.close()
    except (OSError, paramiko.SSHException, EOFError) as exc:
        raise HostUnreachable(f"cannot reach {host}:{port}: {exc}") from None


def ensure_known_host(known_hosts: Path, host: str, port: int, *, timeout: float, accept_new: bool) -> None:
    """Return when `known_hosts` has a key for the switch (checked at login), record the offered
    key when `accept_new`, raise HostKeyRefused otherwise."""
    keys = paramiko.HostKeys()
    try:
        if known_hosts.exists():
            keys.load(str(known_hosts))
    except (OSError, paramiko.SSHException, ValueError) as exc:
        raise HostKeyRefused(f"cannot read {known_hosts}: {exc}") from None
    name = known_host_name(host, port)
    if keys.lookup(name):
        return
    offered = offered_host_key(host, port, timeout)
    if not accept_new:
        raise HostKeyRefused(f"host key of {name} is not in {known_hosts} (offered {fingerprint(offered)});"
                             " add it there or allow accept_new_host_key")
    known_hosts.parent.mkdir(parents=True, exist_ok=True)
    with known_hosts.open("a") as f:
        f.write(f"{name} {offered.get_name()} {offered.get_base64()}\n")


def changed_key_message(error: paramiko.BadHostKeyException, host: str, port: int, known_hosts: Path) -> str:
    """The refusal of a key that differs from the recorded one, with both fingerprints."""
    return (f"host key of {known_host_name(host, port)} differs from the one in {known_hosts}"
            f" (offered {fingerprint(error.key)}, recorded {fingerprint(error.expected_key)})"
            " - possible man-in-the-middle; refusing")
