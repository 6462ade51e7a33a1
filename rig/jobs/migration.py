"""The migration a `rig migrate` request asks for, checked against the bench before anything is
touched; on `--resume`, the one the run's journal recorded, with the phones it had already moved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rig.config.lab import LabConfig, PhoneConfig
from rig.errors import RigError
from rig.jobs.rundir import RunState
from rig.procedures.migrate import Migration, check
from rig.record.events import RunOpening
from rig.record.journal import routes_of

if TYPE_CHECKING:
    from rig.jobs.service import JobRequest


def planned_migration(config: LabConfig, request: "JobRequest", state: RunState | None,
                      todo: list[PhoneConfig]) -> Migration | None:
    """The migration a job request asks for (a resumed run's own, from its journal), checked;
    None for any other job. RigError (exit 2) for a migration this bench cannot do."""
    if request.procedure != "migrate":
        if request.migration is not None:
            raise RigError(f"--from and --to belong to rig migrate, not to {request.procedure}")
        return None
    migration = request.migration
    if state is not None:
        recorded = next((e.config.get("migration") for e in state.events if isinstance(e, RunOpening)), None)
        if not isinstance(recorded, dict):
            raise RigError(f"{request.resume}: its journal does not say which systems it migrated between")
        last = routes_of(state.events, [p.name for p in todo])
        moved = frozenset(name for name, change in last.items() if change.system == recorded.get("to"))
        migration = Migration.recorded(recorded, moved)
    if migration is None:
        raise RigError("rig migrate needs --from and --to")
    without_ip = [p.name for p in todo if p.ip is None]
    if without_ip:
        raise RigError(f"rig migrate: phones {', '.join(without_ip)}: ip: required (the tap routes a phone by its IP)")
    check(config, migration)
    return migration
