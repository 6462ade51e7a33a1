"""Preflight of a bench: the bench checks in parallel (each switch, the tap, each meter and
board), then every selected phone's checks in parallel; and the bench gate of `rig erase` /
`rig verify`, the part without which no phone can pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from rig.drivers.bounded import abandoning_on_interrupt
from rig.errors import RigError
from rig.preflight.bench_checks import (
    board_wanted, check_board, check_credentials, check_meter, check_risport, check_tap_port, check_tftp,
)
from rig.preflight.migration import migration_checks
from rig.preflight.phone_checks import Facts, check_phone
from rig.preflight.report import BenchReport, Check, PreflightReport, problems
from rig.preflight.switches import SwitchView, check_access, check_budget, check_discovery

if TYPE_CHECKING:
    from rig.bench.build import Bench
    from rig.config.lab import PhoneConfig

T = TypeVar("T")
MAX_THREADS = 64


def _parallel(tasks: Sequence[Callable[[], T]]) -> list[T]:
    """Run every task at once (they wait on the network, not on the CPU), results in order."""
    if not tasks:
        return []
    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(tasks))) as pool, abandoning_on_interrupt():
        return list(pool.map(lambda task: task(), tasks))


def _switch(bench: "Bench", name: str, phones: list["PhoneConfig"]) -> tuple[list[Check], SwitchView]:
    checks, view = check_access(bench, name)
    return [*checks, check_discovery(view), check_budget(bench, view, phones)], view


def preflight(bench: "Bench", names: Sequence[str] = (), *, source: str = "",
              migration: tuple[str, str] | None = None) -> PreflightReport:
    """Every bench check, then every phone check of the phones named (all when none are); with
    `migration` (A, B), the migration's checks among the bench's (rig.preflight.migration)."""
    config = bench.config
    phones = config.select(list(names))
    meters = {p.power_meter.instrument: bench.meter(p) for p in phones if p.power_meter is not None}
    wanted = board_wanted(phones)
    with ThreadPoolExecutor(max_workers=MAX_THREADS) as pool, abandoning_on_interrupt():
        credentials = pool.submit(check_credentials, config)
        switches = [pool.submit(_switch, bench, n, phones) for n in sorted({p.switch for p in phones if p.switch is not None})]
        tftp = pool.submit(check_tftp, bench, phones[0]) if phones else None
        risport = pool.submit(check_risport, bench, phones) if phones else None
        metered = [pool.submit(check_meter, name, m[0]) for name, m in sorted(meters.items()) if m is not None]
        boards = {url: pool.submit(check_board, url, targets) for url, targets in wanted.items()}
        tap_port = pool.submit(check_tap_port, bench)
        migrating = pool.submit(migration_checks, bench, *migration, phones[0]) if migration and phones else None
        checks = [credentials.result()]
        views: dict[str, SwitchView] = {}
        for future in switches:
            switch_checks, view = future.result()
            checks += switch_checks
            views[view.name] = view
        checks += tftp.result() if tftp is not None else []
        checks.append(tap_port.result())
        checks += [risport.result()] if risport is not None else []
        checks += [future.result() for future in metered]
        migration_found = migrating.result() if migrating is not None else []
        checks += migration_found
        board_lists: dict[str, list[str] | str] = {}
        for url, future in boards.items():
            check, board_lists[url] = future.result()
            checks.append(check)
    facts = Facts(views, board_lists, source or f"bench {config.bench}")
    reports = _parallel([lambda p=p: check_phone(bench, p, facts) for p in phones])
    return PreflightReport(BenchReport(checks), reports, migration_found)


def bench_gate(bench: "Bench", phones: Sequence["PhoneConfig"], migration: tuple[str, str] | None = None) -> None:
    """RigError (exit 2) naming the problem when the bench itself cannot work for these phones:
    a credential unset, a switch unreachable or refusing rig, CUCM's TFTP unreachable through the
    tap, the tap's port held by a process that shares no records, the trust anchor unreadable or
    not the cluster's, CUCM's RisPort unreadable while
    `cucm.risport.require` is true; for a migration (A, B), either system unreachable. Read-only,
    like preflight."""
    selected = list(phones)
    tasks: list[Callable[[], list[Check]]] = [lambda: [check_credentials(bench.config)],
                                               lambda: [check_tap_port(bench)]]
    tasks += [lambda n=n: check_access(bench, n)[0] for n in sorted({p.switch for p in selected if p.switch is not None})]
    if selected:
        tasks += [lambda: check_tftp(bench, selected[0]), lambda: [check_risport(bench, selected)]]
        if migration is not None:
            tasks.append(lambda: migration_checks(bench, *migration, selected[0]))
    found = problems([c for checks in _parallel(tasks) for c in checks])
    if found:
        more = f" (and {len(found) - 1} more bench problems: see rig preflight)" if len(found) > 1 else ""
        raise RigError(f"bench {bench.config.bench} cannot work, nothing was touched: {found[0]}{more}")
