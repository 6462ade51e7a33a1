"""The simulated bench's observation and fault interface: what tests read and change.

Tests (and demos) see the simulated devices only through this module: what each switch was
told, which keys each phone received, which files CUCM served, where each phone stands, and
which faults are active. Simulator internals stay free to change; docs/simulator.md documents
this interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rig.sim.bench import SimBench
    from rig.sim.switch_history import SwitchHistory


@dataclass(frozen=True)
class KeyEvent:
    """One key that reached a phone: by a solenoid (`actuator`) or `/CGI/Execute` (`http`)."""

    key: str
    via: Literal["actuator", "http"]
    taken: bool
    """False when the solenoid missed (the lost_keys fault): the phone never saw it."""


@dataclass(frozen=True)
class TftpRead:
    """One TFTP read request the simulated CUCM received."""

    client: str
    file: str
    served: bool
    """False: answered File not found."""


@dataclass(frozen=True)
class PhoneStatus:
    """Where a simulated phone stands right now."""

    state: str  # off | booting | upgrading | registered | stuck | dark
    load: str
    holds_itl: bool
    watts: float
    web_access: bool
    """Whether its configuration lets its web server run (`simulation.web_access_off`)."""
    authentication_url: str


RUNTIME_FAULTS = frozenset({"switch_delay", "ssh_drop_every", "lost_keys", "never_returns", "web_access_off"})
"""Faults `SimBench.set_fault` changes on a running bench; the rest are fixed at start
(`tftp_loss` lives in the TFTP server's own process, `console_garbage` in each console)."""


class BenchObserver:
    """Read-only view of a running SimBench, by device name (`sw1`, `desk-03`)."""

    def __init__(self, bench: SimBench) -> None:
        self._bench = bench

    def commands(self, switch: str) -> list[str]:
        """Every non-empty command line `switch` received, oldest first (never a typed secret)."""
        return self._bench.switches[switch].commands_received()

    def switch_history(self, switch: str) -> SwitchHistory:
        """What `switch` heard and did, with times and what was plugged in where (rig.sim.switch_history)."""
        return self._bench.switches[switch].history

    def keys(self, phone: str, *, via: Literal["actuator", "http"] | None = None) -> list[str]:
        """Keys that reached `phone` and were taken, oldest first; `via` keeps one path only."""
        return [e.key for e in self.key_events(phone) if e.taken and (via is None or e.via == via)]

    def key_events(self, phone: str) -> list[KeyEvent]:
        """Every key sent to `phone`, including those the solenoid missed."""
        return self._bench.phones[phone].keys_received()

    def tftp_reads(self, phone: str | None = None) -> list[TftpRead]:
        """TFTP read requests CUCM received, oldest first; with `phone`, only that phone's."""
        reads = self._bench.cucm.reads()
        if phone is None:
            return reads
        ip = self._bench.phones[phone].ip
        return [r for r in reads if r.client == ip]

    def phone(self, phone: str) -> PhoneStatus:
        return self._bench.phones[phone].status()

    def phones(self) -> list[str]:
        return list(self._bench.phones)
