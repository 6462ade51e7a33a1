"""A simulated Catalyst access switch: real SSH (paramiko server) in front of `rig.sim.ios_cli`.

Its SSH and terminal behaviour (echo, CRLF, prompt after every answer) is `rig.sim.ssh_vty`'s, so
netmiko, a raw paramiko `invoke_shell` or an operator's ssh client drive it without knowing it is
simulated; several switches each listen on their own loopback port.

Faults for tests: `SwitchFaults.drop_every=N` closes a session instead of answering its Nth
command line (a client's login commands count: netmiko sends 2, or 3 with `enable`, so N must be
larger for a reconnecting client to get its retried command through); `delay` device-seconds
pass before each answer. `set_faults()` replaces them on a running switch; `exchange_faults`
(rig.sim.chaos) fails random lines: dropped, slow, or applied with the answer lost.
`commands_received()` tells what the switch was told and `history` when, with what was plugged in
where (the observation interface of `rig.sim.observe`).

Wiring changes for tests, on a running switch: `swap_cables`, `add_entry` (a stale MAC entry),
`make_uplink` (a trunk with a switch and its MACs behind it), and `after_next(command, change)`
to make one of them happen right after the switch answered a given command (between two reads).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import paramiko

from rig.sim.chaos import ExchangeFaults
from rig.sim.clock import SimClock
from rig.sim.ios_cli import IosSession, Reply, SwitchState
from rig.sim.ios_exec import IosExec
from rig.sim.model import CdpInfo, PoweredDevice
from rig.sim.ssh_vty import SshVty
from rig.sim.switch_history import SwitchHistory

__all__ = ["SimSwitch", "SwitchFaults"]


@dataclass(frozen=True)
class SwitchFaults:
    drop_every: int = 0
    """Close the SSH session instead of answering its Nth command line (0 = never)."""
    delay: float = 0.0
    """Device seconds to wait before answering each command line."""


class SimSwitch(SshVty):
    """An IOS switch with PoE ports, reachable over SSH on a loopback address."""

    log_kind = "switch"

    def __init__(
        self,
        name: str,
        ports: dict[str, PoweredDevice | None],
        clock: SimClock,
        *,
        username: str,
        password: str,
        enable_secret: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: SwitchFaults | None = None,
        host_key: paramiko.PKey | None = None,
        authorized_keys: list[paramiko.PKey] | None = None,
        budgets: dict[int, float] | None = None,
        cdp: bool = True,
        lldp: bool = False,
        version_text: str | None = None,
    ) -> None:
        super().__init__(name, username=username, password=password, enable_secret=enable_secret, host=host,
                         port=port, host_key=host_key, authorized_keys=authorized_keys)
        self.clock = clock
        self._faults = faults or SwitchFaults()
        self.exchange_faults: ExchangeFaults | None = None
        """Randomized faults (rig.sim.chaos) consulted at every command line, when set."""
        self._state = SwitchState(name, ports, budgets=budgets, cdp=cdp, lldp=lldp)
        self._state.version_text = version_text  # a diagnostics bundle's (rig.sim.bundle_shape)
        self._after: list[tuple[str, Callable[[], None]]] = []

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def history(self) -> SwitchHistory:
        """What the switch heard and did, with times (rig.sim.switch_history)."""
        return self._state.history

    def swap_cables(self, port_a: str, port_b: str) -> None:
        """Move the cables of two ports (any IOS spelling): each device shows up on the other port."""
        self._state.swap_cables(port_a, port_b)

    def after_next(self, command: str, change: Callable[[], None]) -> None:
        """Run `change` once, right after the switch answers the next line starting with
        `command`: the client saw the state before, its next read sees the change."""
        with self._lock:
            self._after.append((command, change))

    def set_faults(self, faults: SwitchFaults) -> None:
        """Faults for the lines that arrive from now on (sessions already open included)."""
        self._faults = faults

    def add_entry(self, port: str, mac: str, vlan: int) -> None:
        """The MAC table lists `mac` on `port` in `vlan` as well (e.g. a stale entry)."""
        self._state.add_entry(port, mac, vlan)

    def make_uplink(self, port: str, neighbour: CdpInfo, macs: list[str]) -> None:
        """`port` becomes a trunk to the switch `neighbour`, with `macs` learned behind it."""
        self._state.make_uplink(port, neighbour, macs)

    def remove_poe(self, port: str) -> None:
        """`port` is not a PoE port: `show power inline` has no row for it."""
        self._state.remove_poe(port)

    def _new_session(self) -> IosSession:
        return IosSession(self._state, enable_secret=self._enable_secret)

    def _answer(self, session: IosExec, line: str, *, logged: bool) -> Reply | None:
        """The session's reply to one line, or None when a drop fault ends the session."""
        faults = self._faults
        chaos = self.exchange_faults.pick("switch", line) if self.exchange_faults and logged and line.strip() else None
        if self._heard(line, logged=logged):
            self._state.history.heard(line, self._state.visible_macs() if _reads_macs(line) else {})
            session.commands_seen += 1
            if chaos == "drop" or faults.drop_every and session.commands_seen % faults.drop_every == 0:
                return None
            if faults.delay and not self.clock.sleep(faults.delay, self._stop):
                return None
            if chaos == "slow" and not self.exchange_faults.wait_slow(self._stop):
                return None
        reply = session.handle(line)
        with self._lock:
            due = [a for a in self._after if line.strip().startswith(a[0])]
            self._after = [a for a in self._after if a not in due]
        for _, change in due:
            change()
        return None if chaos == "lost_answer" else reply


def _reads_macs(line: str) -> bool:
    """`show mac address-table ...` in any abbreviation: the one read whose view of the ports the
    history keeps (a snapshot of every port for every `show` would cost each poll a walk of the
    switch under its lock, for nothing that is read)."""
    words = line.lower().split()
    return len(words) >= 2 and "show".startswith(words[0]) and words[1].startswith("mac")
