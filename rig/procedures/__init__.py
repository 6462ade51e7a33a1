"""The per-phone procedures, each a declared sequence of steps (see sequence.py).

Each step module has one `run(ctx, view)` that records its named steps (with evidence) through
the context's StepRecorder and returns a typed finding (findings.py); `run_phone` runs a
procedure's steps on one phone and raises what ends it early: PhoneSkipped, PhoneFailed, a
BenchFault or a driver error, Interrupted.
"""

from __future__ import annotations

from rig.procedures import baseline, console, erase, factory_reset, identify, migrate, observe, restart_first, \
    rollback, verify
from rig.procedures.context import PhoneContext
from rig.procedures.findings import (
    Baseline,
    ConsoleOpened,
    Erased,
    Identified,
    Moved,
    Observed,
    PhoneFindings,
    Restarted,
    RolledBack,
    Routed,
    Verified,
)
from rig.procedures.sequence import Procedure, StepDef, run_phone

IDENTIFY = StepDef("identify", identify.run, gives=Identified)
CONSOLE = StepDef("console", console.run, gives=ConsoleOpened, needs=(Identified,))
BASELINE = StepDef("baseline", baseline.run, gives=Baseline, needs=(Identified, ConsoleOpened))
# erase gives a Restarted instead when a restart before the keys fixed the phone (restart_first)
ERASE = StepDef("erase", erase.run, gives=Erased, needs=(Identified, ConsoleOpened, Baseline))
FACTORY_RESET = StepDef("factory_reset", factory_reset.run, gives=Restarted,
                        needs=(Identified, ConsoleOpened, Baseline))
RESTART = StepDef("restart", restart_first.restart_once, gives=Restarted, needs=(Identified, ConsoleOpened),
                  uses=(Erased, Restarted))
OBSERVE = StepDef("observe", observe.run, gives=Observed, needs=(Restarted, Baseline), uses=(Erased,))
VERIFY = StepDef("verify", verify.run, gives=Verified,
                 needs=(Observed, Baseline, ConsoleOpened, Restarted), uses=(Erased,))

# rig migrate (rig.procedures.migrate): the phases around the erase, observe and verify on B by B's kind
ROUTE = StepDef("route", migrate.route_to_source, gives=Routed, needs=(Identified,))
ROLLBACK = StepDef("rollback", rollback.run, gives=RolledBack, needs=(Identified, ConsoleOpened, Baseline, Routed))
MOVE = StepDef("move", migrate.move, gives=Moved, needs=(Identified,), uses=(RolledBack,))
MIGRATE_ERASE = StepDef("erase", migrate.erase_unless_rolled_back, gives=Erased,
                        needs=(Identified, ConsoleOpened, Baseline), uses=(RolledBack, Restarted))
OBSERVE_ON_B = StepDef("observe", migrate.observe_on_target, gives=Observed, needs=(Restarted, Baseline), uses=(Erased,))
VERIFY_ON_B = StepDef("verify", migrate.verify_on_target, gives=Verified,
                      needs=(Observed, Baseline, ConsoleOpened, Restarted), uses=(Erased,))

PROCEDURES: dict[str, Procedure] = {
    p.name: p
    for p in (
        Procedure("erase", (IDENTIFY, CONSOLE, BASELINE, ERASE, RESTART, OBSERVE, VERIFY), key_script="itl_erase"),
        Procedure("verify", (IDENTIFY, CONSOLE, BASELINE, RESTART, OBSERVE, VERIFY)),
        Procedure("factory_reset", (IDENTIFY, CONSOLE, BASELINE, FACTORY_RESET, OBSERVE, VERIFY),
                  key_script="factory_reset"),
        Procedure("migrate", (IDENTIFY, CONSOLE, ROUTE, BASELINE, ROLLBACK, MOVE, MIGRATE_ERASE, RESTART, OBSERVE_ON_B,
                              VERIFY_ON_B), key_script="itl_erase"),
    )
}

KEY_SCRIPT_FOR: dict[str, str | None] = {name: p.key_script for name, p in PROCEDURES.items()}
"""The keypad script procedure each job needs (checked before any phone is touched)."""

__all__ = ["PROCEDURES", "KEY_SCRIPT_FOR", "PhoneContext", "PhoneFindings", "Procedure", "StepDef", "run_phone"]
