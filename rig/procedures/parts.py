"""A phone's bench parts, chosen once when its run is set up: field mode is a choice of parts.

labgrid binds a target's drivers from its environment; rig binds each phone's parts from its
config (`PhoneConfig.power_part`, `PhoneConfig.identity_part`), here and nowhere else:

- power: its PoE port on a switch (`PoePower`), or a person who unplugs it (`HandPower`, field mode);
- identification: the switch's tables (`SwitchTables`), or the phone's own answer and CUCM's at
  its IP (`OwnAnswer`, field mode).

Keys (`Bench.keypads`, a list of backends tried in order) and the console (`Bench.console`) were
parts already. The steps use `ctx.power` and `ctx.identification` and never ask whether a switch
exists.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rig.actions.manual_power import ManualPower
from rig.config.lab import IdentityPart, PhoneConfig, PowerPart
from rig.procedures.identify import Identification, OwnAnswer, SwitchTables
from rig.procedures.power_parts import HandPower, PhonePower, PoePower

if TYPE_CHECKING:
    from rig.bench.build import Bench


@dataclass(frozen=True)
class PhoneParts:
    power: PhonePower
    identification: Identification


def parts_for(bench: "Bench", phone: PhoneConfig, budgets: Mapping[str, threading.Semaphore]) -> PhoneParts:
    """The phone's parts on `bench`; `budgets` holds each switch's power-up budget
    (parallel.powerup_per_switch), shared by the phones of that switch."""
    return PhoneParts(power=_POWER[phone.power_part](bench, phone, budgets),
                      identification=_IDENTIFICATION[phone.identity_part](bench, phone))


def _poe_power(bench: "Bench", phone: PhoneConfig, budgets: Mapping[str, threading.Semaphore]) -> PhonePower:
    return PoePower(bench.switch(phone.switch), phone, budgets[phone.switch])


def _hand_power(bench: "Bench", phone: PhoneConfig, _: Mapping[str, threading.Semaphore]) -> PhonePower:
    return HandPower(ManualPower(bench.operator, f"{phone.name} (SEP{phone.mac}, {phone.ip})"))


_POWER: dict[PowerPart, Callable[["Bench", PhoneConfig, Mapping[str, threading.Semaphore]], PhonePower]] = {
    "poe_port": _poe_power, "by_hand": _hand_power,
}
_IDENTIFICATION: dict[IdentityPart, Callable[["Bench", PhoneConfig], Identification]] = {
    "switch_tables": lambda bench, phone: SwitchTables(bench.switch(phone.switch), phone),
    "own_answer": lambda bench, phone: OwnAnswer(),
}
