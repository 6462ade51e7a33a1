"""Real UDP TFTP (tftpy: RFC 1350 with blksize/tsize) for the simulator: a server that serves
files from memory. The phone's side is `rig.sim.tftp_client`.

The server runs tftpy's single-threaded loop in a child process of its own. In the simulator's
process it would share the GIL with every booting phone's client thread, and with a whole bench
fetching at once it starves transfers into timeouts; in its own process it keeps up. Each read
request is reported back to the parent (`requests`) before the file is sent, so a client that
has its file can already see its request in the log.

Write requests are refused with ERROR 2, Access violation: the server is read-only.

Packet loss is injected per transfer by standing in for that transfer's socket
(`_TransferSocket`), so only this server's DATA packets are lost and the client recovers with its
own retransmissions, as on a bad link.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import multiprocessing
import random
import signal
import tempfile
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import tftpy

log = logging.getLogger(__name__)
# tftpy logs every File not found and retransmission at ERROR/WARNING; without a handler of its
# own those would go to Python's last-resort stderr handler. Applications that configure logging
# still receive them.
logging.getLogger("tftpy").addHandler(logging.NullHandler())

POLL_SECONDS = 0.05
"""How often the server loop looks at timeouts and at stop() (real seconds)."""
RESEND_TIMEOUT = 0.25
"""Real seconds of silence before the server resends its last packet of a transfer."""
RESEND_RETRIES = 20
"""Resends before a transfer whose client went away is dropped (about 5 s)."""
START_TIMEOUT = 30.0
_DATA_OPCODE = b"\x00\x03"
_OACK_OPCODE = b"\x00\x06"

Lookup = Callable[[str, str], bytes | None]
"""(file name, client ip) -> content, or None for "File not found". Runs in the server's
process, so it must be picklable (a module-level function or an instance of a module-level class)."""


class MemoryTftpServer:
    """Serve `lookup(name, client_ip)` over TFTP on a loopback address; log every request.

    The server process is spawned unless `start_method` says "fork", which only a process that
    runs no other thread may ask for (a forked copy of a thread's held lock never unlocks); a
    forked server starts without importing the simulator again (about a second of CPU).
    """

    def __init__(self, lookup: Lookup, *, host: str = "127.0.0.1", port: int = 0, loss: float = 0.0,
                 seed: int = 1, start_method: str = "spawn") -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"TFTP server: refusing to bind non-loopback address {host}")
        if not 0.0 <= loss < 1.0:
            raise ValueError(f"TFTP server: loss must be in [0, 1), not {loss}")
        self._args = (lookup, host, port, loss, seed)
        self._start_method = start_method
        self._host = host
        self._port: int | None = None
        self._requests: list[tuple[str, str, bool]] = []
        self._lock = threading.Lock()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._control: Connection | None = None
        self._log: Connection | None = None
        self._stopping = threading.Event()
        self._reader: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._port is None:
            raise RuntimeError("TFTP server is not started")
        return self._host, self._port

    @property
    def requests(self) -> list[tuple[str, str, bool]]:
        """(client ip, file name, found) for every read request, oldest first."""
        self._drain()
        with self._lock:
            return list(self._requests)

    def start(self) -> None:
        context = multiprocessing.get_context(self._start_method)
        self._log, log_end = context.Pipe(duplex=False)
        self._control, control_end = context.Pipe()
        ours = [self._log, self._control] if self._start_method == "fork" else []
        self._process = context.Process(
            target=_serve, args=(*self._args, log_end, control_end, ours), name=f"tftp-{self._host}", daemon=True
        )
        self._process.start()
        log_end.close()
        control_end.close()
        if not self._control.poll(START_TIMEOUT):
            self.stop()
            raise RuntimeError(f"TFTP server on {self._host} did not start within {START_TIMEOUT:g} s")
        status, detail = self._control.recv()
        if status != "ready":
            self.stop()
            raise RuntimeError(f"TFTP server could not listen on {self._host}:{self._args[2]}: {detail}")
        self._port = int(detail)
        self._stopping.clear()
        self._reader = threading.Thread(target=self._read_log, name=f"tftp-log-{self._host}", daemon=True)
        self._reader.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._control is not None:
            try:
                self._control.send("stop")
            except OSError:
                pass  # the server process is gone already
        if self._process is not None:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(timeout=5)
        if self._reader is not None:
            self._reader.join(timeout=2)
        self._drain()
        for connection in (self._control, self._log):
            if connection is not None:
                connection.close()
        self._process = self._control = self._log = self._reader = None
        self._port = None

    def _read_log(self) -> None:
        while not self._stopping.is_set():
            log_end = self._log
            try:
                if log_end is None or log_end.poll(POLL_SECONDS):
                    self._drain()
            except (OSError, EOFError):
                return

    def _drain(self) -> None:
        with self._lock:
            if self._log is None:
                return
            try:
                while self._log.poll(0):
                    self._requests.append(self._log.recv())
            except (OSError, EOFError):
                pass  # the server process ended; what it sent is kept


# -- the server process ------------------------------------------------------------------------

class _TransferSocket:
    """One transfer's socket: loses a fraction of the DATA packets it sends (the loss fault), and
    sends the OACK only once. tftpy's client treats a second OACK that arrives after it has moved
    on to the data as a fatal error, and a busy client is slow enough to make the server resend
    it; on loopback the first OACK is never lost."""

    def __init__(self, sock: Any, loss: float, rng: random.Random) -> None:
        self._sock = sock
        self._loss = loss
        self._rng = rng
        self._oack_sent = False

    def sendto(self, data: bytes, address: tuple[str, int]) -> int:
        opcode = data[:2]
        if opcode == _OACK_OPCODE:
            if self._oack_sent:
                return len(data)
            self._oack_sent = True
        elif opcode == _DATA_OPCODE and self._loss and self._rng.random() < self._loss:
            return len(data)
        return self._sock.sendto(data, address)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _Files:
    """tftpy's dyn_file_func inside the server process: look up, report, tune the transfer."""

    def __init__(self, server: tftpy.TftpServer, lookup: Lookup, loss: float, seed: int, report: Connection,
                 host: str) -> None:
        self._server = server
        self._host = host
        self._lookup = lookup
        self._loss = loss
        self._rng = random.Random(seed)
        self._report = report

    def open(self, path: str, raddress: str = "", rport: int = 0) -> io.BytesIO | None:
        name = path.lstrip("/")
        try:
            content = self._lookup(name, raddress)
        except Exception:  # one bad file must not take the whole server down
            log.exception("TFTP server: building %s for %s failed", name, raddress)
            content = None
        self._report.send((raddress, name, content is not None))
        session = self._server.sessions[f"{raddress}:{rport}"]
        # Bound to the server's own address before anything is sent (File not found included), so
        # the answer comes from that address as from a real server: tftpy leaves it to the kernel,
        # which picks 127.0.0.1 when the server listens on another loopback address.
        session.sock.bind((self._host, 0))
        if content is None:
            return None
        self._adjust_session(session)
        return io.BytesIO(content)

    def _adjust_session(self, session: Any) -> None:
        """Tune the transfer tftpy just created for this request (tftpy 0.8 keys them "ip:port").

        tftpy 0.8.7 does not pass the server's `flock` on to its transfers and would try to
        flock() our in-memory file when the transfer ends, killing the server loop: turn it off.
        """
        session.flock = False
        session.timeout = RESEND_TIMEOUT  # listen()'s timeout is also the poll period: keep it short
        session.sock = _TransferSocket(session.sock, self._loss, self._rng)


def _refuse_write(path: str, context: Any) -> None:
    """Every WRQ: tftpy answers ERROR 2 (Access violation) when this returns None. The server
    only serves; nothing a client sends may replace a file it serves."""
    return None


def _serve(lookup: Lookup, host: str, port: int, loss: float, seed: int, report: Connection,
           control: Connection, parent_ends: list[Connection]) -> None:
    """Child process: run tftpy until the parent says stop (or goes away). A forked child first
    closes its copies of the parent's pipe ends, so that the parent's exit reads as EOF here."""
    for end in parent_ends:
        end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it says stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # terminate() ends it, whatever a fork copied
    with tempfile.TemporaryDirectory(prefix="rig-sim-tftp-") as root:
        # tftpy insists on a root directory; an empty one sends every name to the lookup.
        server = tftpy.TftpServer(root)
        server.dyn_file_func = _Files(server, lookup, loss, seed, report, host).open
        server.upload_open = _refuse_write
        failure: list[BaseException] = []

        def listen() -> None:
            try:
                server.listen(host, port, timeout=POLL_SECONDS, retries=RESEND_RETRIES)
            except BaseException as error:  # reported to the parent below
                failure.append(error)

        thread = threading.Thread(target=listen, name="tftp-listen", daemon=True)
        thread.start()
        while not server.is_running.wait(POLL_SECONDS):
            if not thread.is_alive():
                control.send(("failed", str(failure[0]) if failure else "listen() returned"))
                return
        control.send(("ready", server.listenport))
        try:
            control.recv()
        except (EOFError, OSError):
            pass  # the parent is gone: stop as well
        server.stop(now=True)
        thread.join(timeout=5)
