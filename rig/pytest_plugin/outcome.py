"""A phone's outcome of one job as a test sees it: results.json's record with readable explanations."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rig.report.junit import evidence_properties


@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    detail: str
    started: str
    ended: str


@dataclass(frozen=True)
class Fetch:
    file: str
    at: str
    bytes: int
    ok: bool


@dataclass(frozen=True, repr=False)
class PhoneOutcome:
    """One phone's result of one job, as results.json records it, with readable explanations."""

    phone: str
    procedure: str
    outcome: str  # passed | failed | error | skipped
    reason: str | None
    steps: tuple[StepResult, ...]
    fetches: tuple[Fetch, ...]
    load_before: str | None
    load_after: str | None
    itl_signer: str | None
    symptoms: tuple[str, ...]
    run_dir: Path
    evidence: tuple[tuple[str, str], ...] = ()
    """The phone's evidence as rig's junit.xml names it (rig.report.junit.evidence_properties)."""

    @classmethod
    def from_result(cls, phone: dict[str, Any], procedure: str, run_dir: Path) -> "PhoneOutcome":
        return cls(
            phone=phone["name"],
            procedure=procedure,
            outcome=phone["outcome"],
            reason=phone["reason"],
            steps=tuple(StepResult(s["name"], bool(s["ok"]), s["detail"] or "", s["started"], s["ended"])
                        for s in phone["steps"]),
            fetches=tuple(Fetch(f["file"], f["at"], int(f["bytes"] or 0), bool(f["ok"])) for f in phone["tftp_fetches"]),
            load_before=phone["load_before"],
            load_after=phone["load_after"],
            itl_signer=phone["itl_signer"],
            symptoms=tuple(phone["symptoms"]),
            run_dir=run_dir,
            evidence=tuple(evidence_properties(phone)),
        )

    def __repr__(self) -> str:  # what pytest prints for a fixture value in a failure
        return f"<PhoneOutcome {self.phone} {self.procedure} {self.outcome}>"

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    @property
    def failed_step(self) -> StepResult | None:
        """The first step that failed (what ended the phone, or the first failed check)."""
        return next((s for s in self.steps if not s.ok), None)

    def step(self, name: str) -> StepResult | None:
        return next((s for s in reversed(self.steps) if s.name == name), None)

    def fetched(self, pattern: str) -> list[Fetch]:
        """Complete transfers whose file name matches the glob `pattern` (e.g. `*.sbn`)."""
        return [f for f in self.fetches if f.ok and fnmatch.fnmatchcase(f.file, pattern)]

    def describe(self) -> str:
        """Several lines a person can act on: the verdict, every step, what was fetched, where the report is."""
        failed = self.failed_step
        head = f"{self.phone}: {self.procedure} {self.outcome}"
        if failed is not None:
            head += f" at step {failed.name}"
        if self.reason:
            head += f": {self.reason}"
        lines = [head, "steps:"]
        lines += [f"  {'ok    ' if s.ok else 'FAILED'} {s.name}: {s.detail}" for s in self.steps] or ["  (none)"]
        lines.append("fetched: " + (", ".join(f.file for f in self.fetches if f.ok) or "nothing"))
        lines.append(f"load: {self.load_before} -> {self.load_after}; ITL signer: {self.itl_signer}")
        if self.symptoms:
            lines.append("symptoms before: " + "; ".join(self.symptoms))
        lines.append(f"report: {self.run_dir / 'report.html'}")
        return "\n".join(lines)

    def properties(self) -> list[tuple[str, str]]:
        """JUnit XML properties of the test: the verdict, then the evidence as rig's junit.xml names it."""
        failed = self.failed_step
        props = [("rig.procedure", self.procedure), ("rig.outcome", self.outcome),
                 ("rig.reason", self.reason or ""), ("rig.failed_step", failed.name if failed else "")]
        return props + list(self.evidence) + [("rig.report", str(self.run_dir / "report.html"))]
