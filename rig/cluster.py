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

from rig.batch import PhoneSlot, phone_slots
from rig.config import LabConfig, load_config
from rig.errors import ConfigError, RigError
from rig.journal import JOURNAL_NAME, Event, Journal
from rig.report import render
from rig.worker import BenchJob, BenchRun, resource_name, run_bench_job

EXIT_INTERRUPTED = 130
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
    slots: list[PhoneSlot]


@dataclass(frozen=True)
class Site:
    name: str
    path: Path
    benches: dict[str, SiteBench]
    timeouts: SiteTimeouts

    def select(self, names: list[str]) -> dict[str, list[PhoneSlot]]:
        """Bench -> phones to run. A name is `bench/phone`, or a phone name that only one bench has."""
        if not names:
            return {b.name: list(b.slots) for b in self.benches.values()}
        wanted: dict[str, set[str]] = {}
        for name in names:
            bench, phone = self._locate(name)
            wanted.setdefault(bench, set()).add(phone)
        return {
            b.name: [s for s in b.slots if s.name in wanted[b.name]] for b in self.benches.values() if b.name in wanted
        }

    def _locate(self, name: str) -> tuple[str, str]:
        bench, sep, phone = name.rpartition("/")
        if sep:
            if bench not in self.benches:
                raise ConfigError(f"{self.path}: no bench named {bench!r} (benches: {', '.join(self.benches)})")
            if phone not in {s.name for s in self.benches[bench].slots}:
                raise ConfigError(f"{self.path}: bench {bench} has no phone named {phone!r}")
            return bench, phone
        holders = [b.name for b in self.benches.values() if phone in {s.name for s in b.slots}]
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
        benches[config.bench] = SiteBench(config.bench, config_path, config, phone_slots(config))
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


def _collect(client: Any, futures: dict[str, Any], site: Site, stop_event: Any, out: TextIO,
             report: Callable[[str, str], None]) -> Collected:
    collected = Collected()
    pending = dict(futures)
    deadline = time.monotonic() + site.timeouts.job
    changed = threading.Event()
    for future in futures.values():
        future.add_done_callback(lambda _: changed.set())
    try:
        while pending:
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
    except KeyboardInterrupt:
        collected.interrupted = True
        stop_event.set()  # workers stop their phones at the next wait and return what they have
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

_RUN_EVENTS = {"run_started": "bench_started", "run_resumed": "bench_resumed",
               "run_finished": "bench_finished", "run_interrupted": "bench_interrupted"}


def tag_event(event: Event, bench: str) -> Event:
    """A bench's event as the merged journal records it: tagged with the bench, phone qualified."""
    tagged = {**event, "event": _RUN_EVENTS.get(event["event"], event["event"]), "bench": bench}
    if "phone" in tagged:
        tagged["phone"] = qualified(bench, tagged["phone"])
    if "slot" in tagged:
        tagged["slot"] = f"{bench}: {tagged['slot']}"
    return tagged


def merge(run_dir: Path, site: Site, procedure: str, chosen: dict[str, list[PhoneSlot]],
          collected: Collected, scheduler: str) -> None:
    """Write the one journal (and console logs) of the cluster run into `run_dir`."""
    outcomes: dict[str, str] = {}
    with Journal(run_dir / JOURNAL_NAME) as journal:
        journal.append(
            "run_started", run_id=run_dir.name, procedure=procedure, bench=site.name,
            phones=[{"name": qualified(b, s.name), "bench": b, "mac": s.mac, "switch": s.switch, "port": s.port}
                    for b, slots in chosen.items() for s in slots],
            redo=[qualified(b, s.name) for b, slots in chosen.items() for s in slots],
            cluster={"scheduler": scheduler, "site": str(site.path),
                     "benches": {b: str(site.benches[b].config_path) for b in chosen}},
        )
        for bench, run in collected.runs.items():
            journal.append("bench_worker", bench=bench, worker=run.worker)
            for event in run.events:
                tagged = tag_event(event, bench)
                journal.append(tagged.pop("event"), **tagged)
                if tagged.get("phone") and event["event"] == "phone_done":
                    outcomes[tagged["phone"]] = event["outcome"]
            for phone, text in run.consoles.items():
                log = run_dir / "console" / bench / f"{phone}.log"
                log.parent.mkdir(parents=True, exist_ok=True)
                log.write_text(text, encoding="utf-8")
        for bench, reason in collected.failures.items():
            for slot in chosen[bench]:
                name = qualified(bench, slot.name)
                journal.append("phone_started", phone=name, bench=bench)
                journal.append("phone_done", phone=name, bench=bench, outcome="error", reason=reason,
                               load_before=None, load_after=None, itl_signer=None, symptoms=[])
                outcomes[name] = "error"
        journal.append("run_interrupted" if collected.interrupted else "run_finished", outcomes=outcomes)


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

    from rig.procedures import PROCEDURES
    from rig.progress import summary_line
    from rig.runner import new_run_dir

    if procedure not in PROCEDURES:
        raise RigError(f"unknown procedure {procedure!r}")
    site = load_site(site_path)
    chosen = site.select(phones)
    out = sys.stderr if json_out else sys.stdout
    printer = _progress_printer(out)

    def report(bench: str, reason: str) -> None:
        """A bench that will not run: each of its phones gets its line, as if it had finished."""
        for slot in chosen[bench]:
            printer((time.time(), {"bench": bench, "phone": slot.name, "outcome": "error", "reason": reason}))

    with _connect(scheduler, site.timeouts.connect) as client:
        run_dir = new_run_dir(runs_dir, procedure)
        topic = f"rig-{run_dir.name}-{uuid.uuid4().hex[:8]}"
        client.subscribe_topic(topic, printer)
        owned = owned_benches(client)
        futures: dict[str, Any] = {}
        missing: dict[str, str] = {}
        for bench, slots in chosen.items():
            resource = resource_name(bench)
            if resource not in owned:
                missing[bench] = f"no worker owns bench {bench} (no worker advertises the resource {resource})"
                report(bench, missing[bench])
                continue
            job = BenchJob(bench, procedure, [s.name for s in slots], run_dir.name, topic)
            futures[bench] = client.submit(run_bench_job, job, resources={resource: 1}, pure=False,
                                           key=f"{topic}-{bench}")
        collected = _collect(client, futures, site, DaskEvent(f"{topic}-stop", client=client), out, report)
        collected.failures.update(missing)
        client.unsubscribe_topic(topic)
    merge(run_dir, site, procedure, chosen, collected, scheduler)
    results = render(run_dir)
    if json_out:
        doc = {"run_dir": str(run_dir), "summary": results["summary"],
               "phones": [{"name": p["name"], "bench": p["bench"], "outcome": p["outcome"], "reason": p["reason"]}
                          for p in results["phones"]]}
        sys.stdout.write(json.dumps(doc) + "\n")
    else:
        print(summary_line(results), file=out)
        print(f"report: {run_dir / 'report.html'}", file=out)
    if collected.interrupted:
        return EXIT_INTERRUPTED
    return 0 if results["summary"]["passed"] == len(results["phones"]) else 1
