"""`show power inline [IF]` read line by line, every layout of the real captures in one reader.

ntc-templates' template reads one table per output well, but a stack prints one `Module Available
Used Remaining` block per member, and one member's block in a real 5-member capture repeats its
`Interface Admin` header in the middle (genieparser iosxe/tests/ShowPowerInline golden_output_1);
a chassis answers a one-port query with the port row and then an `Interface AdminPowerMax
AdminConsumption` table (golden_output_5). A row-by-row reader keeps going through all of that,
attributes each port to the member whose block it is in, and names a row it cannot read instead of
losing the table (docs/switches.md lists the layouts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rig.drivers.ios_names import Rows, canonical_interface, stack_member, unexpected, unread_line


@dataclass(frozen=True)
class PoePort:
    interface: str
    admin: str  # auto | off | static ...
    oper: str  # on | off | faulty | power-deny ...
    watts: float
    device: str  # "IP Phone 7942", "Ieee PD", "n/a" or ""
    poe_class: str  # "2", "n/a" or ""
    max_watts: float | None
    member: str = ""
    """The stack member or module whose budget the port draws on ("" on a one-budget switch)."""


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_BUDGET_ROW = re.compile(r"^\s*(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s*$")
# The headers of port tables: `Max` last (IOS 12.2 to IOS-XE 17), the 4500's `From PS To Device`
# pair under `Power(Watts)`, the 6880's `Priority ... Police ActConsumption`, and the one-port
# `AdminPowerMax AdminConsumption` table whose rows repeat the port (read, not port status).
_HEADERS = {
    "max": re.compile(r"^Interface\s+Admin\s+Oper\s+Power\s+Device\s+Class\s+Max\s*$"),
    "from_ps": re.compile(r"^Interface\s+Admin\s+Oper\s+Power\(Watts\)\s+Device\s+Class\s*$"),
    "police": re.compile(r"^Interface\s+Admin\s+Priority\s+Oper\b"),
    "admin_max": re.compile(r"^Interface\s+AdminPowerMax\s+AdminConsumption\s*$"),
}
_CLASS = re.compile(r"^(\d|n/a)$")
_MODULE = re.compile(r"^Module\s+Available\s+Used\s+Remaining")


def _port_row(layout: str, fields: list[str]) -> tuple[float, str, str, float | None] | str:
    """(watts, device, class, max) of the fields after `IF admin oper`, or why they are not a row."""
    if layout == "max":
        if not fields or not _NUMBER.fullmatch(fields[0]):
            return "no power figure"
        rest = fields[1:]
        if len(rest) >= 2 and _NUMBER.fullmatch(rest[-1]) and _CLASS.match(rest[-2]):
            return float(fields[0]), " ".join(rest[:-2]), rest[-2], float(rest[-1])
        if not rest:  # `Gi1/0/4   auto   off        0.0` (a real row: device and class blank)
            return float(fields[0]), "", "", None
        return "no class and max after the device"
    if layout == "from_ps":  # From PS, To Device, device, class: the port's draw is To Device
        if len(fields) < 4 or not all(_NUMBER.fullmatch(f) for f in fields[:2]) or not _CLASS.match(fields[-1]):
            return "not `from-PS to-device device class`"
        return float(fields[1]), " ".join(fields[2:-1]), fields[-1], None
    return f"no reader for this table's layout ({layout})"


def parse_power_inline(text: str) -> Rows[PoePort]:
    """Every port row of `show power inline [IF]`, each with its member; `unread` names the rest."""
    ports: Rows[PoePort] = Rows()
    layout: str | None = None
    member = ""
    for number, line in enumerate(text.splitlines(), 1):
        header = next((name for name, pattern in _HEADERS.items() if pattern.match(line)), None)
        if header is not None:
            layout = header
            continue
        if _MODULE.match(line):  # a new member's block: its number comes on its budget row
            member = ""
            continue
        budget = _BUDGET_ROW.match(line)
        if budget is not None:
            member = budget.group(1)
            continue
        fields = line.split()
        if layout is None or layout == "admin_max" or len(fields) < 3:
            continue
        try:
            interface = canonical_interface(fields[0])
        except ValueError:
            continue  # a header, rule, (Watts) or Totals line
        row = _port_row(layout, fields[3:])
        if isinstance(row, str):
            ports.unread.append(unread_line(number, line, row))
            continue
        ports.append(PoePort(interface, fields[1], fields[2], *row, member=member or stack_member(interface)))
    if not ports and not ports.unread and text.strip() and layout is None and "%No inline power" not in text:
        raise unexpected("show power inline", text)
    return ports
