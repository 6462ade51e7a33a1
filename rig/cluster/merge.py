"""One run directory out of many benches' runs: one journal, console logs, then the usual reports.

Each bench's events are tagged with the bench and its phones named `bench/phone`; a bench's own
run events become `bench_started/bench_resumed/bench_finished/bench_interrupted`; a bench that
never ran has each of its phones `error` with the reason. The reports are then rendered from
this journal by the same code as a one-bench run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from rig.cluster.site import Site, qualified
from rig.jobs.phones import ConfiguredPhone
from rig.cluster.worker import BenchRun
from rig.record.events import (
    BenchFinished, BenchInterrupted, BenchResumed, BenchStarted, BenchWorker, Event, ListedPhone, PartUnhealthy,
    PhoneDone, PhoneEvent, PhoneStarted, RunFinished, RunInterrupted, RunResumed, RunStarted, UnknownEvent,
)
from rig.record.journal import FILES_DIR, JOURNAL_NAME, Journal


@dataclass
class Collected:
    """Per bench: its run, or why there is none (its phones are then `error` with that reason)."""

    runs: dict[str, BenchRun] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False


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
          collected: Collected, scheduler: str, *, resumed: bool = False) -> None:
    """Write the one journal (and console logs) of the cluster run into `run_dir` (appended to it,
    after a `run_resumed`, when the run resumes an earlier one there)."""
    outcomes: dict[str, str] = {}
    opening = RunResumed if resumed else RunStarted
    with Journal(run_dir / JOURNAL_NAME) as journal:
        journal.write(opening(
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
            for phone, kept in run.files.items():
                folder = run_dir / FILES_DIR / bench / phone
                folder.mkdir(parents=True, exist_ok=True)
                for name, content in kept.items():
                    (folder / name).write_bytes(content)
        for bench, reason in collected.failures.items():
            for phone in chosen[bench]:
                name = qualified(bench, phone.name)
                journal.write(PhoneStarted(phone=name, bench=bench))
                journal.write(PhoneDone(phone=name, bench=bench, outcome="error", reason=reason))
                outcomes[name] = "error"
        closing = RunInterrupted if collected.interrupted else RunFinished
        journal.write(closing(outcomes=outcomes))
