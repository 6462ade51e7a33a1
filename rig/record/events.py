"""The journal's events, typed: one frozen dataclass per kind, the only schema of journal.jsonl.

Every writer (runner, procedures, cluster merge) builds these and every reader (results, junit,
html, progress, resume, worker, pytest plugin) receives them, so a field has one name and one
type everywhere. The JSON form is the one journal.jsonl has always had: `{"event": KIND, "at":
ISO-8601 UTC, ...fields}`.

Decoding tolerates what a real file holds: unknown event kinds become `UnknownEvent` (kept, and
skipped by readers, so an older rig reads a newer journal), unknown fields are kept aside, and
optional fields may be missing. A missing required field, a value of the wrong type or a time
that is not ISO 8601 raises `EventError` naming the field; `rig.record.journal.read_events` adds the
file and line, and the CLI prints that one line and exits 2.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

from rig.record.event_decode import EventError, decode_dataclass

Outcome = Literal["passed", "failed", "error", "skipped"]
OUTCOMES: tuple[str, ...] = typing.get_args(Outcome)
E = TypeVar("E", bound="Event")



@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every journal event. `at` is stamped by the Journal when left empty."""

    KIND: ClassVar[str] = ""
    at: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Fields this rig does not know (written by a newer one): kept so a merge loses nothing."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object of journal.jsonl."""
        return {"event": self.KIND, **_encode(self), **self.extra}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Event":
        """The typed event of a decoded JSON object; its class is chosen by `event`."""
        kind = data.get("event")
        if not isinstance(kind, str):
            raise EventError("not a journal event (no \"event\" name)")
        target = KINDS.get(kind)
        if target is None:
            return UnknownEvent(kind=kind, at=str(data.get("at", "")), fields=dict(data))
        if cls is not Event and not issubclass(target, cls):
            raise EventError(f"a {kind} event where a {cls.KIND or cls.__name__} was expected")
        if not data.get("at"):
            raise EventError(f"{kind} event has no field 'at'")
        return decode_dataclass(target, data, f"{kind} event")


def tag() -> Any:
    """An optional field left out of the JSON when None (`bench` exists only in merged journals)."""
    return field(default=None, metadata={"omit_none": True})


@functools.cache
def _encoding(cls: type) -> tuple[tuple[str, str, bool], ...]:
    """Each field of `cls` to encode: (attribute, JSON key, left out when None). Worked out once
    per class: every phone thread journals each of its events, and asking dataclasses.fields
    for every event was a third of the journal's encoding time."""
    return tuple(
        (f.name, f.metadata.get("json", f.name), bool(f.metadata.get("omit_none")))
        for f in dataclasses.fields(cls) if f.name != "extra"
    )


_SCALARS = (str, int, float, bool, type(None))


def _encode(value: Any) -> Any:
    if isinstance(value, _SCALARS):
        return value
    if dataclasses.is_dataclass(value):
        data = {}
        for name, key, omit_none in _encoding(type(value)):
            item = getattr(value, name)
            if item is None and omit_none:
                continue
            data[key] = item if isinstance(item, _SCALARS) else _encode(item)
        return data
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, kw_only=True)
class UnknownEvent(Event):
    """An event kind this rig does not know: kept in order, ignored by every reader."""

    kind: str
    fields: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return dict(self.fields)


# --- run level -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ListedPhone:
    """A phone as run_started lists it (merged cluster runs also name its bench)."""

    name: str
    mac: str
    switch: str | None  # None: a field-mode phone (no switch)
    port: str | None
    bench: str | None = tag()


@dataclass(frozen=True, kw_only=True)
class RunOpening(Event):
    """What a run (or, merged, one bench's run) set out to do. Fields as run_started has them."""

    run_id: str
    procedure: str
    bench: str
    phones: list[ListedPhone]
    redo: list[str] = field(default_factory=list)
    """The phones this (possibly resumed) run does; `phones` is the run's whole list."""
    config: dict[str, Any] = field(default_factory=dict)
    cluster: dict[str, Any] | None = tag()


@dataclass(frozen=True, kw_only=True)
class RunStarted(RunOpening):
    KIND = "run_started"


@dataclass(frozen=True, kw_only=True)
class RunResumed(RunOpening):
    KIND = "run_resumed"


@dataclass(frozen=True, kw_only=True)
class RunClosing(Event):
    """The end of a run: each phone's outcome as the run saw it."""

    outcomes: dict[str, str] = field(default_factory=dict)
    bench: str | None = tag()


@dataclass(frozen=True, kw_only=True)
class RunFinished(RunClosing):
    KIND = "run_finished"


@dataclass(frozen=True, kw_only=True)
class RunInterrupted(RunClosing):
    KIND = "run_interrupted"


def _merged_twin(run_event: type[E], kind: str) -> type[E]:
    """A run event of one bench as a merged cluster journal records it (rig.cluster renames
    them): the same fields under its own kind, so no reader takes it for the merged run's own."""
    name = run_event.__name__.replace("Run", "Bench", 1)
    twin = type(name, run_event.__bases__, {"KIND": kind, "__module__": __name__, "__qualname__": name,
                                            "__doc__": f"`{kind}`: {run_event.KIND} of one bench of a merged run."})
    return dataclass(frozen=True, kw_only=True)(twin)


BenchStarted = _merged_twin(RunStarted, "bench_started")
BenchResumed = _merged_twin(RunResumed, "bench_resumed")
BenchFinished = _merged_twin(RunFinished, "bench_finished")
BenchInterrupted = _merged_twin(RunInterrupted, "bench_interrupted")


@dataclass(frozen=True, kw_only=True)
class BenchWorker(Event):
    KIND = "bench_worker"
    bench: str
    worker: str


@dataclass(frozen=True, kw_only=True)
class PartUnhealthy(Event):
    """A shared bench part (switch, console server, meter, actuator) taken out of service."""

    KIND = "slot_unhealthy"
    part: str = field(metadata={"json": "slot"})
    reason: str
    bench: str | None = tag()


# --- phone level -----------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class PhoneEvent(Event):
    """An event about one phone (`bench/phone` in a merged cluster journal)."""

    phone: str
    bench: str | None = tag()


@dataclass(frozen=True, kw_only=True)
class PhoneStarted(PhoneEvent):
    KIND = "phone_started"


@dataclass(frozen=True, kw_only=True)
class StepStarted(PhoneEvent):
    """A step begins: shown live, never journaled (the `step` event records it when it ends)."""

    KIND = "step_started"
    name: str
    attempt: int = 1


@dataclass(frozen=True, kw_only=True)
class StepDone(PhoneEvent):
    """A named step, journaled as it ends, with a one-line detail and its evidence.

    `name` is one of rig.record.steps' declared names; `attempt` counts the tries of that step on
    this phone (an erase after a power cycle is attempt 2; journals from before it read as 1)."""

    KIND = "step"
    name: str
    started: str
    ended: str
    ok: bool
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    attempt: int = 1


@dataclass(frozen=True, kw_only=True)
class TftpFetch(PhoneEvent):
    """A transfer the tap saw this phone make; `at` is when the transfer started."""

    KIND = "tftp"
    file: str
    bytes: int
    ok: bool
    error: str | None = None
    expected: str | None = tag()
    """Why a failed transfer is expected and decides nothing (a non-secure cluster serves no CTL)."""
    options: dict[str, str] | None = tag()
    """The options of the phone's request (`blksize`, `tsize`, ...; {} when it asked none; None in a
    journal from before rig kept them)."""
    resent_after: list[float] | None = tag()
    """Seconds after its request at which the phone sent it again, unanswered (its TFTP timeout)."""


@dataclass(frozen=True, kw_only=True)
class PowerAction(PhoneEvent):
    """A PoE action on a phone's port, journaled before (`intent`) and after (`done`) it.

    Write-ahead: a run killed between an `off` intent and the matching `on` leaves the proof that
    this bench turned the port off, and which phone is behind it, for resume to turn it back on.
    """

    KIND = "power"
    switch: str
    port: str
    mac: str
    action: Literal["off", "on"]
    phase: Literal["intent", "done"]


@dataclass(frozen=True, kw_only=True)
class RouteChange(PhoneEvent):
    """Where the TFTP tap relays this phone's reads (by its IP), journaled before the tap is told.

    Write-ahead, as a power action: a resumed run routes each phone as its journal last said
    (rig.record.journal.routes_of), so a migration killed between its phases goes on from there.
    """

    KIND = "route"
    ip: str
    system: str
    upstream: str
    """The system's TFTP address, `host:port`."""
    phase: Literal["intent", "done"]


@dataclass(frozen=True, kw_only=True)
class PhoneDone(PhoneEvent):
    KIND = "phone_done"
    outcome: Outcome
    reason: str | None = None
    load_before: str | None = None
    load_after: str | None = None
    itl_signer: str | None = None
    symptoms: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class PhoneInterrupted(PhoneEvent):
    """The run stopped this phone before its outcome (redone on resume)."""

    KIND = "phone_interrupted"


KINDS: dict[str, type[Event]] = {
    cls.KIND: cls for cls in (
        RunStarted, RunResumed, RunFinished, RunInterrupted, BenchStarted, BenchResumed, BenchFinished,
        BenchInterrupted, BenchWorker, PartUnhealthy, PhoneStarted, StepStarted, StepDone, TftpFetch,
        PowerAction, RouteChange, PhoneDone, PhoneInterrupted,
    )
}
