"""What each step learns, as typed values: the only way one step hands facts to another.

A step returns one finding; `run_phone` keeps it in the phone's `Found` store and later steps
read the findings their declaration names (`needs`: must be there; `uses`: read when there).
`Found.phone_done` is what the runner journals of them when the phone ends.

A step that fails the phone raises PhoneFailed (rig.procedures.steps), the one way a step ends a
phone; one that learned something first (observe, verify) hands its finding to PhoneFailed, and
run_phone stores it before the phone ends, for the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rig.record.events import Outcome, PhoneDone

if TYPE_CHECKING:
    from rig.drivers.console import Console
    from rig.drivers.tftp_tap import TftpTransfer
    from rig.phone.witness import EraseProof, LoadDecision


@dataclass(frozen=True, kw_only=True)
class Finding:
    """What one step learned (each kind below is one step's)."""


@dataclass(frozen=True, kw_only=True)
class Identified(Finding):
    """The switch showed the configured phone on its port."""

    evidence: str
    cdp_platform: str | None = None
    cdp_version: str | None = None
    """CDP `Version :` of the phone's neighbour entry (the load it announces), when seen."""
    lldp_software: str | None = None
    """LLDP-MED `S/W revision` of the phone's entry, read where CDP gives none."""


@dataclass(frozen=True, kw_only=True)
class ConsoleOpened(Finding):
    """The phone's console, captured to `log_path` from now on (None: no console configured)."""

    console: "Console | None"
    log_path: Path


@dataclass(frozen=True, kw_only=True)
class Baseline(Finding):
    """The phone before the job."""

    load: str | None
    web_access: bool
    """False when the phone refuses its web pages (Web Access disabled)."""
    symptoms: tuple[str, ...] = ()
    status_messages: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    """The sources the phone gave evidence through: web, CDP, console, draw."""


@dataclass(frozen=True, kw_only=True)
class Erased(Finding):
    """The keypad script ran and the phone showed it erased its trust lists."""

    started_at: datetime
    """Fetches from here on count (the phone restarts on its own after an erase)."""
    console_mark: int | None
    backend: str
    proof: "EraseProof"


@dataclass(frozen=True, kw_only=True)
class Restarted(Finding):
    power_on_at: datetime
    console_mark: int | None


@dataclass(frozen=True, kw_only=True)
class Routed(Finding):
    """The tap relays the phone's reads to `system` (rig migrate: the system it leaves)."""

    system: str


@dataclass(frozen=True, kw_only=True)
class RolledBack(Finding):
    """What the rollback phase of a migration found: whether the system the phone leaves serves a
    rollback ITL (`served`) and whether the phone took it (`took`: it accepts any next ITL)."""

    served: bool
    took: bool


@dataclass(frozen=True, kw_only=True)
class Moved(Finding):
    """The tap relays the phone's reads to the system it moves to."""

    system: str


@dataclass(frozen=True, kw_only=True)
class EraseNotNeeded(Finding):
    """A migration's erase step found nothing to erase (the phone took the rollback ITL)."""

    why: str


@dataclass(frozen=True, kw_only=True)
class Observed(Finding):
    """What the tap saw the phone fetch after the erase (or the power-on), and its load then."""

    fetches: tuple["TftpTransfer", ...]
    watched: bool
    """False without a TFTP tap or a phone IP: fetches were not observed."""
    load: "LoadDecision | None"
    images: str | None = None
    """Where the images came from (rig.phone.firmware_paths.ImageSource); None when not watched."""


@dataclass(frozen=True, kw_only=True)
class Verified(Finding):
    itl_signer: str | None
    load: "LoadDecision | None"


F = TypeVar("F", bound=Finding)


@dataclass
class Found:
    """One phone's findings by type, as steps return them."""

    _by_type: dict[type, Finding] = field(default_factory=dict)

    def put(self, finding: Finding) -> None:
        self._by_type[type(finding)] = finding

    def get(self, kind: type[F]) -> F | None:
        found = self._by_type.get(kind)
        return found if isinstance(found, kind) else None

    def phone_done(self, phone: str, outcome: Outcome, reason: str | None) -> PhoneDone:
        """The phone's `phone_done` event: its outcome and what its steps learned, whatever ended it."""
        baseline, observed, verified = self.get(Baseline), self.get(Observed), self.get(Verified)
        after = verified.load if verified is not None else observed.load if observed is not None else None
        return PhoneDone(
            phone=phone, outcome=outcome, reason=reason,
            load_before=baseline.load if baseline else None,
            load_after=after.load if after is not None else None,
            itl_signer=verified.itl_signer if verified else None,
            symptoms=list(baseline.symptoms) if baseline else [],
        )


class StepView:
    """The findings one step declared: reading any other is a declaration bug, raised at once."""

    def __init__(self, found: Found, step: str, needs: tuple[type, ...], uses: tuple[type, ...]) -> None:
        self._found, self._step, self._needs, self._uses = found, step, needs, uses

    def need(self, kind: type[F]) -> F:
        if kind not in self._needs:
            raise TypeError(f"step {self._step} reads {kind.__name__} without declaring it in needs")
        value = self._found.get(kind)
        if value is None:
            raise TypeError(f"step {self._step} needs {kind.__name__}, which no earlier step gave")
        return value

    def use(self, kind: type[F]) -> F | None:
        if kind not in self._uses and kind not in self._needs:
            raise TypeError(f"step {self._step} reads {kind.__name__} without declaring it")
        return self._found.get(kind)

