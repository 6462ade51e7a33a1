"""One worker of the tap's data path: a child interpreter that relays on a socket it is handed.

rig.drivers.tftp_tap_process starts one or more of these. Each is handed its listening socket
(bound by the controller: with several workers, each its own socket on the same port with
SO_REUSEPORT), relays with `TftpTap` (unchanged), and sends every finished transfer to the
controller over a socket pair, pickled as its fields. With several workers and the image cache on,
the workers share image names and images through a private directory (rig.drivers.tftp_tap_shared),
so each image is still read from CUCM once.

A worker stops its relay and exits when told to or when the socket pair closes, which is also what
a `kill -9` of the controller does, so a resumed run can bind the same port.

    python -m rig.drivers.tftp_tap_worker FD LISTEN_FD   # started by TftpTapProcess, never by hand
"""

from __future__ import annotations

import pickle
import shutil
import signal
import socket
import sys
import threading
from functools import partial
from multiprocessing.connection import Connection

from rig.drivers.open_files import lift_open_files_limit
from rig.drivers.tftp_records import TftpTransfer
from rig.drivers.tftp_tap import TftpTap
from rig.drivers.tftp_tap_cache import ImageCache
from rig.drivers.tftp_tap_shared import SharedImages


class _ChildTap(TftpTap):
    """The worker's relay: each record goes to the controller, which keeps them all; kept here too,
    every file's content would stay in this process's memory until the run ends."""

    listening: socket.socket | None = None
    """The socket the controller bound for this worker (None: bind `listen` as TftpTap does)."""
    shared: str | None = None
    """The workers' shared cache directory (None: this worker's cache is its own)."""

    def _keep(self, record: TftpTransfer) -> None:
        assert self.on_transfer is not None
        self.on_transfer(record)

    def _listening_socket(self) -> socket.socket:
        return self.listening if self.listening is not None else super()._listening_socket()

    def _image_cache(self) -> ImageCache:
        shared = SharedImages(self.shared, self.cache_bytes) if self.shared is not None else None
        return ImageCache(self.cache_bytes, shared)


_SENDING = threading.Lock()
"""The worker's two writers (the relay's thread with records, the main thread with route answers)
take turns: two messages written at once would interleave on the socket pair."""


def _send_record(conn: Connection, record: TftpTransfer) -> None:
    """One message per transfer, as `Connection.send` makes it (the controller's `recv` reads it)
    but pickled by `pickle.dumps`: `send`'s pickler copies its dispatch table on every call, which
    took it from 4 to 9 us per record."""
    try:
        data = pickle.dumps(("transfer", record), pickle.HIGHEST_PROTOCOL)
        with _SENDING:
            conn.send_bytes(data)
    except OSError:
        pass  # the controller is gone: its end of the pair closing stops this process


def _serve(conn: Connection, listening: socket.socket) -> None:
    """The worker: relay until told to stop or until the controller's end of the pair closes."""
    listen, upstream, keep_bytes, timeout, blksize, cache_bytes, shared = conn.recv()
    try:
        tap = _ChildTap(listen, upstream, on_transfer=partial(_send_record, conn), keep_bytes=keep_bytes,
                        timeout=timeout, upstream_blksize=blksize, cache_bytes=cache_bytes)
        tap.listening, tap.shared = listening, shared
        tap.start()
    except OSError as error:
        conn.send(("error", f"TFTP tap cannot start on {listen[0]}:{listen[1]}: {error}"))
        return
    conn.send(("address", tap.address))
    orphaned = False
    while True:
        try:
            kind, *value = conn.recv()  # ("route", client, upstream) ... ("stop",)
        except (EOFError, OSError):
            orphaned = True
            break
        if kind != "route":
            break
        _route(conn, tap, value[0], value[1])
    tap.stop()
    if orphaned and shared is not None:  # the controller died: nobody else removes the directory
        shutil.rmtree(shared, ignore_errors=True)
    try:
        with _SENDING:
            conn.send(("stopped",))
    except OSError:
        pass  # the controller is gone: nobody is left to tell


def _route(conn: Connection, tap: TftpTap, client: str, upstream: tuple[str, int] | None) -> None:
    """Route `client` and tell the controller: None, or why not."""
    try:
        tap.route(client, tuple(upstream) if upstream is not None else None)  # type: ignore[arg-type]
        answer = None
    except OSError as error:
        answer = f"cannot route {client} to {upstream}: {error}"
    try:
        with _SENDING:
            conn.send(("routed", client, answer))
    except OSError:
        pass  # the controller is gone


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lift_open_files_limit()  # two sockets per transfer in flight: 1000 phones fetching at once hold 2000
    _serve(Connection(int(sys.argv[1])), socket.socket(fileno=int(sys.argv[2])))
