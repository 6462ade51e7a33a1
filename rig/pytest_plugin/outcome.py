"""A phone's result of one job as a test sees it: the journal reader's PhoneResult, plus the job
and the run directory its explanations name."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from rig.report.junit import evidence_properties
from rig.report.model import PhoneResult


@dataclass(frozen=True, kw_only=True, repr=False)
class PhoneOutcome(PhoneResult):
    """rig.report.model.PhoneResult (the same type results.json, `--json` and junit.xml are made
    from), with the procedure and run directory a test's failure message names."""

    procedure: str
    run_dir: Path

    @classmethod
    def of(cls, result: PhoneResult, procedure: str, run_dir: Path) -> "PhoneOutcome":
        return cls(**{f.name: getattr(result, f.name) for f in dataclasses.fields(PhoneResult)},
                   procedure=procedure, run_dir=run_dir)

    def __repr__(self) -> str:  # what pytest prints for a fixture value in a failure
        return f"<PhoneOutcome {self.name} {self.procedure} {self.outcome}>"

    def describe(self) -> str:
        """Several lines a person can act on: the verdict, every step, what was fetched, where the report is."""
        failed = self.failed_step
        head = f"{self.name}: {self.procedure} {self.outcome}"
        if failed is not None:
            head += f" at step {failed.label}"
        if self.reason:
            head += f": {self.reason}"
        lines = [head, "steps:"]
        lines += [f"  {'ok    ' if s.ok else 'FAILED'} {s.label}: {s.detail}" for s in self.steps] or ["  (none)"]
        lines.append("fetched: " + (", ".join(f.file for f in self.tftp_fetches if f.ok) or "nothing"))
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
        return props + evidence_properties(self) + [("rig.report", str(self.run_dir / "report.html"))]
