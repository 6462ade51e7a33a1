"""The one typed result of a run, and of each phone in it, as the journal reader builds it
(rig.report.results.build_results) and every front end reads it: results.json (`to_json`), the
`--json` document, junit.xml, report.html, the terminal's summary and the pytest plugin.

The JSON form is results.json's, field for field and in order (docs/design.md): `to_json` writes
it, `from_json` reads it back (an older file without `fix`, `fixes`, `ports_left_off` or a step's
`attempt` reads with their defaults).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rig.record.events import OUTCOMES, Outcome
from rig.record.steps import step_label


@dataclass(frozen=True)
class StepRecord:
    """A step as the phone's last attempt journaled it (`name` as rig.record.steps declares it)."""

    name: str
    attempt: int
    started: str
    ended: str
    ok: bool
    detail: str

    @property
    def label(self) -> str:
        """How a person reads it: `erase (attempt 2)`."""
        return step_label(self.name, self.attempt)


@dataclass(frozen=True)
class FetchRecord:
    """A TFTP transfer the tap saw the phone make."""

    file: str
    at: str
    bytes: int
    ok: bool
    expected: str | None = None
    """Why a failed transfer decides nothing (left out of the JSON when None)."""
    sha256: str | None = None
    """Of the bytes the phone was sent (left out of the JSON when None, as the next two)."""
    upstream_sha256: str | None = None
    """Of what CUCM sent for them: equal to `sha256` when the phone got exactly what CUCM serves."""
    source: str | None = None
    """"relayed" or "cache" (the tap's image cache)."""

    OPTIONAL = ("expected", "sha256", "upstream_sha256", "source")


@dataclass(frozen=True, kw_only=True)
class PhoneResult:
    """One phone's result: its outcome, why, how its trust was restored, and the evidence."""

    name: str
    mac: str
    switch: str | None
    port: str | None
    outcome: Outcome
    reason: str | None
    fix: str | None
    """How its trust was restored (rig.report.results.fix_of); None when it did not pass."""
    steps: tuple[StepRecord, ...]
    tftp_fetches: tuple[FetchRecord, ...]
    load_before: str | None
    load_after: str | None
    itl_signer: str | None
    symptoms: tuple[str, ...]
    bench: str | None = None
    """The bench of a phone of a merged multi-bench run (left out of the JSON when None)."""

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    @property
    def failed_step(self) -> StepRecord | None:
        """The first step that failed (what ended the phone, or the first failed check)."""
        return next((s for s in self.steps if not s.ok), None)

    def step(self, name: str) -> StepRecord | None:
        """The last try of the step declared as `name`, or None when it was not run."""
        return next((s for s in reversed(self.steps) if s.name == name), None)

    def fetched(self, pattern: str) -> list[FetchRecord]:
        """Complete transfers whose file name matches the glob `pattern` (e.g. `*.sbn`)."""
        return [f for f in self.tftp_fetches if f.ok and fnmatch.fnmatchcase(f.file, pattern)]

    def to_json(self) -> dict[str, Any]:
        data = _as_dict(PhoneResult)(self)
        data["symptoms"] = list(self.symptoms)
        data["steps"] = list(map(_as_dict(StepRecord), self.steps))
        fetch = _as_dict(FetchRecord)
        data["tftp_fetches"] = [_without_none(fetch(f), *FetchRecord.OPTIONAL) for f in self.tftp_fetches]
        return _without_none(data, "bench")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "PhoneResult":
        return cls(
            name=data["name"], mac=data["mac"], switch=data["switch"], port=data["port"], outcome=data["outcome"],
            reason=data["reason"], fix=data.get("fix"),
            steps=tuple(StepRecord(s["name"], int(s.get("attempt", 1)), s["started"], s["ended"], bool(s["ok"]),
                                   s["detail"] or "") for s in data["steps"]),
            tftp_fetches=tuple(FetchRecord(f["file"], f["at"], int(f["bytes"] or 0), bool(f["ok"]),
                                           *(f.get(key) for key in FetchRecord.OPTIONAL))
                               for f in data["tftp_fetches"]),
            load_before=data["load_before"], load_after=data["load_after"], itl_signer=data["itl_signer"],
            symptoms=tuple(data["symptoms"]), bench=data.get("bench"),
        )


@dataclass(frozen=True)
class LeftOff:
    """A port this run turned off and the journal never saw on again (issue 29)."""

    phone: str
    switch: str
    port: str


@dataclass(frozen=True)
class Unhealthy:
    """A shared bench part taken out of service (`slot`: its historical JSON name)."""

    slot: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class RunResults:
    """A run's result: results.json's content, typed."""

    ports_left_off: tuple[LeftOff, ...] = ()
    """First: a port rig could not turn back on is what every output says first."""
    run_id: str
    started: str
    finished: str | None
    procedure: str
    bench: str
    summary: dict[str, int]
    """Phones per outcome, every outcome present."""
    fixes: dict[str, int] = field(default_factory=dict)
    """Passed phones per `fix`, the others as `not fixed`, most frequent first."""
    phones: tuple[PhoneResult, ...]
    unhealthy: tuple[Unhealthy, ...] = ()
    interrupted: bool

    @property
    def all_passed(self) -> bool:
        return self.summary["passed"] == len(self.phones)

    def phone(self, name: str) -> PhoneResult:
        return next(p for p in self.phones if p.name == name)

    def to_json(self) -> dict[str, Any]:
        """results.json."""
        data = _as_dict(RunResults)(self)
        data["ports_left_off"] = list(map(_as_dict(LeftOff), self.ports_left_off))
        data["summary"], data["fixes"] = dict(self.summary), dict(self.fixes)
        data["phones"] = [p.to_json() for p in self.phones]
        data["unhealthy"] = list(map(_as_dict(Unhealthy), self.unhealthy))
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RunResults":
        """A results.json read back; KeyError or TypeError when it lacks what every version has."""
        return cls(
            ports_left_off=tuple(LeftOff(**c) for c in data.get("ports_left_off", [])),
            run_id=data["run_id"], started=data["started"], finished=data["finished"],
            procedure=data["procedure"], bench=data["bench"],
            summary={o: int(data["summary"].get(o, 0)) for o in OUTCOMES}, fixes=dict(data.get("fixes", {})),
            phones=tuple(PhoneResult.from_json(p) for p in data["phones"]),
            unhealthy=tuple(Unhealthy(**u) for u in data.get("unhealthy", [])),
            interrupted=bool(data.get("interrupted")),
        )


@functools.cache
def _as_dict(cls: type) -> Callable[[Any], dict[str, Any]]:
    """An instance of `cls` as a dict of its fields, in order, values as they are (the callers
    convert the nested ones): dataclasses.asdict deep-copies every value, which was 0.3 s of
    writing results.json for 1000 phones."""
    names = tuple(f.name for f in dataclasses.fields(cls))
    values = operator.attrgetter(*names)
    return lambda instance: dict(zip(names, values(instance)))


def _without_none(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        if data.get(key) is None:
            data.pop(key, None)
    return data
