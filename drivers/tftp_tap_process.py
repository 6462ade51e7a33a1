"""The TFTP tap run in a process of its own, so its relay keeps pace however busy the controller is.

A phone that gets no answer from its first option-150 server within its TFTP timeout moves on to
the next server, past the tap, and the fetch the tap exists to witness is lost. In one process
with hundreds of phone threads the relay waits for the interpreter lock behind every console
reader and HTTP poll: measured with `bench/scale.py` at 240 simulated phones, 145 phones fell
over to CUCM directly and failed for want of proof. Here the relay (`TftpTap`, unchanged) runs in
a child interpreter that imports nothing else, and every finished transfer comes back over a
socket pair, pickled as its fields.

The child lives only as long as the controller: it leaves the terminal's process group (Ctrl-C
reaches the controller, which stops the tap in order and keeps every record), and it stops its
relay and exits when the socket pair closes, which is also what a `kill -9` of the controller
does, so a resumed run can bind the same port.

    python -m rig.drivers.tftp_tap_process FD   # started by TftpTapProcess, never by hand
"""

from __future__ import annotations

import pickle
import signal
import socket
import subprocess
import sys
import threading
from functools import partial
from multiprocessing.connection import Connection

from rig.drivers.tftp_records import TftpTransfer, TransferLog
from rig.drivers.tftp_tap import TftpTap

START_TIMEOUT_S = 20.0
"""How long the child may take to bind its port (a Python start-up on a loaded 2-core machine)."""
ROUTE_TIMEOUT_S = 10.0
"""How long the child may take to confirm a phone's new route (it answers between two packets)."""


class TftpTapProcess(TransferLog):
    """`TftpTap`'s interface (start, stop, address, transfers, on_transfer), relayed by a child."""

    def _prepare(self) -> None:
        self._address: tuple[str, int] | None = None
        self._conn: Connection | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._send_lock = threading.Lock()
        self._routed = threading.Condition()
        self._answers: dict[str, str | None] = {}
        """Phone IP -> the child's answer to its last route (None: routed; else why not)."""

    @property
    def address(self) -> tuple[str, int]:
        if self._address is None:
            raise RuntimeError("TftpTapProcess is not started")
        return self._address

    def start(self) -> None:
        """Start the child and wait until it listens; OSError with the child's reason otherwise."""
        if self._child is not None:
            return
        ours, theirs = socket.socketpair()
        settings = (self.listen, self.upstream, self.keep_bytes, self.timeout, self.upstream_blksize)
        self._child = subprocess.Popen(
            [sys.executable, "-m", "rig.drivers.tftp_tap_process", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), start_new_session=True,
        )
        theirs.close()
        self._conn = Connection(ours.detach())
        try:
            self._conn.send(settings)
            if not self._conn.poll(START_TIMEOUT_S):
                raise OSError(f"the tap process did not start within {START_TIMEOUT_S:g} s")
            kind, value = self._conn.recv()
        except (OSError, EOFError) as error:
            self._end_child()
            raise OSError(f"the tap process failed: {error}") from None
        if kind == "error":
            self._end_child()
            raise OSError(value)
        self._address = value
        self._reader = threading.Thread(target=self._read, name="tftp-tap-records", daemon=True)
        self._reader.start()

    def route(self, client: str, upstream: tuple[str, int] | None) -> None:
        """`TftpTap.route` in the child; returns once the child relays `client`'s next reads there.
        OSError when the child refuses it, is gone, or does not answer within ROUTE_TIMEOUT_S."""
        if self._conn is None:
            raise OSError("the tap process is not started")
        with self._routed:
            self._answers.pop(client, None)
        try:
            with self._send_lock:
                self._conn.send(("route", client, upstream))
        except (OSError, ValueError) as error:
            raise OSError(f"the tap process is gone: {error}") from None
        with self._routed:
            if not self._routed.wait_for(lambda: client in self._answers, ROUTE_TIMEOUT_S):
                raise OSError(f"the tap process did not confirm the route of {client} within {ROUTE_TIMEOUT_S:g} s")
            refusal = self._answers.pop(client)
        if refusal is not None:
            raise OSError(refusal)

    def stop(self) -> None:
        """Stop the relay; transfers still open are recorded as failed, as `TftpTap.stop` does."""
        if self._child is None:
            return
        try:
            assert self._conn is not None
            with self._send_lock:
                self._conn.send(("stop",))
        except OSError:
            pass  # the child is gone already; the reader has seen its end
        if self._reader is not None:
            self._reader.join(timeout=10)
            self._reader = None
        self._end_child()

    def _read(self) -> None:
        assert self._conn is not None
        while True:
            try:
                kind, *value = self._conn.recv()
            except (EOFError, OSError):
                return
            if kind == "stopped":
                return
            if kind == "routed":
                with self._routed:
                    self._answers[value[0]] = value[1]
                    self._routed.notify_all()
                continue
            self._keep(value[0])

    def _end_child(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._child is not None:
            try:
                self._child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()
            self._child = None


class _ChildTap(TftpTap):
    """The child's relay: each record goes to the controller, which keeps them all; kept here too,
    every file's content would stay in this process's memory until the run ends."""

    def _keep(self, record: TftpTransfer) -> None:
        assert self.on_transfer is not None
        self.on_transfer(record)


_SENDING = threading.Lock()
"""The child's two writers (the relay's thread with records, the main thread with route answers)
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


def _serve(conn: Connection) -> None:
    """The child: relay until told to stop or until the controller's end of the pair closes."""
    listen, upstream, keep_bytes, timeout, blksize = conn.recv()
    try:
        tap = _ChildTap(listen, upstream, on_transfer=partial(_send_record, conn), keep_bytes=keep_bytes,
                        timeout=timeout, upstream_blksize=blksize)
        tap.start()
    except OSError as error:
        conn.send(("error", f"TFTP tap cannot listen on {listen[0]}:{listen[1]}: {error}"))
        return
    conn.send(("address", tap.address))
    while True:
        try:
            kind, *value = conn.recv()  # ("route", client, upstream) ... ("stop",)
        except (EOFError, OSError):
            break
        if kind != "route":
            break
        _route(conn, tap, value[0], value[1])
    tap.stop()
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
    _serve(Connection(int(sys.argv[1])))
