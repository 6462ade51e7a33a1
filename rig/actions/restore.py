"""Turn back on the ports a dead run left off, from what its journal proves.

A run killed between `power inline never` and `power inline auto` leaves phones dark, and a dark
phone cannot be identified (no link, no CDP). The write-ahead `power` events say which ports
this bench turned off and never confirmed on again, and which phone (name, MAC) was on each.
Such a port is turned on only after `identify_unpowered` confirms that PoE is still off there and
no other device is on it, and the power-on is journaled write-ahead like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from drivers.ios_switch import SwitchError
from rig.actions.power import PortClaimed, power_on
from rig.events import Event, PowerAction
from rig.identify import identify_unpowered
from rig.journal import Journal

if TYPE_CHECKING:
    from rig.bench import Bench


def ports_left_off(events: Iterable[Event], bench: str, switches: Iterable[str]) -> list[PortClaimed]:
    """Ports of `bench` whose last power event is an `off` (intent or done) and not an `on` done.

    An `on` intent without its `done` does not count as on: the switch may never have heard it.
    """
    known = set(switches)
    last: dict[tuple[str, str], PortClaimed | None] = {}
    for event in events:
        if not isinstance(event, PowerAction) or (event.bench or bench) != bench or event.switch not in known:
            continue
        key = (event.switch, event.port)
        if event.action == "off":
            last[key] = PortClaimed(event.phone, event.mac, event.switch, event.port)
        elif event.phase == "done":
            last[key] = None
    return [claim for claim in last.values() if claim is not None]


def restore_ports(bench: "Bench", events: Iterable[Event], journal: Journal) -> list[str]:
    """Turn on every port the journal proves this bench left off; the names of the phones restored.

    A port already on, holding another device, or on a switch that cannot be reached is left as
    it is (that phone's own run then identifies it, or skips it, as usual).
    """
    restored: list[str] = []
    for claim in ports_left_off(events, bench.config.bench, bench.config.switches):
        switch = bench.switch(claim.switch)
        try:
            if not identify_unpowered(switch, claim).ok:
                continue
            power_on(switch, claim, journal)
        except SwitchError:
            continue
        restored.append(claim.name)
    return restored
