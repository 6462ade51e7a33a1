"""Phone leases: two runs never drive the same phone at once.

A lease is a small JSON file per bench+phone in the lease directory (`$RIG_LEASE_DIR`, else
`~/.local/state/rig/leases`), created atomically with O_EXCL so exactly one run wins. It names
its holder (user, host, pid, the process's start time, run id) and an expiry that a background
thread pushes forward while the run lives. On the holder's own host liveness is asked of the
process, never of the clock: a lease whose pid still runs with the start time it recorded is
held, however long ago it expired (a second command with its clock an hour ahead, a run stopped
with SIGSTOP or suspended with its laptop), and one whose pid is gone or now names another
process is dead. A holder on another host cannot be asked; its lease is alive while it is being
renewed, judged by the lease directory's own clock (the file's age against a file written now
beside it: a file server's clock when hosts share the directory), so no host's clock being off
makes a live lease look expired. Leases written before these fields fall back to the expiry. A
dead holder's lease is taken over, and the dead holder is kept (`LeaseSet.taken_over`: its run
directory says where the journal of a run killed mid-power-cycle is); any other lease makes the
second run refuse before it touches anything.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import psutil

from rig.errors import RigError


FRESH_SECONDS = 5.0
"""A lease file this young and still empty is being written by its creator, not abandoned."""


class LeaseHeld(RigError):
    """Another live run holds a phone this run needs (exit 2)."""


@dataclass(frozen=True)
class Holder:
    user: str
    host: str
    pid: int
    run_id: str
    expires: float  # Unix time
    run_dir: str | None = None
    """The holder's run directory (absolute), when it is a run that keeps a journal."""
    started: float | None = None
    """The holder process's start time (psutil's create_time), which tells it from a later
    process given the same pid; None in leases written before it was recorded."""
    ttl: float | None = None
    """The holder renews the lease every ttl/3 seconds: a lease not rewritten for ttl seconds
    is not being renewed any more."""

    def describe(self) -> str:
        until = datetime.fromtimestamp(self.expires, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{self.user}@{self.host} pid {self.pid}, run {self.run_id}, until {until}"

    def alive(self, now: float, renewed_ago: float | None = None) -> bool:
        """Whether the holder still runs: asked of its process on this host; elsewhere, whether
        its lease was rewritten within its ttl (`renewed_ago`, by the lease directory's clock)."""
        if self.host != socket.gethostname():
            if self.ttl is not None and renewed_ago is not None:
                return renewed_ago < self.ttl
            return self.expires > now
        started = process_started(self.pid)
        if started is None:
            return False
        if self.started is None:  # an older lease: the pid alone, and the clock
            return self.expires > now
        return abs(started - self.started) < SAME_START_S


SAME_START_S = 1.0
"""Start times of one process read twice agree to the clock tick. A pid reused by a process that
started within a second of the holder would be taken for the holder (its leases refused until
that process ends): rare, and on the safe side."""


def process_started(pid: int) -> float | None:
    """When process `pid` of this host started (None: no such process, or a zombie)."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process.create_time()
    except psutil.Error:
        return None


def default_lease_dir() -> Path:
    env = os.environ.get("RIG_LEASE_DIR")
    if env:
        return Path(env)
    return Path.home() / ".local" / "state" / "rig" / "leases"


def _file_name(bench: str, phone: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{bench}--{phone}")
    return f"{safe}.lease"


def lease_path(bench: str, phone: str, lease_dir: Path | None = None) -> Path:
    """The lease file of `phone` on `bench` (whether or not it exists)."""
    return (lease_dir or default_lease_dir()) / _file_name(bench, phone)


class LeaseSet:
    """The leases of one run: acquired all at once, renewed in the background, released at the end.

    Usage: `with LeaseSet(bench, phones, run_id, ttl) as leases: ...`. Acquiring is
    all-or-nothing: if one phone is held, the ones already taken are released again.
    """

    def __init__(
        self,
        bench: str,
        phones: list[str],
        run_id: str,
        ttl: float,
        *,
        run_dir: Path | None = None,
        lease_dir: Path | None = None,
        pid: int | None = None,
    ) -> None:
        self.bench = bench
        self.phones = list(phones)
        self.run_id = run_id
        self.ttl = ttl
        self.dir = lease_dir or default_lease_dir()
        self._pid = pid if pid is not None else os.getpid()
        self._started = process_started(self._pid)
        self.run_dir: str | None = str(Path(run_dir).resolve()) if run_dir is not None else None
        """Where the run's journal is (named in every lease, so a run that takes them over after a
        crash finds it); `run_id` is its directory's name when a job leases."""
        self.taken_over: list[Holder] = []
        """Dead holders whose leases this set took over."""
        self._held: list[Path] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _holder(self) -> Holder:
        return Holder(getpass.getuser(), socket.gethostname(), self._pid, self.run_id, time.time() + self.ttl,
                      self.run_dir, self._started, self.ttl)

    def acquire(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        try:
            for phone in self.phones:
                self._take(phone)
        except BaseException:
            self.release()
            raise
        self._thread = threading.Thread(target=self._renew_loop, name="rig-lease-renew", daemon=True)
        self._thread.start()

    def _take(self, phone: str) -> None:
        path = self.dir / _file_name(self.bench, phone)
        for _ in range(3):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = read_holder(path)
                if holder is None and _age(path) < FRESH_SECONDS:
                    raise LeaseHeld(
                        f"phone {phone} of bench {self.bench} is being leased by another run"
                    ) from None
                now = time.time()
                remote = holder is not None and holder.host != socket.gethostname()
                if holder is not None and holder.alive(now, _renewed_ago(path) if remote else None):
                    stale = (" (past its expiry, but its process still runs: stopped or busy)"
                             if holder.expires <= now else "")
                    raise LeaseHeld(
                        f"phone {phone} of bench {self.bench} is leased by {holder.describe()}{stale}"
                    ) from None
                if _remove_if_same(path, holder) and holder is not None:  # dead or unreadable: take over
                    self.taken_over.append(holder)
                continue
            with os.fdopen(fd, "w") as f:
                json.dump(asdict(self._holder()), f)
            self._held.append(path)
            return
        raise LeaseHeld(f"phone {phone} of bench {self.bench}: lease {path} keeps changing hands")

    def attach(self, run_dir: Path) -> None:
        """Name a run directory made after the leases were taken in every held lease (`rig power`
        opens its journal only for a port it turns off): a run that takes over these leases after
        a crash finds the journal, and the leases carry the directory's name as their run id."""
        self.run_dir = str(Path(run_dir).resolve())
        self.run_id = Path(run_dir).name
        for path in self._held:
            _write_atomic(path, asdict(self._holder()))

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            holder = asdict(self._holder())  # one expiry for the whole set: 240 leases, one lookup
            for path in list(self._held):
                _write_atomic(path, holder)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        for path in self._held:
            holder = read_holder(path)
            if holder is None or (holder.pid == self._pid and holder.run_id == self.run_id):
                path.unlink(missing_ok=True)
        self._held.clear()

    def __enter__(self) -> "LeaseSet":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_holder(path: Path) -> Holder | None:
    try:
        return Holder(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return FRESH_SECONDS


def _renewed_ago(path: Path) -> float | None:
    """Seconds since `path` was last written, by the clock of the file system that holds it (a
    file written now beside it tells that clock's "now"); None when either cannot be read."""
    probe = path.with_name(f".now-{os.getpid()}-{threading.get_ident()}")
    try:
        probe.touch()
        try:
            return probe.stat().st_mtime - path.stat().st_mtime
        finally:
            probe.unlink(missing_ok=True)
    except OSError:
        return None


def _remove_if_same(path: Path, holder: Holder | None) -> bool:
    """Remove a stale lease unless someone replaced it since we read it; True when removed."""
    if read_holder(path) == holder:
        path.unlink(missing_ok=True)
        return True
    return False


def _write_atomic(path: Path, data: dict[str, object]) -> None:
    tmp = path.with_suffix(f".tmp{os.getpid()}-{threading.get_ident()}")  # renewal and attach may overlap
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)
