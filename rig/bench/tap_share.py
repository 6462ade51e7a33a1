"""The bench's TFTP tap port, shared safely between `rig tap`, runs and preflight.

One process on a host can listen on the tap's UDP port. Whoever holds it (a `rig tap` service or
a run) publishes every transfer next to the leases (rig.drivers.tftp_tap_share); a run that finds
the port held subscribes there and sees the same fetches it would have seen with its own tap.
When the holder stops, a subscribed run takes the port over (or subscribes to whoever did), so
runs of different phones of one bench can overlap. A port held by anything that publishes
nothing is named (pid and command line, or "another user's process") wherever it stops rig:
preflight, the bench gate, the run. Preflight never binds the port: it checks the relay to CUCM
through a tap of its own on a free port, so preflights beside each other or beside a run never
take the port from anyone.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import threading
import time
from pathlib import Path
from typing import Literal

import psutil

from rig.drivers.tftp_records import TftpTransfer, TransferLog
from rig.drivers.tftp_tap_process import TftpTapProcess
from rig.drivers.tftp_tap_share import Subscription, TapPublisher
from rig.record.lease import default_lease_dir

log = logging.getLogger(__name__)

TAKEOVER_S = 5.0
"""How long a subscribed run tries to take the port over (or find its new holder) after the
holder stopped; a relay child takes a second or two to start on a loaded machine."""
RETRY_S = 0.1


def tap_socket(listen: tuple[str, int], lease_dir: Path | None = None) -> Path:
    """Where the holder of `listen` publishes (a short name: Unix socket paths are short)."""
    digest = hashlib.sha256(f"{listen[0]}:{listen[1]}".encode()).hexdigest()[:12]
    return (lease_dir or default_lease_dir()) / f"tap-{digest}.sock"


def _covers(bound: str, host: str) -> bool:
    """A socket bound to `bound` takes `host`'s port (the same address, or either is a wildcard)."""
    try:
        return bound == host or ipaddress.ip_address(bound).is_unspecified or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def port_holder(host: str, port: int) -> str | None:
    """Who listens on UDP `host`:`port` as this host's socket table shows it; None: nobody."""
    try:
        sockets = [c for c in psutil.net_connections(kind="udp") if c.laddr and c.laddr.port == port
                   and _covers(c.laddr.ip, host)]
    except psutil.Error as error:
        return f"a process rig cannot name (the socket table is unreadable: {error})"
    pids = sorted({c.pid for c in sockets if c.pid})
    if pids:
        return ", ".join(_process(pid) for pid in pids)
    return "another user's process (its pid is hidden from rig)" if sockets else None


def _process(pid: int) -> str:
    try:
        command = " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return f"pid {pid}"
    return f"pid {pid} ({command[:120]})"


class _Unfit(OSError):
    """The port's holder shares its records, but relays to another upstream than this bench's."""


class _Forwarding(TftpTapProcess):
    """The relay child of a shared tap: records are kept by the SharedTap, not twice."""

    def _keep(self, record: TftpTransfer) -> None:
        assert self.on_transfer is not None
        self.on_transfer(record)


class SharedTap(TransferLog):
    """The tap's interface (start, stop, address, transfers, on_transfer), relaying itself when the
    port is free and publishing what it relays, else fed by the port's holder.

    `subscribe=False` (the `rig tap` service): relay or fail, never lean on another process.
    """

    def __init__(self, listen: tuple[str, int], upstream: tuple[str, int], *, socket_path: Path,
                 subscribe: bool = True, workers: int | Literal["auto"] = 1, **settings: object) -> None:
        self.socket_path = socket_path
        self.may_subscribe = subscribe
        self.workers = workers
        """Processes relaying when this one holds the port (rig.drivers.tftp_tap_process)."""
        super().__init__(listen, upstream, **settings)  # type: ignore[arg-type]

    def _prepare(self) -> None:
        self._relay: _Forwarding | None = None
        self._publisher: TapPublisher | None = None
        self._subscription: Subscription | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.holder: str | None = None
        """While subscribed: the process holding the port ("pid N (command)")."""
        self._routes: dict[str, tuple[str, int]] = {}
        """Phone IP -> the upstream its reads go to, when not `upstream`: given again to a relay
        this process starts after taking the port over."""

    @property
    def address(self) -> tuple[str, int]:
        return self._relay.address if self._relay is not None else self.listen

    @property
    def relaying(self) -> bool:
        """Whether this process holds the port (else it is fed by `holder`, or by nobody yet)."""
        return self._relay is not None

    @property
    def subscribers(self) -> int:
        """Processes using this tap's records (0 while subscribed elsewhere)."""
        return self._publisher.subscribers if self._publisher is not None else 0

    def start(self) -> None:
        """Relay on the port, else subscribe to its holder; OSError naming the holder otherwise."""
        with self._lock:
            try:
                self._start_own()
                return
            except OSError as busy:
                refusal = str(busy)
            if not self.may_subscribe:
                held = port_holder(*self.listen)
                raise OSError(refusal + (f"; the port is held by {held}" if held else ""))
            try:
                self._subscribe()
                return
            except _Unfit as unfit:
                raise OSError(f"{refusal}; {unfit}") from None
            except OSError:
                pass  # nobody publishes: name whoever holds the port
        held = port_holder(*self.listen)
        raise OSError(refusal + (f"; the port is held by {held}, which shares no records with rig" if held else ""))

    def _start_own(self) -> None:
        relay = _Forwarding(self.listen, self.upstream, on_transfer=self._relayed, keep_bytes=self.keep_bytes,
                            timeout=self.timeout, upstream_blksize=self.upstream_blksize,
                            cache_bytes=self.cache_bytes, workers=self.workers)
        publisher = TapPublisher(self.socket_path, self.upstream)
        self._publisher = publisher  # before the first record can arrive
        try:
            relay.start()
        except OSError:
            self._publisher = None
            raise
        try:
            # The routes this process set come back before anything is published: a route that
            # fails then leaves no publisher behind for a later _subscribe to find (this process
            # itself, relaying nothing).
            for client, upstream in self._routes.items():
                relay.route(client, upstream)
        except OSError:
            self._publisher = None
            relay.stop()
            raise
        try:
            publisher.start()
        except OSError as error:  # the relay still serves this process: sharing is a convenience
            self._publisher = None
            log.warning("tap: relaying on %s:%s, but not sharing its records with other rig processes: %s",
                        *self.listen, error)
        self._relay, self.holder = relay, None

    def route(self, client: str, upstream: tuple[str, int] | None) -> None:
        """Relay `client`'s (a phone's IP) next reads to `upstream` (None: the tap's own upstream).
        Only the process holding the port routes: OSError naming the holder otherwise."""
        with self._lock:
            if self._relay is None:
                raise OSError(f"the tap's port {self.listen[0]}:{self.listen[1]} is held by "
                              f"{self.holder or 'another process'}: only its holder can route a phone")
            self._relay.route(client, upstream)
            if upstream is None or tuple(upstream) == tuple(self.upstream):
                self._routes.pop(client, None)
            else:
                self._routes[client] = upstream

    def _relayed(self, record: TftpTransfer) -> None:
        self._keep(record)
        publisher = self._publisher
        if publisher is not None:
            publisher.publish(record)

    def _subscribe(self) -> None:
        subscription = Subscription(self.socket_path, self._keep, self._holder_gone)
        upstream = tuple(subscription.hello.get("upstream", ()))
        pid = int(subscription.hello.get("pid", 0))
        if upstream != tuple(self.upstream):
            subscription.close()
            raise _Unfit(f"the port is held by rig, {_process(pid)}, relaying to {upstream[0]}:{upstream[1]}, "
                         f"not to this bench's {self.upstream[0]}:{self.upstream[1]}")
        self._subscription, self.holder = subscription, _process(pid)

    def _holder_gone(self) -> None:
        """The holder stopped: take the port over, or subscribe to whoever took it."""
        with self._lock:
            ended, self._subscription = self._subscription, None
        if ended is not None:
            ended.close()
        deadline = time.monotonic() + TAKEOVER_S
        while not self._stopped.is_set() and time.monotonic() < deadline:
            with self._lock:
                if self._stopped.is_set():
                    return
                for attach in (self._start_own, self._subscribe):
                    try:
                        attach()
                        log.info("tap: the port's holder stopped; %s", "relaying here now" if self._relay
                                 else f"now fed by {self.holder}")
                        return
                    except OSError:
                        continue
            self._stopped.wait(RETRY_S)
        if not self._stopped.is_set():
            log.error("tap: the port's holder stopped and no relay took over: later fetches are not seen")

    def stop(self) -> None:
        """Stop; the port is freed before the subscribers hear of it, so one of them takes it over."""
        self._stopped.set()
        with self._lock:
            if self._subscription is not None:
                self._subscription.close()
                self._subscription = None
            if self._relay is not None:
                self._relay.stop()
                self._relay = None
            if self._publisher is not None:
                self._publisher.stop()
                self._publisher = None
