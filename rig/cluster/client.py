"""The client side of a cluster run: one job on many benches through Dask, one merged run directory.

Each bench's job goes to the Dask worker that advertises the resource `bench-<name>` (see
rig.cluster.worker), so it runs on the host wired to that bench. Phones are reported one line
each as they finish, from the Dask events the workers log. A bench that no worker owns, or whose
worker leaves or never answers, is reported (its phones `error` with the reason), never waited
on forever. When every bench is done (or Ctrl-C asked them to stop), their journals come back
and are merged into one run directory on this machine (rig.cluster.merge).
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from rig.cluster.merge import Collected, merge
from rig.cluster.site import Site, load_site, qualified
from rig.cluster.worker import BenchJob, resource_name, run_bench_job
from rig.errors import ConfigError, RigError
from rig.jobs.interrupts import interrupts
from rig.jobs.result import exit_code, json_document
from rig.report import render

POLL = 1.0
"""Seconds between checks that each pending bench still has a worker."""
INTERRUPT_GRACE = 60.0
"""Seconds a bench gets, after Ctrl-C, to stop its phones and hand back its journal."""


def owned_benches(client: Any) -> set[str]:
    """The worker resources the scheduler's workers advertise right now."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return {name for w in workers for name in (w.get("resources") or {})}


def _collect(client: Any, futures: dict[str, Any], site: Site, stop: threading.Event, stop_benches: Any,
             out: TextIO, report: Callable[[str, str], None]) -> Collected:
    """Wait for every bench (or Ctrl-C: `stop`, then each bench's partial run, `stop_benches` asks them)."""
    collected = Collected()
    pending = dict(futures)
    deadline = time.monotonic() + site.timeouts.job
    changed = threading.Event()
    for future in futures.values():
        future.add_done_callback(lambda _: changed.set())
    while pending and not stop.is_set():
        changed.wait(POLL)
        changed.clear()
        for bench, future in list(pending.items()):
            if future.done():
                pending.pop(bench)
                _settle(bench, future, collected, report)
        owned = owned_benches(client) if pending else set()
        for bench in list(pending):
            if resource_name(bench) not in owned:
                collected.failures[bench] = f"the worker of bench {bench} left before the job finished"
            elif time.monotonic() > deadline:
                collected.failures[bench] = f"bench {bench} did not finish within {site.timeouts.job:g} s"
            else:
                continue
            pending.pop(bench).cancel()
            report(bench, collected.failures[bench])
    if pending:
        collected.interrupted = True
        stop_benches.set()  # workers stop their phones at the next wait and return what they have
        print("interrupted: asking the benches to stop", file=out, flush=True)
        for bench, future in pending.items():
            try:
                future.result(timeout=INTERRUPT_GRACE)
            except Exception:  # noqa: BLE001 - _settle says what went wrong
                pass
            _settle(bench, future, collected, report)
    return collected


def _settle(bench: str, future: Any, collected: Collected, report: Callable[[str, str], None]) -> None:
    """Keep a finished bench's run, or record (and report) why it has none."""
    if future.status == "finished":
        collected.runs[bench] = future.result()
        return
    if future.status == "error":
        error = future.exception()
        reason = f"the job on bench {bench} failed: {error or type(error).__name__}"
    else:
        reason = f"the job on bench {bench} did not finish ({future.status})"
    collected.failures[bench] = reason
    report(bench, reason)


ProgressEvent = tuple[float, dict[str, Any]]
"""What Dask hands a topic subscriber: (scheduler time, the message a worker logged)."""


def _progress_printer(out: TextIO) -> Callable[[ProgressEvent], None]:
    lock = threading.Lock()

    def handler(event: ProgressEvent) -> None:
        msg = event[1]
        tail = f": {msg['reason']}" if msg.get("reason") else ""
        with lock:
            print(f"{qualified(msg['bench'], msg['phone'])} {msg['outcome']}{tail}", file=out, flush=True)

    return handler


def _connect(scheduler: str, timeout: float) -> Any:
    from distributed import Client

    try:
        return Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise RigError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None


def _to_redo(resume: Path, procedure: str, site: Site, phones: list[str]) -> list[str]:
    """The phones (`bench/phone`) of an earlier cluster run of this site that did not pass."""
    from rig.jobs.rundir import read_state

    if phones:
        raise RigError("--resume redoes the run's own phones: give no phone names")
    state = read_state(resume)
    if state.procedure != procedure:
        raise RigError(f"{resume}: is a {state.procedure} run, not {procedure}")
    if state.bench != site.name:
        raise RigError(f"{resume}: is a run of {state.bench}, not of site {site.name}")
    redo = [name for name in state.phones if name not in state.passed]
    if not redo:
        raise RigError(f"{resume}: every phone passed, nothing to redo")
    return redo


def run_on_cluster(scheduler: str, site_path: Path, procedure: str, phones: list[str], runs_dir: Path,
                   *, json_out: bool, resume: Path | None = None) -> int:
    """Run `procedure` on the site's benches through the scheduler; the CLI exit code (0/1/130).

    With `resume` (a merged run directory), the phones of that run that did not pass run again
    and their events are appended to it; each bench first restores the ports a killed worker
    left off, from the journal its dead lease names (rig.jobs.service)."""
    from distributed import Event as DaskEvent

    from rig.jobs.rundir import new_run_dir
    from rig.procedures import PROCEDURES
    from rig.report.results import closing_lines

    if procedure not in PROCEDURES:
        raise RigError(f"unknown procedure {procedure!r}")
    site = load_site(site_path)
    chosen = site.select(phones if resume is None else _to_redo(resume, procedure, site, phones))
    if not any(chosen.values()):
        raise ConfigError(f"{site_path}: phones: the site's benches have no phones to {procedure}")
    out = sys.stderr if json_out else sys.stdout
    printer = _progress_printer(out)

    def report(bench: str, reason: str) -> None:
        """A bench that will not run: each of its phones gets its line, as if it had finished."""
        for phone in chosen[bench]:
            printer((time.time(), {"bench": bench, "phone": phone.name, "outcome": "error", "reason": reason}))

    stop = threading.Event()
    with _connect(scheduler, site.timeouts.connect) as client, interrupts(stop):
        run_dir = resume if resume is not None else new_run_dir(runs_dir, procedure)
        topic = f"rig-{run_dir.name}-{uuid.uuid4().hex[:8]}"
        client.subscribe_topic(topic, printer)
        owned = owned_benches(client)
        futures: dict[str, Any] = {}
        missing: dict[str, str] = {}
        for bench, listed in chosen.items():
            resource = resource_name(bench)
            if resource not in owned:
                missing[bench] = f"no worker owns bench {bench} (no worker advertises the resource {resource})"
                report(bench, missing[bench])
                continue
            job = BenchJob(bench, procedure, [p.name for p in listed], run_dir.name, topic)
            futures[bench] = client.submit(run_bench_job, job, resources={resource: 1}, pure=False,
                                           key=f"{topic}-{bench}")
        stop_benches = DaskEvent(f"{topic}-stop", client=client)
        collected = _collect(client, futures, site, stop, stop_benches, out, report)
        collected.failures.update(missing)
        client.unsubscribe_topic(topic)
        merge(run_dir, site, procedure, chosen, collected, scheduler, resumed=resume is not None)
        results = render(run_dir)
        if json_out:
            sys.stdout.write(json.dumps(json_document(results, run_dir)) + "\n")
            sys.stdout.flush()
        else:
            print("\n".join(closing_lines(results, run_dir)), file=out)
    return exit_code(results, collected.interrupted)
