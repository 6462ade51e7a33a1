"""Interface names as IOS prints them, and what every `show` reader of rig returns.

Interface names in parse results are canonical long names (`GigabitEthernet1/0/5`), whatever the
switch printed (`Gi1/0/5`, `Gig 1/0/5`); compare against `canonical_interface(config_port)`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TypeVar

from rig.drivers.errors import DeviceError

# Long interface type -> the abbreviation IOS prints in tables.
INTERFACE_TYPES: dict[str, str] = {
    "GigabitEthernet": "Gi",
    "FastEthernet": "Fa",
    "TenGigabitEthernet": "Te",
    "TwoGigabitEthernet": "Tw",
    "FiveGigabitEthernet": "Fi",
    "TwentyFiveGigE": "Twe",
    "FortyGigabitEthernet": "Fo",
    "HundredGigE": "Hu",
    "Ethernet": "Et",
    "Port-channel": "Po",
    "Vlan": "Vl",
    "AppGigabitEthernet": "Ap",
    # A router's WAN link, a CDP neighbour of ISR switch modules (`Interface: Serial0/0/0:1`, source:
    # genieparser iosxe/tests/ShowCdpNeighborsDetail/cli/equal/device_output_7_output.txt).
    "Serial": "Se",
}
# A type, at most one space, then slot/port numbers (`Gi1/0/5`, `Gig 1/0/5`), a channel group
# (`:1`) and a subinterface (`.1`). Nothing else may follow (`Gi1/0/1x`, `Gi1/0/1; reload`, a
# second line), since the name ends up in a CLI line.
_INTERFACE = re.compile(r"([A-Za-z][A-Za-z-]*?)-? ?(\d+(?:/\d+)*(?::\d+)?(?:\.\d+)?)")


class IosParseError(DeviceError, ValueError):
    """Switch output that is not the table the command should print."""

    part = "switch"


T = TypeVar("T")


class Rows(list[T]):
    """The rows read from one output, and `unread`: each line that looked like a row and could not
    be read, as `line N: 'text': why`. One odd line costs that row, never the whole table: a table
    lost to one line would make rig believe every phone on the switch is absent."""

    def __init__(self, rows: list[T] | None = None, unread: list[str] | None = None) -> None:
        super().__init__(rows or [])
        self.unread: list[str] = unread or []


def unexpected(command: str, text: str) -> IosParseError:
    """The error for text that is not the command's table at all, naming its first line."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return IosParseError(f"{command!r}: unexpected output: {first!r}")


def unread_line(number: int, line: str, why: str) -> str:
    """How an unreadable row is named: its 1-based line number, its text, the reason."""
    return f"line {number}: {line.strip()!r}: {why}"


@lru_cache(maxsize=4096)  # every row of every switch table read: a bench's few hundred ports, over and over
def canonical_interface(name: str) -> str:
    """`Gi1/0/5`, `gi1/0/5`, `Gig 1/0/5`, `GigabitEthernet1/0/5` -> `GigabitEthernet1/0/5`.

    Any unambiguous prefix of a type is accepted, as IOS does; the usual abbreviations settle
    the ambiguous ones (`Tw` is TwoGigabitEthernet, `Twe` TwentyFiveGigE). Raises ValueError
    naming the input otherwise.
    """
    m = _INTERFACE.fullmatch(name.strip(" \t"))
    if m is None:
        raise ValueError(f"not an interface name: {name!r}")
    prefix, number = m.group(1).lower(), m.group(2)
    exact = [long for long, short in INTERFACE_TYPES.items() if short.lower() == prefix]
    candidates = exact or [long for long in INTERFACE_TYPES if long.lower().startswith(prefix)]
    if len(candidates) != 1:
        kind = "ambiguous" if candidates else "unknown"
        raise ValueError(f"{kind} interface type in {name!r}")
    return f"{candidates[0]}{number}"


def short_interface(name: str) -> str:
    """`GigabitEthernet1/0/5` -> `Gi1/0/5`, the spelling `show` tables use."""
    long = canonical_interface(name)
    m = _INTERFACE.fullmatch(long)
    assert m is not None
    return f"{INTERFACE_TYPES[m.group(1)]}{m.group(2)}"


def stack_member(interface: str) -> str:
    """The stack member of a `type member/module/port` name (`GigabitEthernet2/0/5` -> "2"); ""
    for names without three numbers (a standalone `Gi0/5`, a chassis `Gi1/16`)."""
    numbers = interface.split("/")
    return re.sub(r"^\D+", "", numbers[0]) if len(numbers) == 3 else ""


def interface_or_error(command: str, name: str) -> str:
    """The canonical name, or IosParseError naming the command."""
    try:
        return canonical_interface(name)
    except ValueError as exc:
        raise IosParseError(f"{command!r}: {exc}") from exc
