"""Guarded, write-ahead PoE power: the one copy of the policy the CLI and the procedures share.

Guarded: a port is touched only after the switch has shown the configured phone on it
(rig.identify). The one exception is turning on a port that is administratively off, where an
unpowered phone cannot be seen: allowed when the switch sees no other device there
(`identify_unpowered`).

Write-ahead: with a run journal, every power change is journaled as an `intent` before the
switch is told and as `done` after it answered (`power` events naming phone, switch, port and
MAC). A run killed between the two leaves the intent on disk, which is how `restore_ports`
knows which ports a dead run left off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from rig.events import PowerAction
from rig.identify import Identity, PortClaim, SwitchView, identify, identify_unpowered
from rig.journal import Journal
from rig.port_proof import ProofView, prove_port

PowerCommand = Literal["on", "off", "cycle"]


class PoweredSwitch(SwitchView, ProofView, Protocol):
    def power_off(self, port: str) -> None: ...
    def power_on(self, port: str) -> None: ...


class PowerRefused(Exception):
    """The phone was not identified on its port: nothing was sent to the switch."""


@dataclass(frozen=True)
class PortClaimed:
    """A phone on a port as a journal names it (enough to identify it and switch its port)."""

    name: str
    mac: str
    switch: str
    port: str


def journal_power(journal: Journal | None, phone: PortClaim, action: Literal["on", "off"],
                  phase: Literal["intent", "done"]) -> None:
    """One `power` event (phase `intent` before the switch is told, `done` after)."""
    if journal is not None:
        journal.write(PowerAction(phone=phone.name, switch=phone.switch, port=phone.port, mac=phone.mac,
                                  action=action, phase=phase))


def power_off(switch: PoweredSwitch, phone: PortClaim, journal: Journal | None) -> None:
    """Turn the port off, write-ahead, once a fresh read has proven the phone on it (PowerRefused)."""
    # rig.port_proof: read the port again right now; a moved cable, a MAC on two ports, an uplink refuse.
    proof = prove_port(switch, phone)
    if not proof.ok:
        raise PowerRefused(f"refusing to power off {phone.name}: {proof.evidence}")
    journal_power(journal, phone, "off", "intent")
    switch.power_off(phone.port)
    journal_power(journal, phone, "off", "done")


def power_on(switch: PoweredSwitch, phone: PortClaim, journal: Journal | None) -> None:
    """Turn the port on, write-ahead; the caller has identified the phone on it."""
    journal_power(journal, phone, "on", "intent")
    switch.power_on(phone.port)
    journal_power(journal, phone, "on", "done")


def identify_for(switch: SwitchView, phone: PortClaim, action: PowerCommand) -> Identity:
    """The evidence that lets `action` touch the phone's port (ok False: refuse)."""
    identity = identify(switch, phone)
    if identity.ok or action != "on":
        return identity
    unpowered = identify_unpowered(switch, phone)
    return unpowered if unpowered.ok else Identity(False, f"{identity.evidence}; {unpowered.evidence}")


def guarded_power(
    switch: PoweredSwitch,
    phone: PortClaim,
    action: PowerCommand,
    *,
    off_seconds: float,
    wait: "Waiter",
    journal: Journal | None = None,
) -> Identity:
    """Identify first, then switch the port; PowerRefused (nothing sent) when not identified.

    A cycle turns the port back on even when the wait between off and on is interrupted.
    """
    identity = identify_for(switch, phone, action)
    if not identity.ok:
        raise PowerRefused(f"refusing to power {action} {phone.name}: {identity.evidence}")
    if action == "on":
        power_on(switch, phone, journal)
        return identity
    power_off(switch, phone, journal)
    if action == "cycle":
        try:
            wait(off_seconds)
        finally:
            power_on(switch, phone, journal)
    return identity


class Waiter(Protocol):
    def __call__(self, seconds: float) -> None: ...
