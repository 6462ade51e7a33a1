"""The per-phone procedures: identify, baseline, erase, restart, observe, verify.

Each module has one `run(job)` that records its named steps (with evidence) through the job's
StepRecorder and raises to end the phone early: PhoneSkipped, PhoneFailed, or a bench error.
`PROCEDURES` lists the step families each job runs, in order.
"""

from __future__ import annotations

from collections.abc import Callable

from rig.procedures import baseline, erase, identify, observe, restart, verify
from rig.procedures.job import PhoneJob

PROCEDURES: dict[str, tuple[Callable[[PhoneJob], None], ...]] = {
    "erase": (identify.run, baseline.run, erase.run, restart.run, observe.run, verify.run),
    "verify": (identify.run, baseline.run, restart.run, observe.run, verify.run),
}

KEY_SCRIPT_FOR: dict[str, str | None] = {"erase": "itl_erase", "verify": None}
"""The keypad script procedure each job needs (checked before any phone is touched)."""
