"""Ports grouped into IOS `interface range` operands, so one configuration session sets many ports.

Syntax and limit (source: Cisco Catalyst 3750 Switch Software Configuration Guide, 15.0(2)SE,
"Configuring Interface Characteristics" > "Configuring a Range of Interfaces",
https://cisco.com/c/en/us/td/docs/switches/lan/catalyst3750/software/release/15-0_2_se/configuration/guide/scg3750/swint.html;
the same guideline in the 3550/3560 guides): `interface range` takes up to five comma-separated
ranges, each a first interface and, after a hyphen, the last port number of the same module
(`GigabitEthernet1/0/10 - 12 , GigabitEthernet1/0/18 - 20`, as Network Warrior's 3750 transcript
spells it, spaces around `-` and `,`). The guide wants the interfaces of a range of one type;
one command here never mixes types. All ports of one command share a configuration.
"""

from __future__ import annotations

from collections.abc import Iterable

from rig.drivers.ios_parsers import canonical_interface

MAX_RANGES_PER_COMMAND = 5


def _split(long_name: str) -> tuple[str, int]:
    """(`GigabitEthernet1/0/`, 5) for `GigabitEthernet1/0/5`."""
    head = long_name.rstrip("0123456789")
    return head, int(long_name[len(head):])


def _runs(numbers: dict[str, set[int]]) -> list[str]:
    """Consecutive ports of one module as `first - last`, single ports alone, in port order."""
    runs: list[str] = []
    for head in sorted(numbers):
        ordered = sorted(numbers[head])
        start = previous = ordered[0]
        for number in [*ordered[1:], None]:
            if number is not None and number == previous + 1:
                previous = number
                continue
            runs.append(f"{head}{start}" if start == previous else f"{head}{start} - {previous}")
            if number is not None:
                start = previous = number
    return runs


def interface_ranges(ports: Iterable[str]) -> list[str]:
    """`interface range` commands covering exactly `ports` (each at most five ranges).

    Ports are validated (`canonical_interface`): no command is built from unvalidated text.
    """
    by_type: dict[str, dict[str, set[int]]] = {}
    for port in ports:
        head, number = _split(canonical_interface(port))
        kind = head.rstrip("0123456789/")
        by_type.setdefault(kind, {}).setdefault(head, set()).add(number)
    commands: list[str] = []
    for kind in sorted(by_type):
        runs = _runs(by_type[kind])
        commands += ["interface range " + " , ".join(runs[i:i + MAX_RANGES_PER_COMMAND])
                     for i in range(0, len(runs), MAX_RANGES_PER_COMMAND)]
    return commands
