"""A phone's power switched by a person: the field-mode power supply (PowerProtocol).

labgrid's ManualPowerDriver is the model: the power supply is a person, asked to switch it. Here
the person is the bench's operator (rig.drivers.operator), and a phone's power is switched by
unplugging it (PoE cable or power supply) and plugging it back in. The asks are numbered as the
two halves of one power cycle, the only thing rig asks a person to do with a phone's power.
"""

from __future__ import annotations

from rig.drivers.operator import Ask, Operator


class ManualPower:
    """A phone's power, switched by the person at `operator`'s end (PowerProtocol)."""

    def __init__(self, operator: Operator, phone: str) -> None:
        self.operator = operator
        self.phone = phone
        """Who the person looks for: `desk-03 (SEP001D705F0002, 10.0.0.3)`."""
        self.powered = True
        """What the person was last asked to leave it: a phone rig finds is plugged in."""

    def off(self) -> None:
        """Returns once the person has unplugged it; OperatorError, OperatorSkipped or
        OperatorStopped otherwise (rig.drivers.operator)."""
        self.operator.ask(Ask(self.phone, "unplug it now", 1, 2))
        self.powered = False

    def on(self) -> None:
        """Returns once the person has plugged it back in (the operator's errors as for off)."""
        self.operator.ask(Ask(self.phone, "plug it back in", 2, 2))
        self.powered = True

    def is_on(self) -> bool:
        """What the person last did: rig cannot read a power supply it does not control."""
        return self.powered
