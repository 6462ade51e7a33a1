"""Route a phone's TFTP reads to a call-control system through the run's tap, write-ahead.

The `route` intent is journaled before the tap is told, the `done` after it confirmed, so a run
killed in between leaves the proof of where the phone may be relayed; a resumed run routes each
of its phones as its journal last said (`restore_routes`), as it turns back on the ports a dead
run left off (rig.actions.restore).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rig.config.lab import PhoneConfig
from rig.record.events import RouteChange
from rig.record.journal import Journal

if TYPE_CHECKING:
    from rig.bench.tap_share import SharedTap
    from rig.bench.taps import Taps


def route(journal: Journal, tap: "SharedTap | Taps", phone: PhoneConfig, system: str,
          upstream: tuple[str, int]) -> RouteChange:
    """Relay `phone`'s next reads to `system` at `upstream`; OSError when the tap cannot."""
    if phone.ip is None:
        raise OSError(f"{phone.name} has no ip: the tap cannot tell its reads from others'")
    change = RouteChange(phone=phone.name, ip=str(phone.ip), system=system,
                         upstream=f"{upstream[0]}:{upstream[1]}", phase="intent")
    journal.write(change)
    tap.route(change.ip, upstream)
    done = RouteChange(phone=phone.name, ip=change.ip, system=system, upstream=change.upstream, phase="done")
    journal.write(done)
    return done


def address(upstream: str) -> tuple[str, int]:
    """`host:port` as the tap takes it."""
    host, _, port = upstream.rpartition(":")
    return host, int(port)


def restore_routes(journal: Journal, tap: "SharedTap | Taps", phones: Iterable[PhoneConfig],
                   last: dict[str, RouteChange]) -> list[str]:
    """Route each phone as `last` (its journal's last route) says; the phones routed again."""
    restored = []
    for phone in phones:
        change = last.get(phone.name)
        if change is not None:
            route(journal, tap, phone, change.system, address(change.upstream))
            restored.append(phone.name)
    return restored
