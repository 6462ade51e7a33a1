"""One switch as its phones share it: whole-switch reads and power waves over a few SSH sessions.

The phones of a switch ask the same questions at about the same time. Their reads are answered
from whole tables (`show mac address-table`, `show power inline`, `show cdp neighbors detail`,
and, together for rig.bench.port_proof, those of `show interfaces switchport` and `show running-config`) read once for all who asked while the previous read ran, never from a table read before the
caller asked (rig.bench.switch_batch.SharedRead); their power changes go out in waves, one
configuration session each (PowerWaves). Identifying every phone of a 48-port switch thus
costs one or two table reads, not 48. Reads of a table start at least `SPACING` seconds
apart, waves `WAVE_SPACING`, so phones polling their draw share reads and phones restarting
about together share a wave; a phone's own changes are seconds apart on hardware, so this only
ever delays one by a fraction of a second. IOS serves up to 16 vty lines: up to
`parallel.sessions_per_switch` sessions are opened, another only when the open ones stay busy.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from rig.drivers.ios_budget import PoeBudget
from rig.drivers.ios_lldp import LldpNeighbor
from rig.drivers.ios_parsers import CdpNeighbor, MacEntry, PoePort, canonical_interface
from rig.drivers.ios_switch import IosSwitch, SwitchCommandError
from rig.bench.port_proof import SwitchTables
from rig.bench.switch_batch import PowerWaves, SharedRead

T = TypeVar("T")
SPACING = 0.25
"""Seconds between the starts of two reads of one table on one switch: a real switch takes about
that long to print a 48-port table anyway, and phones arriving meanwhile share the next read (at
0.1 s a 240-phone bench sent 2 commands per phone). Not 0.5, as waves are: that saved a quarter of
a command line a phone at 240 phones (1.43 against 1.68) but added 1.1 s to every run of 8 or 48
phones (bench/scale.py, 48 phones 1.31x one phone against 1.20x: each read a phone waits for in
turn waited longer)."""
WAVE_SPACING = 0.5
"""Seconds between the starts of two power waves on one switch. Phones reach their restart
spread over seconds (their keypad scripts and erases take different times), so waves 0.25 s
apart carried 2-3 ports each; every wave is a configuration session plus the `show power inline`
its phones read after it. Half a second more at most for a change a phone waits seconds for."""
PATIENCE = 1.0
"""Seconds to wait for a busy session before opening another (see SwitchSessions._borrow)."""


class SwitchSessions:
    """The IosSwitch operations rig uses, spread over up to `size` sessions."""

    def __init__(self, name: str, factory: Callable[[], IosSwitch], size: int, spacing: float = SPACING,
                 wave_spacing: float = WAVE_SPACING, patience: float = PATIENCE) -> None:
        self.name = name
        self._factory = factory
        self._size = size
        self._idle: queue.LifoQueue[IosSwitch] = queue.LifoQueue()
        self._all: list[IosSwitch] = []
        self._patience = patience
        self._lock = threading.Lock()
        self._cdp: tuple[float, list[CdpNeighbor]] = (float("-inf"), [])
        self._macs = SharedRead(lambda: self._with(lambda sw: sw.mac_table()), spacing)
        self._poe = SharedRead(lambda: self._with(lambda sw: sw.poe_status()), spacing)
        self._neighbours = SharedRead(lambda: self._with(lambda sw: sw.cdp_neighbors()), spacing)
        self._lldp = SharedRead(lambda: self._with(lambda sw: sw.lldp_neighbors()), spacing)
        self._protocols: dict[str, bool] | None = None
        """Whether the switch runs CDP and LLDP (`show cdp`, `show lldp`), asked once: that is its
        configuration, not its state. A proof reads LLDP neighbours where it runs."""
        self._proof = SharedRead(lambda: self._with(self._proof_tables), spacing)
        self._waves = PowerWaves(lambda off, on: self._with(lambda sw: sw.set_power(off, on)), wave_spacing)

    @contextmanager
    def _session(self) -> Iterator[IosSwitch]:
        session = self._borrow()
        try:
            yield session
        finally:
            self._idle.put(session)

    def _borrow(self) -> IosSwitch:
        """An idle session; a new one only when every open one stays busy for `patience` seconds.

        Each session costs the switch a login (a vty line its admins may need) and its set-up
        commands, and rig a key exchange, while most operations take a fraction of a second:
        waiting briefly for one to come back keeps a 48-phone switch on one session, and a long
        read (a busy switch printing its CDP detail) still does not hold a wave up for long."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        if self._all:
            try:
                return self._idle.get(timeout=self._patience)
            except queue.Empty:
                pass
        with self._lock:
            if len(self._all) < self._size:
                session = self._factory()
                self._all.append(session)
                return session
        return self._idle.get()

    def _with(self, operation: Callable[[IosSwitch], T]) -> T:
        with self._session() as sw:
            return operation(sw)

    def power_off(self, port: str) -> None:
        """Returns once the switch has taken this port's change (sent in the next wave)."""
        self._waves.change(port, on=False)

    def power_on(self, port: str) -> None:
        self._waves.change(port, on=True)

    def poe_status(self, port: str | None = None, since: float | None = None) -> list[PoePort]:
        """Every port's PoE state, or one port's, from a whole-table read shared by callers that
        started after this call (or after `since`, a `time.monotonic()` moment: see SharedRead)."""
        ports = self._poe.get(since)
        if port is None:
            return ports
        wanted = canonical_interface(port)
        found = [p for p in ports if p.interface == wanted]
        if not found:
            raise SwitchCommandError(self.name, "show power inline", f"port {port} is not in the output")
        return found

    def poe_budget(self) -> list[PoeBudget]:
        with self._session() as sw:
            return sw.poe_budget()

    def macs_on_port(self, port: str) -> list[str]:
        wanted = canonical_interface(port)
        return list(dict.fromkeys(e.mac for e in self.mac_table() if e.port == wanted))

    def mac_table(self, since: float | None = None) -> list[MacEntry]:
        """The whole MAC table, from a read shared by callers that started after this call (or
        after `since`: see SharedRead)."""
        return self._macs.get(since)

    def _proof_tables(self, sw: IosSwitch) -> SwitchTables:
        lldp = sw.lldp_neighbors() if self._running(sw).get("LLDP", False) else []
        return SwitchTables(sw.mac_table(), sw.cdp_neighbors(), sw.switchport(), sw.running_config(), lldp)

    def proof_tables(self) -> SwitchTables:
        """MAC, CDP, switchport, running-config (and, where the switch runs LLDP, LLDP) tables read
        together in one session, after this call (shared by the phones asking meanwhile): what
        rig.bench.port_proof looks at."""
        return self._proof.get()

    def cdp_neighbors(self) -> list[CdpNeighbor]:
        """A CDP table read after this call (shared by callers asking meanwhile)."""
        neighbours = self._neighbours.get()
        with self._lock:
            self._cdp = (time.monotonic(), neighbours)
        return neighbours

    def lldp_neighbors(self) -> list[LldpNeighbor]:
        """An LLDP table read after this call (shared by callers asking meanwhile); [] when LLDP is off."""
        return self._lldp.get()

    def protocols_running(self) -> dict[str, bool]:
        """Whether the switch runs CDP and LLDP (IosSwitch.protocols_running), asked once: a known
        answer borrows no session."""
        return self._protocols if self._protocols is not None else self._with(self._running)

    def _running(self, sw: IosSwitch) -> dict[str, bool]:
        if self._protocols is None:
            self._protocols = sw.protocols_running()
        return self._protocols

    def show_text(self, command: str) -> str:
        """One `show` command's output verbatim (IosSwitch.show_text: anything else is refused)."""
        return self._with(lambda sw: sw.show_text(command))

    def recent_cdp_neighbors(self, max_age: float) -> list[CdpNeighbor]:
        """The CDP table, read at most `max_age` seconds ago: for evidence (a phone's announced
        load), never for identifying a phone before its port is touched. A switch with dozens of
        phones otherwise parses its whole detail table once per phone and step."""
        with self._lock:
            read_at, neighbours = self._cdp
        if time.monotonic() - read_at <= max_age:
            return neighbours
        return self.cdp_neighbors()

    def close(self) -> None:
        """Log every session out at once: each logout waits for the switch's answer."""
        with self._lock:
            with ThreadPoolExecutor(max_workers=max(1, len(self._all))) as pool:
                list(pool.map(IosSwitch.close, self._all))
            self._all.clear()
