"""results.json from the journal, exactly in the shape docs/design.md promises.

A phone may appear in the journal more than once (a resumed run redoes what did not pass):
its result is its last attempt, the events after its last `phone_started`. A phone the run never
finished is `skipped` when it was not touched, and `error` with what was done to it when the
journal shows a step that acted on it (an erase, a power action): skipped means "not touched".
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from rig.record.events import (
    OUTCOMES, Event, ListedPhone, PartUnhealthy, PhoneDone, PhoneEvent, PhoneStarted, PowerAction, RunFinished,
    RunInterrupted, RunResumed, RunStarted, StepDone, TftpFetch,
)
from rig.errors import RigError
from rig.record.journal import ports_left_off

NOT_FINISHED = "not finished: the run was interrupted before this phone was done"
TOUCHING_STEPS = {"erase": "erase", "factory_reset": "a factory reset", "restart": "a power cycle",
                  "restart_first": "a power cycle", "recover": "a power cycle"}
"""Steps that change a phone (by the first word of their name: `erase (retry 1)`), and what they did."""


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
    steps = [e.name.split(" ")[0] for e in events if isinstance(e, StepDone)]
    power = [e for e in events if isinstance(e, PowerAction)]
    offs = [i for i, e in enumerate(power) if e.action == "off"]
    acts = list(dict.fromkeys([TOUCHING_STEPS[s] for s in steps if s in TOUCHING_STEPS]
                              + (["a power cycle"] if offs else [])))
    if not acts:
        return PhoneDone(phone="", outcome="skipped", reason=NOT_FINISHED)
    reason = f"interrupted after {' and '.join(acts)}"
    if offs:
        restored = any(e.action == "on" and e.phase == "done" for e in power[offs[-1]:])
        reason += "; port restored" if restored else "; its port may still be off"
    return PhoneDone(phone="", outcome="error", reason=reason)


def fix_of(outcome: str, events: list[PhoneEvent]) -> str | None:
    """How a passed phone's trust was restored, from its steps: `restart` (a restart before the
    keys was enough: rig.procedures.restart_first), `erase:<backend>` (its ITL erased by keys on
    that backend), `none` (it needed nothing: no erase, or a restart that found no symptom).
    None for a phone that did not pass: its trust was not restored."""
    if outcome != "passed":
        return None
    for event in reversed([e for e in events if isinstance(e, StepDone) and e.ok]):
        if event.name == "restart_first" and "fix" in event.data:
            return str(event.data["fix"])
        if event.name.split(" ")[0] == "erase" and "erase_confirmed_by" in event.data:
            return f"erase:{event.data['backend']}"
        if event.name == "factory_reset" and "backend" in event.data:
            return f"factory_reset:{event.data['backend']}"
    return "none"


def fix_counts(phones: list[dict[str, Any]]) -> dict[str, int]:
    """Phones per fix, most frequent first; `not fixed` counts the phones that did not pass."""
    counts = Counter(p["fix"] or "not fixed" for p in phones)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _phone_result(info: ListedPhone, events: list[PhoneEvent]) -> dict[str, Any]:
    done = next((e for e in reversed(events) if isinstance(e, PhoneDone)), None) or unfinished(events)
    return {
        "name": info.name,
        "mac": info.mac,
        "switch": info.switch,
        "port": info.port,
        "outcome": done.outcome,
        "reason": done.reason,
        "fix": fix_of(done.outcome, events),
        "steps": [
            {"name": e.name, "started": e.started, "ended": e.ended, "ok": e.ok, "detail": e.detail}
            for e in events if isinstance(e, StepDone)
        ],
        "tftp_fetches": [
            {"file": e.file, "at": e.at, "bytes": e.bytes, "ok": e.ok, **({"expected": e.expected} if e.expected else {}),
             **{k: v for k, v in (("sha256", e.sha256), ("upstream_sha256", e.upstream_sha256), ("source", e.source))
                if v is not None}}
            for e in events if isinstance(e, TftpFetch)
        ],
        "load_before": done.load_before,
        "load_after": done.load_after,
        "itl_signer": done.itl_signer,
        "symptoms": list(done.symptoms),
        # A phone of a merged multi-bench run also says which bench it is on.
        **({"bench": info.bench} if info.bench is not None else {}),
    }


def build_results(events: list[Event]) -> dict[str, Any]:
    starts = [e for e in events if isinstance(e, (RunStarted, RunResumed))]
    if not starts:
        raise RigError("the journal has no run_started event")
    first = starts[0]
    ends = [e for e in events if isinstance(e, (RunFinished, RunInterrupted))]
    attempts = last_attempts(events)
    phones = [_phone_result(info, attempts.get(info.name, [])) for info in first.phones]
    summary = {outcome: sum(p["outcome"] == outcome for p in phones) for outcome in OUTCOMES}
    unhealthy: dict[str, str] = {}
    for e in events:
        if isinstance(e, PartUnhealthy):
            unhealthy.setdefault(e.part, e.reason)
    return {
        # First: a port this run turned off and the journal never saw on again (issue 29).
        "ports_left_off": [{"phone": c.name, "switch": c.switch, "port": c.port} for c in ports_left_off(events, None)],
        "run_id": first.run_id,
        "started": first.at,
        "finished": ends[-1].at if ends and ends[-1].at >= starts[-1].at else None,
        "procedure": first.procedure,
        "bench": first.bench,
        "summary": summary,
        "fixes": fix_counts(phones),
        "phones": phones,
        "unhealthy": [{"slot": s, "reason": r} for s, r in unhealthy.items()],
        "interrupted": bool(ends) and isinstance(ends[-1], RunInterrupted),
    }


def summary_line(results: dict[str, Any]) -> str:
    """`passed 7, failed 1, error 0, skipped 0`: the counts every front end prints last."""
    return ", ".join(f"{k} {v}" for k, v in results["summary"].items())


def fix_line(results: dict[str, Any]) -> str:
    """`fix: erase:serial_actuator 3, restart 2, not fixed 1`: how many desks are left to visit.
    Empty when no phone was fixed by anything (`rig verify`; results from before `fix` existed)."""
    fixes = results.get("fixes") or {}
    if not set(fixes) - {"none", "not fixed"}:
        return ""
    return "fix: " + ", ".join(f"{k} {v}" for k, v in fixes.items())


def closing_lines(results: dict[str, Any], run_dir: Path) -> list[str]:
    """What every front end prints last: the counts, the counts per fix (when something was fixed)
    and where the report is."""
    return [line for line in (summary_line(results), fix_line(results), f"report: {run_dir / 'report.html'}") if line]
