"""results.json from the journal, exactly in the shape DESIGN.md section 3 promises.

A phone may appear in the journal more than once (a resumed run redoes what did not pass):
its result is its last attempt, the events after its last `phone_started`. A phone the run never
finished (interrupted) is `skipped` with a reason that says so.
"""

from __future__ import annotations

from typing import Any

from rig.journal import Event

OUTCOMES = ("passed", "failed", "error", "skipped")
NOT_FINISHED = "not finished: the run was interrupted before this phone was done"


def last_attempts(events: list[Event]) -> dict[str, list[Event]]:
    """Each phone's events of its last attempt (from its last `phone_started` on), in one pass:
    filtering the whole journal once per phone took seconds on a bench of 240 phones."""
    attempts: dict[str, list[Event]] = {}
    for event in events:
        phone = event.get("phone")
        if phone is None:
            continue
        if event["event"] == "phone_started":
            attempts[phone] = []
        attempts.setdefault(phone, []).append(event)
    return attempts


def _phone_result(info: dict[str, Any], events: list[Event]) -> dict[str, Any]:
    done = next((e for e in reversed(events) if e["event"] == "phone_done"), None)
    done = done or {"outcome": "skipped", "reason": NOT_FINISHED}
    return {
        "name": info["name"],
        "mac": info["mac"],
        "switch": info["switch"],
        "port": info["port"],
        "outcome": done["outcome"],
        "reason": done.get("reason"),
        "steps": [
            {k: e.get(k) for k in ("name", "started", "ended", "ok", "detail")}
            for e in events
            if e["event"] == "step"
        ],
        "tftp_fetches": [
            {k: e.get(k) for k in ("file", "at", "bytes", "ok")} for e in events if e["event"] == "tftp"
        ],
        "load_before": done.get("load_before"),
        "load_after": done.get("load_after"),
        "itl_signer": done.get("itl_signer"),
        "symptoms": done.get("symptoms") or [],
        # A phone of a merged multi-bench run also says which bench it is on.
        **({"bench": info["bench"]} if "bench" in info else {}),
    }


def build_results(events: list[Event]) -> dict[str, Any]:
    starts = [e for e in events if e["event"] in ("run_started", "run_resumed")]
    if not starts:
        raise ValueError("the journal has no run_started event")
    first = starts[0]
    ends = [e for e in events if e["event"] in ("run_finished", "run_interrupted")]
    attempts = last_attempts(events)
    phones = [_phone_result(info, attempts.get(info["name"], [])) for info in first["phones"]]
    summary = {outcome: sum(p["outcome"] == outcome for p in phones) for outcome in OUTCOMES}
    unhealthy: dict[str, str] = {}
    for e in events:
        if e["event"] == "slot_unhealthy":
            unhealthy.setdefault(e["slot"], e["reason"])
    return {
        "run_id": first["run_id"],
        "started": first["at"],
        "finished": ends[-1]["at"] if ends and ends[-1]["at"] >= starts[-1]["at"] else None,
        "procedure": first["procedure"],
        "bench": first["bench"],
        "summary": summary,
        "phones": phones,
        "unhealthy": [{"slot": s, "reason": r} for s, r in unhealthy.items()],
        "interrupted": bool(ends) and ends[-1]["event"] == "run_interrupted",
    }
