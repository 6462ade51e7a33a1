"""The PoE budget lines of `show power inline`, which ntc-templates skips.

Two layouts are in the real captures of `tests/fixtures/real/ios/show_power_inline/`: the IOS-XE /
Catalyst 3850 `Module   Available     Used     Remaining` table (one row per stack member, in
watts) and the IOS 12.2 / Catalyst 4500 line `Available:370.0(w)  Used:55.6(w)  Remaining:314.4(w)`.
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
_ROW = re.compile(r"^\s*(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$")


def parse_power_budget(text: str) -> list[PoeBudget]:
    """Every budget row of the output; empty when the switch prints none (no PoE budget shown)."""
    found = [PoeBudget("", *map(float, m.groups())) for m in _LINE.finditer(text)]
    table = _TABLE.search(text)
    if table is not None:
        for line in text[table.end():].splitlines():
            row = _ROW.match(line)
            if row:
                found.append(PoeBudget(row.group(1), *map(float, row.groups()[1:])))
            elif line.strip().startswith("Interface"):
                break
    return found
