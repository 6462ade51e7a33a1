"""One tap's records for every process that needs them: the tap's UDP port has one holder.

Only one process can listen on the tap's port (DHCP option 150 names it), yet a `rig tap`
service, runs of several phones of a bench and preflights all want the phones' fetches. The
process holding the port publishes each finished transfer on a Unix socket next to it; the others
subscribe there. The socket carries JSON lines (never pickles: a socket's peer is not trusted
with code): first a hello naming the publisher's pid and upstream, then one line per transfer.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from rig.drivers.tftp_records import TftpTransfer

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 2.0
"""How long a subscriber waits for the publisher's hello (a local process answers at once)."""


def record_fields(transfer: TftpTransfer, *, content: bool) -> dict[str, Any]:
    """A transfer as JSON fields; its kept content (base64) only when asked for."""
    fields: dict[str, Any] = {
        "client": transfer.client, "file": transfer.file, "bytes": transfer.bytes, "ok": transfer.ok,
        "error": transfer.error, "started": transfer.started.isoformat(), "ended": transfer.ended.isoformat(),
        "options": [list(pair) for pair in transfer.options], "resent": list(transfer.resent),
        "sha256": transfer.sha256, "upstream_sha256": transfer.upstream_sha256, "source": transfer.source,
    }
    if content:
        fields["content"] = base64.b64encode(transfer.content).decode("ascii") if transfer.content is not None else None
    return fields


def record_of(fields: dict[str, Any]) -> TftpTransfer:
    content = fields.get("content")
    return TftpTransfer(str(fields["client"]), str(fields["file"]), int(fields["bytes"]), bool(fields["ok"]),
                        fields["error"], datetime.fromisoformat(fields["started"]),
                        datetime.fromisoformat(fields["ended"]),
                        base64.b64decode(content) if content is not None else None,
                        tuple((str(n), str(v)) for n, v in fields.get("options") or []),
                        tuple(float(s) for s in fields.get("resent") or []), fields.get("sha256"),
                        fields.get("upstream_sha256"), str(fields.get("source", "relayed")))


class TapPublisher:
    """Hands every transfer of the tap this process holds to whoever subscribes at `path`."""

    def __init__(self, path: Path, upstream: tuple[str, int]) -> None:
        self.path = path
        self.hello = json.dumps({"hello": {"pid": os.getpid(), "upstream": list(upstream)}}).encode() + b"\n"
        self._server: socket.socket | None = None
        self._subscribers: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen at `path`; a socket file left by a process that died is replaced, a live one is an OSError."""
        if hello(self.path) is not None:
            raise OSError(f"another tap already publishes at {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.path))
        os.chmod(self.path, 0o600)  # the fetched files' content: this user's only
        server.listen()
        self._server = server
        self._thread = threading.Thread(target=self._accept, name="tftp-tap-publisher", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        assert self._server is not None
        while True:
            try:
                peer, _ = self._server.accept()
            except OSError:
                return  # closed by stop()
            try:
                peer.sendall(self.hello)
            except OSError:
                peer.close()
                continue
            with self._lock:
                self._subscribers.append(peer)

    def publish(self, transfer: TftpTransfer) -> None:
        line = json.dumps(record_fields(transfer, content=True)).encode() + b"\n"
        with self._lock:
            for peer in list(self._subscribers):
                try:
                    peer.sendall(line)
                except OSError:  # the subscriber ended: drop it
                    self._subscribers.remove(peer)
                    peer.close()

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def stop(self) -> None:
        """Stop publishing; subscribers see their stream end."""
        if self._server is not None:
            self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
            self.path.unlink(missing_ok=True)
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        with self._lock:
            for peer in self._subscribers:
                peer.close()
            self._subscribers.clear()


class Subscription:
    """A publisher's stream of transfers, each handed to `keep` by a thread of its own; `ended`
    is called once when the stream ends without `close()` (the publisher stopped)."""

    def __init__(self, path: Path, keep: Callable[[TftpTransfer], None], ended: Callable[[], None]) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(CONNECT_TIMEOUT_S)
        try:
            self._sock.connect(str(path))
            self._stream = self._sock.makefile("rb")
            self.hello: dict[str, Any] = json.loads(self._stream.readline())["hello"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            self._sock.close()
            raise OSError(f"no tap publishes at {path} ({error})") from None
        self._sock.settimeout(None)
        self._keep, self._ended = keep, ended
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._read, name="tftp-tap-subscription", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for line in self._stream:
                self._keep(record_of(json.loads(line)))
        except (OSError, ValueError, KeyError, TypeError) as error:
            if not self._closing.is_set():
                log.warning("tftp tap subscription: %s", error)
        if not self._closing.is_set():
            self._ended()

    def close(self) -> None:
        self._closing.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the reader
        except OSError:
            pass
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._stream.close()
        self._sock.close()


def hello(path: Path) -> dict[str, Any] | None:
    """The publisher's hello at `path` (pid, upstream), or None when none answers there."""
    try:
        subscription = Subscription(path, lambda transfer: None, lambda: None)
    except OSError:
        return None
    subscription.close()
    return subscription.hello
