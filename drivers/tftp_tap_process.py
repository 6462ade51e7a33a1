"""The TFTP tap run in processes of its own, so its relay keeps pace however busy the controller is.

A phone that gets no answer from its first option-150 server within its TFTP timeout moves on to
the next server, past the tap, and the fetch the tap exists to witness is lost. In one process
with hundreds of phone threads the relay waits for the interpreter lock behind every console
reader and HTTP poll: measured with `bench/scale.py` at 240 simulated phones, 145 phones fell
over to CUCM directly and failed for want of proof. Here the relay (`TftpTap`, unchanged) runs in
child interpreters that import nothing else (rig.drivers.tftp_tap_worker), and every finished
transfer comes back over a socket pair, pickled as its fields.

`workers` children share the data path: the controller binds one listening socket per worker on
the tap's port with SO_REUSEPORT, and the kernel hands each request to one of them by a hash of
the phone's address and port (a phone's repeated request reaches the worker that has its
transfer; a transfer, once opened, lives on its own sockets in that worker); a second tap on
the port fails as it always did rather than joining the group (rig.drivers.tftp_tap_listen).
Routes go to every worker, each confirming. With the image cache on, the workers share it
through a private directory (rig.drivers.tftp_tap_shared).

The children live only as long as the controller: they leave the terminal's process group (Ctrl-C
reaches the controller, which stops the tap in order and keeps every record), and each stops its
relay and exits when its socket pair closes, which is also what a `kill -9` of the controller
does, so a resumed run can bind the same port.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Literal

from rig.drivers.tftp_records import TransferLog
from rig.drivers.tftp_tap_listen import listening_sockets

log = logging.getLogger(__name__)

START_TIMEOUT_S = 20.0
"""How long a child may take to start relaying (a Python start-up on a loaded 2-core machine)."""
ROUTE_TIMEOUT_S = 10.0
"""How long the children may take to confirm a phone's new route (each answers between two packets)."""


def worker_count(workers: int | Literal["auto"]) -> int:
    """`auto`: one worker per core this process may run on (Linux; elsewhere, per core)."""
    if workers != "auto":
        return max(1, workers)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass
class _Worker:
    child: subprocess.Popen[bytes]
    conn: Connection
    lock: threading.Lock
    """Taken to send: route calls from several threads, and stop."""

    def send(self, message: tuple[Any, ...]) -> None:
        with self.lock:
            self.conn.send(message)


class TftpTapProcess(TransferLog):
    """`TftpTap`'s interface (start, stop, address, transfers, on_transfer, route), relayed by
    `workers` children (a number, or "auto": one per core)."""

    def __init__(self, *args: Any, workers: int | Literal["auto"] = 1, **kwargs: Any) -> None:
        self.workers = worker_count(workers)
        super().__init__(*args, **kwargs)

    def _prepare(self) -> None:
        self._address: tuple[str, int] | None = None
        self._workers: list[_Worker] = []
        self._shared: str | None = None
        self._reader: threading.Thread | None = None
        self._routed = threading.Condition()
        self._answers: dict[str, list[str | None]] = {}
        """Phone IP -> the workers' answers to its last route (None: routed; else why not)."""

    @property
    def address(self) -> tuple[str, int]:
        if self._address is None:
            raise RuntimeError("TftpTapProcess is not started")
        return self._address

    def start(self) -> None:
        """Start the children and wait until each relays; OSError with the reason otherwise."""
        if self._workers:
            return
        try:
            listening = listening_sockets(self.listen, self.workers)
        except OSError as error:
            raise OSError(f"TFTP tap cannot listen on {self.listen[0]}:{self.listen[1]}: {error}") from None
        self._address = listening[0].getsockname()[:2]
        if self.workers > 1 and self.cache_bytes > 0:
            self._shared = tempfile.mkdtemp(prefix="rig-tap-cache-")
        settings = (self._address, self.upstream, self.keep_bytes, self.timeout, self.upstream_blksize,
                    self.cache_bytes, self._shared)
        try:
            for sock in listening:
                self._workers.append(self._spawn(sock, settings))
            for worker in self._workers:
                self._started(worker)
        except OSError:
            self._end_children()
            raise
        finally:
            for sock in listening:
                sock.close()  # the children hold them now
        self._reader = threading.Thread(target=self._read, name="tftp-tap-records", daemon=True)
        self._reader.start()

    @staticmethod
    def _spawn(listening: socket.socket, settings: tuple[Any, ...]) -> _Worker:
        ours, theirs = socket.socketpair()
        fds = (theirs.fileno(), listening.fileno())
        child = subprocess.Popen([sys.executable, "-m", "rig.drivers.tftp_tap_worker", *map(str, fds)],
                                 pass_fds=fds, start_new_session=True)
        theirs.close()
        worker = _Worker(child, Connection(ours.detach()), threading.Lock())
        worker.send(settings)
        return worker

    @staticmethod
    def _started(worker: _Worker) -> None:
        try:
            if not worker.conn.poll(START_TIMEOUT_S):
                raise OSError(f"the tap process did not start within {START_TIMEOUT_S:g} s")
            kind, value = worker.conn.recv()
        except (OSError, EOFError) as error:
            raise OSError(f"the tap process failed: {error}") from None
        if kind == "error":
            raise OSError(value)

    def route(self, client: str, upstream: tuple[str, int] | None) -> None:
        """`TftpTap.route` in every child; returns once each relays `client`'s next reads there.
        OSError when a child refuses it, is gone, or does not answer within ROUTE_TIMEOUT_S."""
        if not self._workers:
            raise OSError("the tap process is not started")
        with self._routed:
            self._answers[client] = []
        try:
            for worker in self._workers:
                worker.send(("route", client, upstream))
        except (OSError, ValueError) as error:
            raise OSError(f"the tap process is gone: {error}") from None
        with self._routed:
            if not self._routed.wait_for(lambda: len(self._answers[client]) >= len(self._workers), ROUTE_TIMEOUT_S):
                raise OSError(f"the tap process did not confirm the route of {client} within {ROUTE_TIMEOUT_S:g} s")
            refusals = [answer for answer in self._answers.pop(client) if answer is not None]
        if refusals:
            raise OSError(refusals[0])

    def stop(self) -> None:
        """Stop the relay; transfers still open are recorded as failed, as `TftpTap.stop` does."""
        if not self._workers:
            return
        for worker in self._workers:
            try:
                worker.send(("stop",))
            except OSError:
                pass  # the child is gone already; the reader has seen its end
        if self._reader is not None:
            self._reader.join(timeout=10)
            self._reader = None
        self._end_children()

    def _read(self) -> None:
        """Every child's messages, in one thread: `on_transfer` is called from it alone, as with
        one child."""
        handlers: dict[str, Callable[[list[Any]], None]] = {
            "routed": self._note_route, "transfer": lambda value: self._keep(value[0])}
        open_conns = [worker.conn for worker in self._workers]
        while open_conns:
            for conn in wait(open_conns):
                try:
                    kind, *value = conn.recv()  # type: ignore[union-attr]
                except (EOFError, OSError):  # the worker died: its transfers are lost, the others go on
                    log.warning("tftp tap: a worker process ended unasked; %d left", len(open_conns) - 1)
                    kind, value = "stopped", []
                if kind == "stopped":
                    open_conns.remove(conn)
                else:
                    handlers[kind](value)

    def _note_route(self, value: list[Any]) -> None:
        client, answer = value
        with self._routed:
            if client in self._answers:
                self._answers[client].append(answer)
                self._routed.notify_all()

    def _end_children(self) -> None:
        for worker in self._workers:
            worker.conn.close()
        for worker in self._workers:
            try:
                worker.child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.child.kill()
                worker.child.wait()
        self._workers = []
        if self._shared is not None:
            shutil.rmtree(self._shared, ignore_errors=True)
            self._shared = None
