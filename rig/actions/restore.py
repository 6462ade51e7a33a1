"""Turn back on the ports a dead run left off, from what its journal proves.

A run killed between `power inline never` and `power inline auto` leaves phones dark, and a dark
phone cannot be identified (no link, no CDP). The write-ahead `power` events say which ports
this bench turned off and never confirmed on again, and which phone (name, MAC) was on each.
Such a port is turned on only after `identify_unpowered` confirms that PoE is still off there and
no other device is on it, through the power primitive (rig.actions.power: retried, verified,
journaled where the port was turned off).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from rig.drivers.ios_switch import SwitchError
from rig.actions.power import PoePort
from rig.record.events import Event, PowerAction
from rig.bench.identify import identify_unpowered
from rig.record.journal import JOURNAL_NAME, Journal, ports_left_off, read_events
from rig.record.lease import Holder

if TYPE_CHECKING:
    from rig.bench.build import Bench


def restore_ports(bench: "Bench", events: Iterable[Event], journal: Journal | None) -> list[str]:
    """Turn on every port the journal proves this bench left off; the names of the phones restored.

    A port already on, holding another device, or on a switch that cannot be reached is left as
    it is (that phone's own run then identifies it, or skips it, as usual); one that does not
    come on is in rig.actions.power's `left_off()` and, still off in the journal, in its reports.
    """
    restored: list[str] = []
    for claim in ports_left_off(events, bench.config.bench, bench.config.switches):
        switch = bench.switch(claim.switch)
        try:
            if not identify_unpowered(switch, claim).ok:
                continue
            PoePort(switch, claim, journal).on()
        except SwitchError:  # PortLeftOff included: recorded where every front end reports it
            continue
        restored.append(claim.name)
    return restored


def journals_of(holders: Iterable[Holder]) -> dict[Path, list[Event]]:
    """The journals of dead lease holders (their run directories), by directory."""
    journals: dict[Path, list[Event]] = {}
    for holder in holders:
        dead = Path(holder.run_dir) if holder.run_dir else None
        if dead is not None and dead not in journals and (dead / JOURNAL_NAME).is_file():
            journals[dead] = read_events(dead / JOURNAL_NAME)
    return journals


def restore_for(bench: "Bench", journals: dict[Path, list[Event]], phones: Iterable[str]) -> list[str]:
    """Turn back on the ports of `phones` that these journals show left off; the phones restored.

    Only these phones count: another phone of a dead run may by now be leased by a live run
    that is power-cycling it on purpose. Each restore is journaled where the port was turned off,
    so that journal tells the truth about the port afterwards (when it can still be written:
    a journal that cannot be opened does not keep a port dark).
    """
    mine = set(phones)
    restored: list[str] = []
    for directory, events in journals.items():
        relevant = [e for e in events if not isinstance(e, PowerAction) or e.phone in mine]
        if not any(isinstance(e, PowerAction) for e in relevant):
            continue
        try:
            journal: Journal | None = Journal(directory / JOURNAL_NAME)
        except OSError:
            journal = None
        try:
            restored += restore_ports(bench, relevant, journal)
        finally:
            if journal is not None:
                journal.close()
    return restored
