"""What a preflight found: one Check per thing looked at, grouped per phone and for the bench.

A failed check's detail says what was seen and then what to fix (`...; fix: ...`), so the first
problem of a phone is enough for a technician to act on. The `--json` document and the exit
code are defined here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EXIT_READY = 0
EXIT_NOT_READY = 1


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def passed(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def failed(name: str, saw: str, fix: str) -> Check:
    """A problem: what was seen, then what to fix."""
    return Check(name, False, f"{saw}; fix: {fix}")


def unchecked(name: str, why: str) -> Check:
    """A check another problem keeps from running: not a problem of its own (that one is reported)."""
    return Check(name, True, f"not checked: {why}")


def problems(checks: list[Check]) -> list[str]:
    return [f"{c.name}: {c.detail}" for c in checks if not c.ok]


@dataclass(frozen=True)
class Checked:
    """Checks of one thing: ready when every one passed."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[str]:
        return problems(self.checks)


@dataclass(frozen=True)
class BenchReport(Checked):
    """The bench's own checks: credentials, switches, CUCM TFTP and trust anchor, meters, boards."""


@dataclass(frozen=True)
class PhoneReport(Checked):
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ready": self.ready, "problems": self.problems,
                "checks": [c.to_json() for c in self.checks]}


@dataclass(frozen=True)
class PreflightReport:
    bench: BenchReport
    phones: list[PhoneReport]
    migration: list[Check] = field(default_factory=list)
    """A migration's checks (rig.preflight.migration), shown whatever they say (also among the
    bench's, so a failed one makes the bench not ready)."""

    @property
    def ready(self) -> bool:
        return self.bench.ready and all(p.ready for p in self.phones)

    @property
    def exit_code(self) -> int:
        return EXIT_READY if self.ready else EXIT_NOT_READY

    def document(self) -> dict[str, Any]:
        """The `rig preflight --json` document."""
        document = {"ready": self.ready, "bench": {"ready": self.bench.ready, "problems": self.bench.problems},
                    "phones": [p.to_json() for p in self.phones]}
        if self.migration:
            document["migration"] = [c.to_json() for c in self.migration]
        return document
