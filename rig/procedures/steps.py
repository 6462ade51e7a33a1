"""Named steps with evidence, and the exceptions that end a phone's run with an outcome.

Every step a procedure takes goes through `StepRecorder.step(name, attempt)`, `name` one of
rig.record.steps' declarations: the step is journaled the moment it ends, ok or not, with a
one-line detail and a data dict (the evidence). The outcome of the phone is decided by what ends
it, the one way a step ends a phone: PhoneSkipped (not touched), PhoneFailed (the phone did not
do what it must; it may carry the step's finding, kept for the report), BenchFault or a driver
error (the bench could not do its part).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from typing import TYPE_CHECKING

from rig.record.events import StepDone
from rig.record.journal import Journal, iso, utc_now
from rig.record.steps import StepName

if TYPE_CHECKING:
    from rig.procedures.findings import Finding


class PhoneSkipped(Exception):
    """The phone is not touched (e.g. its MAC is not on its port)."""


class PhoneFailed(Exception):
    """The phone did not do what it must; the message is the reason, with evidence. `finding` is
    what the failing step still learned (observe's fetches, verify's signer): run_phone keeps it
    for the report before the phone ends."""

    def __init__(self, reason: str, finding: "Finding | None" = None) -> None:
        super().__init__(reason)
        self.finding = finding


class BenchFault(Exception):
    """The bench could not do its part. `part` names the shared bench part to blame, if any."""

    def __init__(self, message: str, part: str | None = None) -> None:
        super().__init__(message)
        self.part = part


class Interrupted(Exception):
    """The run was interrupted (Ctrl-C): the phone is abandoned, to be redone on resume."""


@dataclass
class Step:
    """A step in progress; the procedure fills in detail and data as it learns them."""

    name: StepName
    started: datetime
    attempt: int = 1
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    ok: bool = True

    def fail(self, detail: str) -> None:
        """Mark the step failed without ending the phone (e.g. an erase attempt to be retried)."""
        self.ok = False
        self.detail = detail


class StepRecorder:
    """Journals one phone's steps; `on_start` lets a live view show the step in progress."""

    def __init__(
        self, journal: Journal, phone: str, on_start: Callable[[str, str], None] | None = None
    ) -> None:
        self.journal = journal
        self.phone = phone
        self._on_start = on_start

    @contextlib.contextmanager
    def step(self, name: StepName, attempt: int = 1) -> Iterator[Step]:
        step = Step(name, utc_now(), attempt)
        if self._on_start is not None:
            self._on_start(self.phone, name.name)
        try:
            yield step
        except BaseException as error:
            step.ok = False
            message = str(error) or type(error).__name__
            if step.detail and step.detail not in message:
                message = f"{step.detail}; {message}"
            step.detail = message
            raise
        finally:
            self.journal.write(StepDone(phone=self.phone, name=step.name.name, started=iso(step.started),
                                        ended=iso(utc_now()), ok=step.ok, detail=step.detail, data=step.data,
                                        attempt=step.attempt))
