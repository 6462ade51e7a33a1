"""The PoE budget lines of `show power inline`, which ntc-templates skips.

Two layouts are in the real captures of `tests/fixtures/real/ios/`: the IOS-XE / Catalyst 3850
`Module   Available     Used     Remaining` table (on a stack one block per member, each before that
member's ports, in watts) and the IOS 12.2 / Catalyst 4500 line `Available:370.0(w)  Used:55.6(w)
Remaining:314.4(w)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PoeBudget:
    module: str
    """Stack member or module number; "" for the single-line layout."""
    available: float
    used: float
    remaining: float


_LINE = re.compile(r"^Available:\s*([\d.]+)\s*\(w\)\s+Used:\s*([\d.]+)\s*\(w\)\s+Remaining:\s*([\d.]+)\s*\(w\)",
                   re.MULTILINE)
_TABLE = re.compile(r"^Module\s+Available\s+Used\s+Remaining\s*$", re.MULTILINE)
_ROW = re.compile(r"^\s*(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$", re.MULTILINE)


def parse_power_budget(text: str) -> list[PoeBudget]:
    """Every budget row of the output, one per stack member or module; empty when the switch prints
    none. A stack prints one `Module` block per member, and a real 5-member capture repeats the
    port header inside one block (genieparser iosxe ShowPowerInline golden_output_1): a budget row
    is read wherever it stands once the output has a `Module` header, and nothing else has its
    shape (a number, then three figures)."""
    found = [PoeBudget("", *map(float, m.groups())) for m in _LINE.finditer(text)]
    if _TABLE.search(text) is not None:
        found += [PoeBudget(m.group(1), *map(float, m.groups()[1:])) for m in _ROW.finditer(text)]
    return found
