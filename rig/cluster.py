"""The client side of a cluster run: one job on many benches through Dask, one merged run directory.

A site file lists the benches' config files. Each bench's job goes to the Dask worker that
advertises the resource `bench-<name>` (see rig.worker), so it runs on the host wired to that
bench. Phones are reported one line each as they finish, from the Dask events the workers log.
A bench that no worker owns, or whose worker leaves or never answers, is reported (its phones
`error` with the reason), never waited on forever. When every bench is done, the journals come
back and are merged into one run directory on this machine: one journal (each bench's events
tagged with `bench`, phone names qualified `bench/phone`), results.json (with a `bench` per
phone), junit.xml and report.html, rendered by the same code as a one-bench run.

site.yaml:

    site: lab-east
    benches: [bench-a.yaml, bench-b.yaml]     # relative to the site file
    timeouts: {connect: 10, job: 7200}         # seconds (optional)
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Any, TextIO

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rig.config import LabConfig, load_config
from rig.errors import ConfigError, RigError
from rig.events import (
    BenchFinished, BenchInterrupted, BenchResumed, BenchStarted, BenchWorker, Event, ListedPhone, PartUnhealthy,
    PhoneDone, PhoneEvent, PhoneStarted, RunFinished, RunInterrupted, RunResumed, RunStarted, UnknownEvent,
)
from rig.jobs.interrupts import interrupts
from rig.jobs.phones import ConfiguredPhone, configured_phones
from rig.jobs.result import exit_code, json_document
from rig.journal import JOURNAL_NAME, Journal
from rig.report import render
from rig.worker import BenchJob, BenchRun, resource_name, run_bench_job

POLL = 1.0
"""Seconds between checks that each pending bench still has a worker."""
INTERRUPT_GRACE = 60.0
"""Seconds a bench gets, after Ctrl-C, to stop its phones and hand back its journal."""


class SiteTimeouts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    connect: float = Field(default=10.0, gt=0)
    """Seconds to reach the scheduler."""
    job: float = Field(default=7200.0, gt=0)
    """Longest a bench's job may take before its phones are reported as errors."""


class SiteFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    site: str = Field(min_length=1)
    benches: list[Path] = Field(min_length=1)
    timeouts: SiteTimeouts = Field(default_factory=SiteTimeouts)


@dataclass(frozen=True)
class SiteBench:
    name: str
    config_path: Path
    config: LabConfig
    phones: list[ConfiguredPhone]


@dataclass(frozen=True)
class Site:
    name: str
    path: Path
    benches: dict[str, SiteBench]
    timeouts: SiteTimeouts

    def select(self, names: list[str]) -> dict[str, list[ConfiguredPhone]]:
        """Bench -> phones to run. A name is `bench/phone`, or a phone name that only one bench has."""
        if not names:
            return {b.name: list(b.phones) for b in self.benches.values()}
        wanted: dict[str, set[str]] = {}
        for name in names:
            bench, phone = self._locate(name)
            wanted.setdefault(bench, set()).add(phone)
        return {
            b.name: [p for p in b.phones if p.name in wanted[b.name]] for b in self.benches.values() if b.name in wanted
        }

    def _locate(self, name: str) -> tuple[str, str]:
        bench, sep, phone = name.rpartition("/")
        if sep:
            if bench not in self.benches:
                raise ConfigError(f"{self.path}: no bench named {bench!r} (benches: {', '.join(self.benches)})")
            if phone not in {p.name for p in self.benches[bench].phones}:
                raise ConfigError(f"{self.path}: bench {bench} has no phone named {phone!r}")
            return bench, phone
        holders = [b.name for b in self.benches.values() if phone in {p.name for p in b.phones}]
        if not holders:
            raise ConfigError(f"{self.path}: no bench has a phone named {phone!r}")
        if len(holders) > 1:
            raise ConfigError(f"{self.path}: phone {phone!r} is on benches {', '.join(holders)}: name it bench/phone")
        return holders[0], phone


def load_site(path: Path) -> Site:
    """Read and validate a site file and every bench config it lists; errors name the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    except yaml.YAMLError:
        raise ConfigError(f"{path}: not valid YAML") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping")
    try:
        site = SiteFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        raise ConfigError(f"{path}: {where}: {message}") from None
    benches: dict[str, SiteBench] = {}
    for index, listed in enumerate(site.benches):
        config_path = listed if listed.is_absolute() else path.parent / listed
        try:
            config = load_config(config_path)
        except ConfigError as error:
            raise ConfigError(f"{path}: benches[{index}]: {error}") from None
        if config.bench in benches:
            other = benches[config.bench].config_path
            raise ConfigError(f"{path}: benches[{index}]: {config_path} and {other} are both bench {config.bench}")
        benches[config.bench] = SiteBench(config.bench, config_path, config, configured_phones(config))
    return Site(site.site, path, benches, site.timeouts)


def qualified(bench: str, phone: str) -> str:
    return f"{bench}/{phone}"


# --- collecting the benches' runs --------------------------------------------------------------

@dataclass
class Collected:
    """Per bench: its run, or why there is none (its phones are then `error` with that reason)."""

    runs: dict[str, BenchRun] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False


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


# --- merging ------------------------------------------------------------------------------------

_AS_BENCH_EVENT: dict[type[Event], type[Event]] = {
    RunStarted: BenchStarted, RunResumed: BenchResumed, RunFinished: BenchFinished, RunInterrupted: BenchInterrupted,
}
"""A bench's own run events keep their fields under the merged journal's bench_* kinds."""


def tag_event(event: Event, bench: str) -> Event:
    """A bench's event as the merged journal records it: tagged with the bench, phone qualified."""
    renamed = _AS_BENCH_EVENT.get(type(event))
    if renamed is not None:
        event = renamed(**{f.name: getattr(event, f.name) for f in dataclasses.fields(event)})
    if isinstance(event, PhoneEvent):
        return dataclasses.replace(event, phone=qualified(bench, event.phone), bench=bench)
    if isinstance(event, PartUnhealthy):
        return dataclasses.replace(event, part=f"{bench}: {event.part}", bench=bench)
    if isinstance(event, UnknownEvent):
        return dataclasses.replace(event, fields={**event.fields, "bench": bench})
    return dataclasses.replace(event, bench=bench) if hasattr(event, "bench") else event


def merge(run_dir: Path, site: Site, procedure: str, chosen: dict[str, list[ConfiguredPhone]],
          collected: Collected, scheduler: str) -> None:
    """Write the one journal (and console logs) of the cluster run into `run_dir`."""
    outcomes: dict[str, str] = {}
    with Journal(run_dir / JOURNAL_NAME) as journal:
        journal.write(RunStarted(
            run_id=run_dir.name, procedure=procedure, bench=site.name,
            phones=[ListedPhone(qualified(b, p.name), p.mac, p.switch, p.port, bench=b)
                    for b, phones in chosen.items() for p in phones],
            redo=[qualified(b, p.name) for b, phones in chosen.items() for p in phones],
            cluster={"scheduler": scheduler, "site": str(site.path),
                     "benches": {b: str(site.benches[b].config_path) for b in chosen}},
        ))
        for bench, run in collected.runs.items():
            journal.write(BenchWorker(bench=bench, worker=run.worker))
            for event in run.events:
                tagged = journal.write(tag_event(event, bench))
                if isinstance(tagged, PhoneDone):
                    outcomes[tagged.phone] = tagged.outcome
            for phone, text in run.consoles.items():
                log = run_dir / "console" / bench / f"{phone}.log"
                log.parent.mkdir(parents=True, exist_ok=True)
                log.write_text(text, encoding="utf-8")
        for bench, reason in collected.failures.items():
            for phone in chosen[bench]:
                name = qualified(bench, phone.name)
                journal.write(PhoneStarted(phone=name, bench=bench))
                journal.write(PhoneDone(phone=name, bench=bench, outcome="error", reason=reason))
                outcomes[name] = "error"
        closing = RunInterrupted if collected.interrupted else RunFinished
        journal.write(closing(outcomes=outcomes))


# --- the command ----------------------------------------------------------------------------------

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


def run_on_cluster(scheduler: str, site_path: Path, procedure: str, phones: list[str], runs_dir: Path,
                   *, json_out: bool) -> int:
    """Run `procedure` on the site's benches through the scheduler; the CLI exit code (0/1/130)."""
    from distributed import Event as DaskEvent

    from rig.jobs.rundir import new_run_dir
    from rig.procedures import PROCEDURES
    from rig.progress import summary_line

    if procedure not in PROCEDURES:
        raise RigError(f"unknown procedure {procedure!r}")
    site = load_site(site_path)
    chosen = site.select(phones)
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
        run_dir = new_run_dir(runs_dir, procedure)
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
        merge(run_dir, site, procedure, chosen, collected, scheduler)
        results = render(run_dir)
        if json_out:
            sys.stdout.write(json.dumps(json_document(results, run_dir)) + "\n")
            sys.stdout.flush()
        else:
            print(summary_line(results), file=out)
            print(f"report: {run_dir / 'report.html'}", file=out)
    return exit_code(results, collected.interrupted)
