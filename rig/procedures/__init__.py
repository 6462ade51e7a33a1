"""The per-phone procedures, each a declared sequence of steps (see sequence.py).

Each step module has one `run(ctx, view)` that records its named steps (with evidence) through
the context's StepRecorder and returns a typed finding (findings.py); `run_phone` runs a
procedure's steps on one phone and raises what ends it early: PhoneSkipped, PhoneFailed, a
BenchFault or a driver error, Interrupted. Step names are rig.record.steps' declarations, which
the StepDefs below take theirs from too: a procedure and a report name a step the same way.
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
    Restarted,
    RolledBack,
    Routed,
    Verified,
)
from rig.procedures.sequence import Procedure, StepDef, run_phone
from rig.record import steps as named

IDENTIFY = StepDef(named.IDENTIFY.name, identify.run, gives=Identified)
CONSOLE = StepDef(named.CONSOLE.name, console.run, gives=ConsoleOpened, needs=(Identified,))
BASELINE = StepDef(named.BASELINE.name, baseline.run, gives=Baseline, needs=(Identified, ConsoleOpened))
# erase gives a Restarted instead when a restart before the keys fixed the phone (restart_first)
ERASE = StepDef(named.ERASE.name, erase.run, gives=Erased, needs=(Identified, ConsoleOpened, Baseline))
FACTORY_RESET = StepDef(named.FACTORY_RESET.name, factory_reset.run, gives=Restarted,
                        needs=(Identified, ConsoleOpened, Baseline))
RESTART = StepDef(named.RESTART.name, restart_first.restart_once, gives=Restarted, needs=(Identified, ConsoleOpened),
                  uses=(Erased, Restarted))
OBSERVE = StepDef(named.OBSERVE.name, observe.run, gives=Observed, needs=(Restarted, Baseline), uses=(Erased,))
VERIFY = StepDef(named.VERIFY, verify.run, gives=Verified,
                 needs=(Observed, Baseline, ConsoleOpened, Restarted), uses=(Erased,))

# rig migrate (rig.procedures.migrate): the phases around the erase, observe and verify on B by B's kind
ROUTE = StepDef(named.ROUTE.name, migrate.route_to_source, gives=Routed, needs=(Identified,))
ROLLBACK = StepDef(named.ROLLBACK.name, rollback.run, gives=RolledBack, needs=(Identified, ConsoleOpened, Baseline, Routed))
MOVE = StepDef(named.MOVE.name, migrate.move, gives=Moved, needs=(Identified,), uses=(RolledBack,))
MIGRATE_ERASE = StepDef(named.ERASE.name, migrate.erase_unless_rolled_back, gives=Erased,
                        needs=(Identified, ConsoleOpened, Baseline), uses=(RolledBack, Restarted))
OBSERVE_ON_B = StepDef(named.OBSERVE.name, migrate.observe_on_target, gives=Observed, needs=(Restarted, Baseline), uses=(Erased,))
VERIFY_ON_B = StepDef(named.VERIFY, migrate.verify_on_target, gives=Verified,
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

__all__ = ["PROCEDURES", "KEY_SCRIPT_FOR", "PhoneContext", "Procedure", "StepDef", "run_phone"]
