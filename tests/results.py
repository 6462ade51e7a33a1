"""Typed run results for tests of what the front ends make of them (the terminal summary, fix
counts, reason panels), without a journal: everything not given is empty."""

from __future__ import annotations

from typing import Any

from rig.record.events import OUTCOMES
from rig.report.model import PhoneResult, RunResults
from rig.report.results import fix_counts


def phone_result(name: str, outcome: Any = "passed", reason: str | None = None, **fields: Any) -> PhoneResult:
    blank: dict[str, Any] = {"mac": "001D705F0001", "switch": "sw1", "port": "Gi1/0/1", "fix": None, "steps": (),
                             "tftp_fetches": (), "load_before": None, "load_after": None, "itl_signer": None,
                             "symptoms": ()}
    return PhoneResult(name=name, outcome=outcome, reason=reason, **{**blank, **fields})


def run_results(phones: list[PhoneResult], **fields: Any) -> RunResults:
    blank: dict[str, Any] = {"run_id": "20261207-200000-erase", "started": "2026-12-07T20:00:00.000Z",
                             "finished": None, "procedure": "erase", "bench": "bench-a", "interrupted": False,
                             "summary": {o: sum(p.outcome == o for p in phones) for o in OUTCOMES},
                             "fixes": fix_counts([p.fix for p in phones])}
    return RunResults(phones=tuple(phones), **{**blank, **fields})
