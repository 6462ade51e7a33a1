"""`rig facts`: each fact no public source confirms, judged on a run's or a bundle's evidence:
per phone a verdict and its line (rig.diagnostics.judges), per fact how many phones confirm or
contradict it. Contradicted beats confirmed: one phone showing the opposite is what a
maintainer must look at.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rig.diagnostics.catalog import FACTS, Fact
from rig.diagnostics.evidence import Evidence
from rig.diagnostics.judges import JUDGES, NOT_SEEN, PROFILE_PATHS, Status
from rig.phone.profiles import PhoneProfile, load_profiles

ORDER: tuple[Status, ...] = ("contradicted", "confirmed", "not seen")


@dataclass
class FactReport:
    fact: Fact
    counts: Counter[str] = field(default_factory=Counter)
    lines: list[tuple[str, Status, str]] = field(default_factory=list)
    """(phone, verdict, line) for every phone whose evidence said something."""

    @property
    def status(self) -> Status:
        return next(s for s in ORDER if self.counts[s] or s == "not seen")

    def document(self) -> dict[str, Any]:
        return {"id": self.fact.id, "claim": self.fact.claim, "where": self.fact.where, "status": self.status,
                "phones": {s: self.counts[s] for s in ORDER},
                "evidence": [{"phone": p, "status": s, "line": line} for p, s, line in self.lines]}


def judge(evidence: Evidence) -> list[FactReport]:
    """Every catalogued fact, and every profile fact marked `confirmed: false` of the phones'
    profiles, with what each phone's evidence shows."""
    profiles = load_profiles()
    reports = [FactReport(fact) for fact in FACTS]
    for report in reports:
        for phone in sorted(evidence.phones.values(), key=lambda p: p.name):
            profile = profiles.get(phone.profile or "")
            verdict = JUDGES[report.fact.id](phone, profile) if profile is not None else NOT_SEEN
            report.counts[verdict.status] += 1
            if verdict.line:
                report.lines.append((phone.name, verdict.status, verdict.line))
    return reports + _profile_facts(evidence, profiles, {r.fact.id: r for r in reports})


def _profile_facts(evidence: Evidence, profiles: dict[str, PhoneProfile],
                   judged: dict[str, FactReport]) -> list[FactReport]:
    """A profile's own `confirmed: false` facts, with the verdict of the fact whose judge reads
    them (its phones only), or not seen when no judge does."""
    out = []
    for name in sorted({p.profile for p in evidence.phones.values() if p.profile in profiles}):
        assert name is not None
        for path in profiles[name].unconfirmed:
            fact = Fact(f"{name}:{path}", f"{path} as {name} writes it ({profiles[name].sources[path][:80]}...)",
                        f"phone_profiles/{name}.yaml {path} (confirmed: false)")
            report = FactReport(fact)
            phones = {p.name for p in evidence.phones.values() if p.profile == name}
            source = judged.get(PROFILE_PATHS.get(path.split("[")[0], ""))
            for phone, status, line in source.lines if source else []:
                if phone in phones:
                    report.lines.append((phone, status, line))
                    report.counts[status] += 1
            report.counts["not seen"] += len(phones) - sum(report.counts.values())
            out.append(report)
    return out


EVIDENCE_SHOWN = 3
"""Evidence lines printed per fact (the --json document has them all)."""


def render(reports: list[FactReport], source: str) -> list[str]:
    """The text form: per fact its status, counts and claim, then a few lines, contradictions first."""
    out = [f"facts judged on {source}:"]
    for report in reports:
        counts = ", ".join(f"{report.counts[s]} {s}" for s in ORDER if report.counts[s])
        out.append(f"{report.status.upper():13} {report.fact.id} ({counts or 'no phones'}): {report.fact.claim}")
        shown = sorted(report.lines, key=lambda entry: ORDER.index(entry[1]))[:EVIDENCE_SHOWN]
        out += [f"    {phone} {status}: {line}" for phone, status, line in shown]
        if len(report.lines) > len(shown):
            out.append(f"    ... and {len(report.lines) - len(shown)} more (--json)")
    return out
