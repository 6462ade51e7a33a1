"""The one power primitive: every path that turns a PoE port off goes through `switched_off`.

Modelled as a capability in the labgrid manner: `PowerProtocol` is what any power supply of a
phone offers (on, off, read back), `PoePort` is the one rig has, a phone's PoE switch port.
`switched_off` is the structural guarantee around it, the only way a port is turned off:

- Write-ahead: the `off` intent is on disk before the switch hears `power inline never`
  (no record, no off: an OSError of the journal there stops the off before anything is sent).
- Once `power inline never` may have reached the switch (even when its answer timed out or the
  session dropped), the port is turned on again on every way out of the block: a return, an
  exception, Ctrl-C (KeyboardInterrupt), SIGTERM and SIGHUP (turned into a stop by the front
  ends). Power-on is retried (`ON_ATTEMPTS`, each on a session the driver reconnects when the
  switch dropped it) and verified by reading the port back.
- Turning a port on never waits on the journal: the switch is told first and the `done` is
  journaled after, best effort (a full disk or a deleted journal does not keep a port dark).
- A port that could not be turned back on raises PortLeftOff and is kept in `left_off()`:
  every front end prints it first, and the journal (an `off` never followed by an `on` done)
  puts it first in every report.

Guarded: a port is touched only after the switch has shown the configured phone on it
(rig.bench.identify). The one exception is turning on a port that is administratively off, where an
unpowered phone cannot be seen: allowed when the switch sees no other device there
(`identify_unpowered`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Literal, Protocol

from rig.drivers.ios_switch import SwitchError
from rig.record.events import PowerAction
from rig.bench.identify import Identity, PortClaim, SwitchView, identify, identify_unpowered
from rig.record.journal import Journal
from rig.bench.port_proof import ProofView, prove_port

log = logging.getLogger(__name__)

PowerCommand = Literal["on", "off", "cycle"]
ON_ATTEMPTS = 3
"""Power-on tries before a port is declared left off: a dropped session costs one, a slow answer
one more; each try runs on a session the driver rebuilds when the switch dropped the last."""
OFF_STATES = frozenset({"off", "never"})
"""`show power inline` Admin values of a port that supplies no power."""


class PowerProtocol(Protocol):
    """The power supply of one device, as labgrid's PowerProtocol has it."""

    def on(self) -> None: ...
    def off(self) -> None: ...
    def is_on(self) -> bool: ...


class PoweredSwitch(SwitchView, ProofView, Protocol):
    def power_off(self, port: str) -> None: ...
    def power_on(self, port: str) -> None: ...


class PowerRefused(Exception):
    """The phone was not identified on its port: nothing was sent to the switch."""


class PhoneUnseen(PowerRefused):
    """Refused only because the phone's MAC is not learned on its port right now (a phone
    restarting has no link for a moment): nothing was sent; a caller expecting a restart may wait
    for the MAC and ask again, each time through a fresh proof."""


class PortLeftOff(SwitchError):
    """A port rig turned off could not be turned back on (after ON_ATTEMPTS, or not verified)."""


_left_off: list[str] = []
_left_off_lock = threading.Lock()


def left_off() -> list[str]:
    """Ports this process turned off and could not turn back on (`phone (switch port): why`)."""
    with _left_off_lock:
        return list(_left_off)


def _record_left_off(line: str) -> None:
    with _left_off_lock:
        _left_off.append(line)


class PoePort:
    """A phone's PoE switch port (PowerProtocol), journaled; use it through `switched_off`."""

    def __init__(self, switch: PoweredSwitch, phone: PortClaim, journal: Journal | None,
                 attempts: int = ON_ATTEMPTS) -> None:
        self.switch = switch
        self.phone = phone
        self.journal = journal
        self.attempts = attempts
        self.off_sent = False
        """`power inline never` may have reached the switch and no power-on was verified since."""
        self.gave_up = False
        """Power-on was tried `attempts` times and failed: the port is reported as left off."""

    def _journal(self, action: Literal["on", "off"], phase: Literal["intent", "done"]) -> None:
        if self.journal is not None:
            p = self.phone
            self.journal.write(PowerAction(phone=p.name, switch=p.switch, port=p.port, mac=p.mac,
                                           action=action, phase=phase))

    def _journal_after(self, action: Literal["on", "off"]) -> None:
        """The `done` of a change the switch already made: a journal that fails here changes
        nothing about the port (a resume then finds the port on and leaves it)."""
        try:
            self._journal(action, "done")
        except (OSError, ValueError) as error:  # ValueError: the journal was closed under us
            log.warning("%s: power %s not journaled: %s", self.phone.name, action, error)

    def off(self) -> None:
        """`power inline never`, its intent journaled first (an OSError there: nothing sent).

        An answer lost to a dropped session or a timeout is not taken as a refusal: when the
        port then reads off, the switch did it. Otherwise the error stands (and `switched_off`
        turns the port on again). Before anything, a fresh read must prove the phone on its port
        (rig.bench.port_proof: a moved cable, a MAC on two ports, an uplink or trunk refuse): PowerRefused."""
        proof = prove_port(self.switch, self.phone, to_power_off=True)
        if not proof.ok:
            raise (PhoneUnseen if proof.unseen else PowerRefused)(
                f"refusing to power off {self.phone.name}: {proof.evidence}")
        self._journal("off", "intent")
        self.off_sent = True  # from here on the switch may have heard it, whatever happens next
        try:
            self.switch.power_off(self.phone.port)
        except SwitchError:
            if not self._reads("off"):
                raise
        self._journal_after("off")

    def keep_off(self) -> None:
        """The switch took an off that was asked for (`rig power off`): `switched_off` leaves
        this port off."""
        self.off_sent = False

    def is_on(self) -> bool:
        """The port as the switch shows it now (a read that started after this call)."""
        (port,) = self.switch.poe_status(self.phone.port)
        return port.admin.lower() not in OFF_STATES

    def _reads(self, state: Literal["on", "off"]) -> bool:
        """True when a fresh read shows the port `state`; False when it does not or cannot be read."""
        try:
            return self.is_on() == (state == "on")
        except SwitchError:
            return False

    def on(self) -> None:
        """`power inline auto`, retried and verified by reading the port; PortLeftOff when it
        could not be. The journal is written after, never waited on before."""
        problem = "not tried"
        for _ in range(self.attempts):
            try:
                self.switch.power_on(self.phone.port)
                problem = "the switch still shows the port off"
            except SwitchError as error:  # the switch may still have done it: the read tells
                problem = str(error)
            if self._reads("on"):
                self.off_sent = self.gave_up = False
                self._journal_after("on")
                return
        self.gave_up = True
        line = f"{self.phone.name} ({self.phone.switch} {self.phone.port}): {problem}"
        _record_left_off(line)
        raise PortLeftOff(f"PORT LEFT OFF: {line}")


@contextlib.contextmanager
def switched_off(port: PoePort, hold: contextlib.AbstractContextManager[object] | None = None) -> Iterator[PoePort]:
    """The port off for the block, and on again however the block ends (holding `hold`, the
    switch's power-up budget, while it is turned on). The block may turn it on itself (`on()`),
    for instance to wait for the phone's draw; this only turns on what is still off."""
    try:
        port.off()
        yield port
    finally:
        if port.off_sent and not port.gave_up:
            with hold if hold is not None else contextlib.nullcontext():
                port.on()


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

    A cycle turns the port back on however the wait between off and on ends; a plain `off`
    leaves it off on purpose, unless the off itself failed (then it is turned on again).
    """
    identity = identify_for(switch, phone, action)
    if not identity.ok:
        raise PowerRefused(f"refusing to power {action} {phone.name}: {identity.evidence}")
    port = PoePort(switch, phone, journal)
    if action == "on":
        port.on()
    elif action == "cycle":
        with switched_off(port):
            wait(off_seconds)
    else:
        with switched_off(port):
            port.keep_off()
    return identity


class Waiter(Protocol):
    def __call__(self, seconds: float) -> object: ...
