"""The journal reader: a run's typed result (rig.report.model.RunResults) from its journal, the
one every front end reads; results.json is its JSON, exactly in the shape docs/design.md promises.

A phone may appear in the journal more than once (a resumed run redoes what did not pass):
its result is its last attempt, the events after its last `phone_started`. A phone the run never
finished is `skipped` when it was not touched, and `error` with what was done to it when the
journal shows a step that acted on it (an erase, a power action): skipped means "not touched".
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rig.record.events import (
    OUTCOMES, Event, ListedPhone, PartUnhealthy, PhoneDone, PhoneEvent, PhoneStarted, PowerAction, RunFinished,
    RunInterrupted, RunResumed, RunStarted, StepDone, TftpFetch,
)
from rig.errors import RigError
from rig.record.journal import ports_left_off
from rig.record.steps import ERASE, FACTORY_RESET, POWER_CYCLE, RESTART_FIRST, ROLLBACK, step_name
from rig.report.model import FetchRecord, LeftOff, PhoneResult, RunResults, StepRecord, Unhealthy

NOT_FINISHED = "not finished: the run was interrupted before this phone was done"


def last_attempts(events: list[Event]) -> dict[str, list[PhoneEvent]]:
    """Each phone's events of its last attempt (from its last `phone_started` on), in one pass:
    filtering the whole journal once per phone took seconds on a bench of 240 phones."""
    attempts: dict[str, list[PhoneEvent]] = {}
    for event in events:
        if not isinstance(event, PhoneEvent):
            continue
        if isinstance(event, PhoneStarted):
            attempts[event.phone] = []
        attempts.setdefault(event.phone, []).append(event)
    return attempts


def unfinished(events: list[PhoneEvent]) -> PhoneDone:
    """The outcome of a phone the run left unfinished, from what its events show was done to it."""
    changes = [step_name(e.name).changes for e in events if isinstance(e, StepDone)]
    power = [e for e in events if isinstance(e, PowerAction)]
    offs = [i for i, e in enumerate(power) if e.action == "off"]
    acts = list(dict.fromkeys([c for c in changes if c is not None] + ([POWER_CYCLE] if offs else [])))
    if not acts:
        return PhoneDone(phone="", outcome="skipped", reason=NOT_FINISHED)
    reason = f"interrupted after {' and '.join(acts)}"
    if offs:
        restored = any(e.action == "on" and e.phase == "done" for e in power[offs[-1]:])
        reason += "; port restored" if restored else "; its port may still be off"
    return PhoneDone(phone="", outcome="error", reason=reason)


def fix_of(outcome: str, events: list[PhoneEvent]) -> str | None:
    """How a passed phone's trust was restored, from its steps: `restart` (a restart before the
    keys was enough: rig.procedures.restart_first), `rollback` (it took a rollback ITL: rig migrate's
    rig.procedures.rollback), `erase:<backend>` (its ITL erased by keys on
    that backend), `none` (it needed nothing: no erase, or a restart that found no symptom).
    None for a phone that did not pass: its trust was not restored."""
    if outcome != "passed":
        return None
    for event in reversed([e for e in events if isinstance(e, StepDone) and e.ok]):
        if event.name in (RESTART_FIRST.name, ROLLBACK.name) and "fix" in event.data:
            return str(event.data["fix"])
        if event.name == ERASE.name and "erase_confirmed_by" in event.data:
            return f"erase:{event.data['backend']}"
        if event.name == FACTORY_RESET.name and "backend" in event.data:
            return f"factory_reset:{event.data['backend']}"
    return "none"


def fix_counts(fixes: list[str | None]) -> dict[str, int]:
    """Phones per fix, most frequent first; `not fixed` counts the phones that did not pass (None)."""
    counts = Counter(fix or "not fixed" for fix in fixes)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _phone_result(info: ListedPhone, events: list[PhoneEvent]) -> PhoneResult:
    done = next((e for e in reversed(events) if isinstance(e, PhoneDone)), None) or unfinished(events)
    return PhoneResult(
        name=info.name, mac=info.mac, switch=info.switch, port=info.port,
        outcome=done.outcome, reason=done.reason, fix=fix_of(done.outcome, events),
        steps=tuple(StepRecord(e.name, e.attempt, e.started, e.ended, e.ok, e.detail)
                    for e in events if isinstance(e, StepDone)),
        tftp_fetches=tuple(FetchRecord(e.file, e.at, e.bytes, e.ok, e.expected or None)
                           for e in events if isinstance(e, TftpFetch)),
        load_before=done.load_before, load_after=done.load_after, itl_signer=done.itl_signer,
        symptoms=tuple(done.symptoms),
        bench=info.bench,  # a phone of a merged multi-bench run also says which bench it is on
    )


def build_results(events: list[Event]) -> RunResults:
    """The run's result, each phone's from its last attempt: what every front end reads."""
    starts = [e for e in events if isinstance(e, (RunStarted, RunResumed))]
    if not starts:
        raise RigError("the journal has no run_started event")
    first = starts[0]
    ends = [e for e in events if isinstance(e, (RunFinished, RunInterrupted))]
    attempts = last_attempts(events)
    phones = tuple(_phone_result(info, attempts.get(info.name, [])) for info in first.phones)
    unhealthy: dict[str, str] = {}
    for e in events:
        if isinstance(e, PartUnhealthy):
            unhealthy.setdefault(e.part, e.reason)
    return RunResults(
        ports_left_off=tuple(LeftOff(c.name, c.switch, c.port) for c in ports_left_off(events, None)),
        run_id=first.run_id,
        started=first.at,
        finished=ends[-1].at if ends and ends[-1].at >= starts[-1].at else None,
        procedure=first.procedure,
        bench=first.bench,
        summary={outcome: sum(p.outcome == outcome for p in phones) for outcome in OUTCOMES},
        fixes=fix_counts([p.fix for p in phones]),
        phones=phones,
        unhealthy=tuple(Unhealthy(s, r) for s, r in unhealthy.items()),
        interrupted=bool(ends) and isinstance(ends[-1], RunInterrupted),
    )


def summary_line(results: RunResults) -> str:
    """`passed 7, failed 1, error 0, skipped 0`: the counts every front end prints last."""
    return ", ".join(f"{k} {v}" for k, v in results.summary.items())


def fix_line(results: RunResults) -> str:
    """`fix: erase:serial_actuator 3, restart 2, not fixed 1`: how many desks are left to visit.
    Empty when no phone was fixed by anything (`rig verify`; results from before `fix` existed)."""
    fixes = results.fixes
    if not set(fixes) - {"none", "not fixed"}:
        return ""
    return "fix: " + ", ".join(f"{k} {v}" for k, v in fixes.items())


def closing_lines(results: RunResults, run_dir: Path) -> list[str]:
    """What every front end prints last: the counts, the counts per fix (when something was fixed)
    and where the report is."""
    return [line for line in (summary_line(results), fix_line(results), f"report: {run_dir / 'report.html'}") if line]
