"""The steps a journal records, declared once: the procedures record them by these declarations
and the reports read them by the same ones, never by taking a name apart.

A `step` event's identity is its `name` plus its `attempt` (an erase tried again after a power
cycle is `erase`, attempt 2). The procedures' StepDefs take their names from here
(rig.procedures); what a report needs to know about a step is declared beside its name: the
family it is drawn in (every `verify_*` check is a verify) and what it changes on the phone (a
phone a run left unfinished after one of those is not "untouched").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepName:
    """One kind of step the journal records."""

    name: str
    family: str = ""
    """The step of the procedure it belongs to, as the reports group it; its own name when empty."""
    changes: str | None = None
    """What it does to the phone (`a power cycle`), for the reason of a run left unfinished;
    None for a step that only reads."""

    def __post_init__(self) -> None:
        if not self.family:
            object.__setattr__(self, "family", self.name)


POWER_CYCLE = "a power cycle"
VERIFY = "verify"
"""The family of the verify step's checks (each journaled as its own step)."""

IDENTIFY = StepName("identify")
CONSOLE = StepName("console")
BASELINE = StepName("baseline")
ERASE = StepName("erase", changes="erase")
RESTART_FIRST = StepName("restart_first", changes=POWER_CYCLE)
RECOVER = StepName("recover", changes=POWER_CYCLE)
FACTORY_RESET = StepName("factory_reset", changes="a factory reset")
RESTART = StepName("restart", changes=POWER_CYCLE)
OBSERVE = StepName("observe")
VERIFY_ITL = StepName("verify_itl", VERIFY)
VERIFY_CONFIG = StepName("verify_config", VERIFY)
VERIFY_LOAD = StepName("verify_load", VERIFY)
VERIFY_REGISTRATION = StepName("verify_registration", VERIFY)
VERIFY_TRUST_LIST = StepName("verify_trust_list", VERIFY)
# rig migrate's phases (rig.procedures.migrate): a route only tells the tap where to relay the
# phone's next reads (restored on --resume), it does nothing to the phone itself
ROUTE = StepName("route")
ROLLBACK = StepName("rollback", changes=POWER_CYCLE)
MOVE = StepName("move")

STEP_NAMES: dict[str, StepName] = {
    s.name: s for s in (IDENTIFY, CONSOLE, BASELINE, ERASE, RESTART_FIRST, RECOVER, FACTORY_RESET, RESTART,
                        OBSERVE, VERIFY_ITL, VERIFY_CONFIG, VERIFY_LOAD, VERIFY_REGISTRATION, VERIFY_TRUST_LIST,
                        ROUTE, ROLLBACK, MOVE)
}


def step_name(name: str) -> StepName:
    """The declaration of a journaled step's name; a name this rig does not declare (a newer rig's
    step) is its own family and changes nothing it knows of."""
    return STEP_NAMES.get(name) or StepName(name)


def step_label(name: str, attempt: int) -> str:
    """How a person reads a journaled step: `erase`, then `erase (attempt 2)` for its next try
    (display only: nothing reads a step's identity back out of this text)."""
    return name if attempt == 1 else f"{name} (attempt {attempt})"
