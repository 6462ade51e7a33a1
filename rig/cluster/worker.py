"""The bench side of a cluster run: a Dask worker that owns one bench and runs its jobs.

A bench host runs a Dask worker advertising the worker resource `bench-<name>` (the config's
`bench`), so the scheduler sends that bench's job there and nowhere else. `rig worker` starts
such a worker with the config registered; a plain `dask worker SCHED --resources bench-<name>=1`
works too when `RIG_BENCH_CONFIG` names the config file (several: separated by `:`).

The job (`run_bench_job`) opens the bench, runs the procedure through rig.jobs as `rig erase`
does (scripts checked, leases taken, ports a crashed run left off restored), publishes one Dask
event per finished phone on the run's topic (the client prints them as they come), and returns
the whole journal and console logs for the client to merge: the run directory lives on the
client. While the job runs, its journal lives on the bench host beside the leases (`WORK_DIR`),
not in /tmp: a worker killed while a port is off leaves a journal that the next run on the bench
finds through the dead lease and restores the port from, whatever cleans /tmp meanwhile.
SIGTERM or SIGINT to `rig worker` stops its running jobs as Ctrl-C stops a run (ports back on,
journals handed back) before the worker leaves.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rig.config.lab import load_config
from rig.errors import ConfigError
from rig.record.events import Event, PhoneDone
from rig.record.journal import FILES_DIR, JOURNAL_NAME, read_events

log = logging.getLogger(__name__)

CONFIG_ENV = "RIG_BENCH_CONFIG"
RESOURCE_PREFIX = "bench-"
STOP_POLL = 0.5
"""Seconds between checks of the client's stop request (Ctrl-C on the client)."""
SHUTDOWN_GRACE = 120.0
"""Seconds `rig worker` waits, once told to stop, for its jobs to turn their ports back on."""

_jobs_running: set[threading.Event] = set()
"""The stop events of the jobs running in this process (`rig worker` stops them on SIGTERM)."""
_jobs_lock = threading.Lock()


def work_dir() -> Path:
    """Where a job's run directory lives while it runs: beside the lease directory, on the bench
    host, so that the journal a lease names outlives a killed worker."""
    from rig.record.lease import default_lease_dir

    return default_lease_dir().parent / "worker-runs"

_registered: dict[str, Path] = {}
"""Bench name -> config file, for the benches `rig worker` serves in this process."""


def resource_name(bench: str) -> str:
    return f"{RESOURCE_PREFIX}{bench}"


def register_bench(config_path: Path) -> str:
    """Validate a bench config and make it the one tasks for its bench use here; its bench name."""
    config = load_config(config_path)
    _registered[config.bench] = Path(config_path).resolve()
    return config.bench


def bench_config_path(bench: str) -> Path:
    """This process's config file for `bench`: registered by `rig worker`, else from RIG_BENCH_CONFIG."""
    if bench in _registered:
        return _registered[bench]
    listed = [Path(p) for p in os.environ.get(CONFIG_ENV, "").split(os.pathsep) if p]
    for path in listed:
        if load_config(path).bench == bench:
            return path
    if not listed:
        raise ConfigError(f"this worker has no config for bench {bench}: set {CONFIG_ENV} or use `rig worker`")
    raise ConfigError(f"this worker has no config for bench {bench}: {CONFIG_ENV} names {', '.join(map(str, listed))}")


@dataclass(frozen=True)
class BenchJob:
    """What the client asks of one bench."""

    bench: str
    procedure: str
    phones: list[str]
    """Bench-local phone names; empty means every phone."""
    run_id: str
    topic: str
    """Dask event topic for progress; `<topic>-stop` is the Dask Event that asks the job to stop."""


@dataclass(frozen=True)
class BenchRun:
    """What one bench did: its journal, its console logs (phone -> text), the files each phone
    fetched (phone -> file name -> bytes), and the worker's address."""

    bench: str
    events: list[Event]
    consoles: dict[str, str]
    worker: str
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)


def _progress_publisher(job: BenchJob) -> Any:
    from distributed import get_worker

    worker = get_worker()

    def publish(event: Event) -> None:
        if isinstance(event, PhoneDone):
            worker.log_event(job.topic, {"bench": job.bench, "phone": event.phone,
                                         "outcome": event.outcome, "reason": event.reason})

    return publish


def _watch_stop(job: BenchJob, stop: threading.Event, done: threading.Event) -> threading.Thread:
    """Sets `stop` when the client sets the run's Dask Event (its user pressed Ctrl-C)."""
    from distributed import Event as DaskEvent
    from distributed import get_client

    # The client must be bound here, in the task thread: the watcher thread has no worker context.
    requested = DaskEvent(f"{job.topic}-stop", client=get_client())

    def watch() -> None:
        while not done.is_set():
            try:
                if requested.wait(timeout=STOP_POLL):
                    stop.set()
                    return
            except Exception as error:  # noqa: BLE001 - scheduler gone: the job finishes on its own
                log.warning("bench %s: no longer watching for a stop request: %s", job.bench, error)
                return

    thread = threading.Thread(target=watch, name=f"rig-stop-{job.bench}", daemon=True)
    thread.start()
    return thread


def _check_phones(path: Path, job: BenchJob) -> None:
    """Refuse phones this worker's config does not have before the bench is opened (or simulated)."""
    from rig.jobs.phones import configured_phones

    known = {phone.name for phone in configured_phones(load_config(path))}
    unknown = [name for name in job.phones if name not in known]
    if unknown:
        raise ConfigError(f"{path}: bench {job.bench} has no phone named {', '.join(map(repr, unknown))}")


def run_bench_job(job: BenchJob) -> BenchRun:
    """The Dask task: run the job on this worker's bench and hand back everything it recorded."""
    from distributed import get_worker

    from rig.bench.build import open_bench
    from rig.jobs import JobRequest, JobService

    path = bench_config_path(job.bench)
    _check_phones(path, job)
    stop, done = threading.Event(), threading.Event()
    watcher = _watch_stop(job, stop, done)
    with _jobs_lock:
        _jobs_running.add(stop)
    work_dir().mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="rig-job-", dir=work_dir()) as scratch, open_bench(path) as bench:
            run_dir = Path(scratch) / job.run_id
            service = JobService(bench)
            plan = service.plan(JobRequest(job.procedure, tuple(job.phones), run_dir=run_dir, source=str(path)))
            service.run(plan, observer=_progress_publisher(job), stop=stop)
            consoles = {log.stem: log.read_text(encoding="utf-8", errors="replace")
                        for log in sorted((run_dir / "console").glob("*.log"))}
            files = {folder.name: {f.name: f.read_bytes() for f in sorted(folder.iterdir())}
                     for folder in sorted((run_dir / FILES_DIR).glob("*")) if folder.is_dir()}
            return BenchRun(job.bench, read_events(run_dir / JOURNAL_NAME), consoles, get_worker().address, files)
    finally:
        with _jobs_lock:
            _jobs_running.discard(stop)
        done.set()
        watcher.join(timeout=2 * STOP_POLL)


async def _stop_jobs() -> None:
    """Ask every running job to stop and wait (bounded) until each has turned its ports back on."""
    with _jobs_lock:
        running = list(_jobs_running)
    for stop in running:
        stop.set()
    deadline = asyncio.get_running_loop().time() + SHUTDOWN_GRACE
    while asyncio.get_running_loop().time() < deadline:
        with _jobs_lock:
            if not _jobs_running:
                return
        await asyncio.sleep(STOP_POLL)


async def serve(scheduler: str, config_path: Path, *, host: str | None, nthreads: int, name: str | None) -> None:
    """Run a Dask worker owning the bench of `config_path` until the scheduler goes or SIGTERM/SIGINT."""
    from distributed import Worker

    bench = register_bench(config_path)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stopping.set)
    async with Worker(scheduler, nthreads=nthreads, resources={resource_name(bench): 1}, host=host,
                      name=name or f"rig-{bench}", dashboard=False) as worker:
        print(f"rig worker {worker.address}: bench {bench} ({config_path}) on scheduler {scheduler}", flush=True)
        finished = asyncio.ensure_future(worker.finished())
        stop_wait = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({finished, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.is_set():
            await _stop_jobs()  # before the worker leaves: its jobs' ports back on, their journals returned
        for pending in (finished, stop_wait):
            pending.cancel()
