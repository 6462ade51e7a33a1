"""A person at the bench, as a bench part: the one way anything in rig asks a human to act.

labgrid models a technician who switches power by hand as a power driver (`ManualPowerDriver`);
rig does the same for every exchange with a person: an operator keypad presses keys through it,
a field-mode restart asks for the phone to be unplugged through it. Whoever runs rig provides the
Operator: the terminal (rig.cli), the pytest plugin (nobody, unless output capture is off), a
test (scripted answers). Nothing else reads stdin or writes a prompt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rig.drivers.errors import DeviceError


@dataclass(frozen=True)
class Ask:
    """One thing to do by hand: `action` on `phone`, step `step` of `of` of the same request."""

    phone: str
    """Who the person looks for: `desk-03 (SEP001D705F0002)`."""
    action: str
    """What to do, as a person reads it: `press Settings`, `unplug it now`."""
    step: int = 1
    of: int = 1


class OperatorError(DeviceError):
    """Nobody can answer (no terminal, input closed): the bench could not do its part."""

    part = "operator"


class OperatorSkipped(Exception):
    """The person chose to skip this phone: it ends untouched from here on, outcome skipped."""


class OperatorStopped(Exception):
    """The run was stopped (Ctrl-C) while a person was being asked: the phone is abandoned."""


class Operator(Protocol):
    def ask(self, request: Ask) -> None:
        """Return once the person says it is done; raise OperatorSkipped, OperatorStopped or
        OperatorError otherwise. Safe to call from several phone threads: asks are one at a time."""


class NoOperator:
    """Nobody at the bench (a test run, a Dask worker, output piped): every ask is refused."""

    def __init__(self, why: str = "needs a technician at an interactive terminal") -> None:
        self.why = why

    def ask(self, request: Ask) -> None:
        raise OperatorError(f"phone {request.phone}: {request.action}: {self.why}")
