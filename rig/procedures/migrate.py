"""`rig migrate --from A --to B`: move phones between call-control systems through the TFTP tap.

The phases, each a declared step with its evidence (docs/migrate.md):
- `route`: the tap relays the phone's reads to A (journaled write-ahead: rig.actions.route);
- `baseline` on A, then `rollback` (rig.procedures.rollback): when A serves a rollback ITL the
  phone is restarted and must take it;
- `move`: the tap relays the phone to B;
- `erase`: the existing erase by keys, for a phone that did not take a rollback ITL (or whose A
  serves none), unless `--no-erase`;
- `restart`, then `observe` and `verify` on B, as B's kind verifies a phone (`ARRIVALS`: for
  `cucm`, ITL, signed config, load and registration as `rig erase` does; for `cme`, the unsigned
  config from the router, no ITL taken, and its registration there: rig.procedures.arrive_cme).
A resumed run routes each phone as its journal last said; a phone the dead run had already moved
to B is not rolled back again (its restart shows whether it already took B's trust).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rig.actions.route import route
from rig.config.lab import LabConfig
from rig.config.systems import MAIN_SYSTEM, System, named_system
from rig.errors import RigError
from rig.procedures import arrive_cme, erase, observe, verify
from rig.procedures.context import PhoneContext
from rig.procedures.findings import EraseNotNeeded, Finding, Identified, Moved, Restarted, RolledBack, Routed, StepView
from rig.procedures.restart_first import RestartGate
from rig.procedures.steps import BenchFault, PhoneFailed
from rig.record.steps import MOVE, ROUTE

if TYPE_CHECKING:
    from rig.bench.tap_share import SharedTap
    from rig.bench.taps import Taps


@dataclass(frozen=True)
class Migration:
    """What `rig migrate` was asked: from which system to which, and whether keys may erase."""

    source: str
    target: str
    no_erase: bool = False
    moved: frozenset[str] = field(default_factory=frozenset)
    """Phones a dead run of this migration had already routed to the target (on resume)."""

    def record(self) -> dict[str, Any]:
        """What the journal's run_started keeps, so `--resume` migrates the same way."""
        return {"from": self.source, "to": self.target, "no_erase": self.no_erase}

    @classmethod
    def recorded(cls, data: dict[str, Any], moved: frozenset[str]) -> "Migration":
        return cls(str(data["from"]), str(data["to"]), bool(data.get("no_erase", False)), moved)


@dataclass(frozen=True)
class Arrival:
    """How a phone is watched and verified on a system of one kind, after its move."""

    observe: Callable[[PhoneContext, StepView], Finding]
    verify: Callable[[PhoneContext, StepView], Finding]
    gate: type[RestartGate] = RestartGate
    """How a restart before keys tells that a phone already took the system's trust (on resume)."""


ARRIVALS: dict[str, Arrival] = {
    "cucm": Arrival(observe.run, verify.run),
    "cme": Arrival(arrive_cme.observe, arrive_cme.verify, arrive_cme.CmeRestartGate),
}
"""Per system kind: a cucm cluster as `rig erase` verifies a phone; a CUCME router by the unsigned
config the phone fetched from it and its `show ephone registered` (rig.procedures.arrive_cme)."""


def check(config: LabConfig, migration: Migration) -> tuple[System, System]:
    """Both systems, when this bench can migrate between them; RigError (exit 2) otherwise."""
    try:
        source, target = named_system(config, migration.source), named_system(config, migration.target)
    except RigError as error:
        raise RigError(f"rig migrate: {error}") from None
    if source.name == target.name:
        raise RigError(f"rig migrate: --from and --to both name {source.name}")
    if config.tftp_tap is None:
        raise RigError("rig migrate: tftp_tap: required (the tap is what moves a phone from one system to another)")
    if target.kind == "cucm" and target.name != MAIN_SYSTEM:
        raise RigError(f"rig migrate: --to {target.name}: a phone is verified on a cucm cluster by the `cucm:` "
                       f"section's trust anchor, load and RisPort: migrate --to {MAIN_SYSTEM}")
    return source, target


def migration_of(ctx: PhoneContext) -> Migration:
    if ctx.migration is None:
        raise BenchFault("the migrate procedure was run without --from and --to")
    return ctx.migration


def _tap(ctx: PhoneContext) -> "SharedTap | Taps":
    if ctx.tap is None:
        raise BenchFault("rig migrate needs the TFTP tap: it moves a phone by changing where the tap relays it")
    return ctx.tap


def route_to_source(ctx: PhoneContext, view: StepView) -> Routed:
    """The tap relays the phone to A (a phone a dead run had moved already stays on B)."""
    view.need(Identified)
    migration = migration_of(ctx)
    with ctx.steps.step(ROUTE) as step:
        if ctx.phone.name in migration.moved:
            step.data["system"] = migration.target
            step.detail = f"already routed to {migration.target} by the run that stopped"
            return Routed(system=migration.target)
        system = _route(ctx, step.data, migration.source, "relays it to")
        step.detail = f"the tap {step.data['route']}"
        return Routed(system=system)


def move(ctx: PhoneContext, view: StepView) -> Moved:
    """The tap relays the phone to B: its next reads go there."""
    view.need(Identified)
    migration = migration_of(ctx)
    with ctx.steps.step(MOVE) as step:
        system = _route(ctx, step.data, migration.target, "moved it to")
        step.detail = f"the tap {step.data['route']}"
        return Moved(system=system)


def _route(ctx: PhoneContext, data: dict[str, Any], name: str, verb: str) -> str:
    system = named_system(ctx.config, name)
    try:
        change = route(ctx.journal, _tap(ctx), ctx.phone, system.name, system.address)
    except OSError as error:
        raise BenchFault(f"the tap cannot route {ctx.phone.name} to {system.name}: {error}", part="tftp_tap") from None
    data.update(system=system.name, kind=system.kind, upstream=change.upstream,
                route=f"{verb} {system.name} ({system.kind}) at {change.upstream}")
    return system.name


def erase_unless_rolled_back(ctx: PhoneContext, view: StepView) -> Finding:
    """The erase by keys (rig.procedures.erase) for a phone the rollback did not fix; nothing for
    one that took the rollback ITL, or that showed B's trust already after a resume."""
    if view.use(Restarted) is not None:
        return EraseNotNeeded(why="it took the trust of the system it moved to after its restart")
    rolled = view.use(RolledBack)
    if rolled is not None and rolled.took:
        return EraseNotNeeded(why="it took the rollback ITL: it accepts any next ITL")
    migration = migration_of(ctx)
    if migration.no_erase:
        why = "did not take the rollback ITL" if rolled is not None and rolled.served else \
            f"{migration.source} serves no rollback ITL"
        raise PhoneFailed(f"{why}, and --no-erase keeps its ITL: erase it by keys (rig migrate without "
                          f"--no-erase), or set Prepare Cluster for Rollback to pre 8.0 on {migration.source}")
    return erase.run(ctx, view)


def observe_on_target(ctx: PhoneContext, view: StepView) -> Finding:
    return arrival(ctx).observe(ctx, view)


def verify_on_target(ctx: PhoneContext, view: StepView) -> Finding:
    return arrival(ctx).verify(ctx, view)


def arrival(ctx: PhoneContext) -> Arrival:
    """How the phone is watched and verified on the system it moves to."""
    kind = named_system(ctx.config, migration_of(ctx).target).kind
    return ARRIVALS[kind]

