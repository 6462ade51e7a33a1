"""Real UDP TFTP for the simulator: a server that serves files from memory (the process around
`rig.sim.tftp_server`'s loop). The phone's side is `rig.sim.tftp_client`.

The server runs a single-threaded loop in a child process of its own. In the simulator's process
it would share the GIL with every booting phone's client thread, and with a whole bench fetching
at once it starves transfers into timeouts; in its own process it keeps up. Each read request is
reported back to the parent (`requests`) before the file is sent, so a client that has its file
can already see its request in the log.

Write requests are refused with ERROR 2, Access violation: the server is read-only. The loss
fault drops a fraction of the server's DATA packets; clients recover with their own
retransmissions, as on a bad link.
"""

from __future__ import annotations

import ipaddress
import multiprocessing
import signal
import socket
import threading
from multiprocessing.connection import Connection

from rig.sim.tftp_server import Lookup, TftpLoop

POLL_SECONDS = 0.05
"""How often the parent's log reader looks at stop() (real seconds)."""
RESEND_TIMEOUT = 0.25
"""Real seconds of silence before the server resends its last packet of a transfer."""
RESEND_RETRIES = 20
"""Resends before a transfer whose client went away is dropped (about 5 s)."""
START_TIMEOUT = 30.0

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

def _serve(lookup: Lookup, host: str, port: int, loss: float, seed: int, report: Connection,
           control: Connection, parent_ends: list[Connection]) -> None:
    """Child process: serve until the parent says stop (or goes away). A forked child first
    closes its copies of the parent's pipe ends, so that the parent's exit reads as EOF here."""
    for end in parent_ends:
        end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it says stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # terminate() ends it, whatever a fork copied
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        try:
            listener.bind((host, port))
        except OSError as error:
            control.send(("failed", str(error)))
            return
        loop = TftpLoop(listener, control, lookup, report, loss=loss, seed=seed, resend_timeout=RESEND_TIMEOUT,
                        resend_retries=RESEND_RETRIES)
        control.send(("ready", listener.getsockname()[1]))
        try:
            loop.run()
        finally:
            loop.close()
