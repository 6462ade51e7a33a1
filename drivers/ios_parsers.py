"""Reading IOS `show` output into dataclasses: the MAC table and the brief CDP table on top of
ntc-templates (TextFSM), and the one place every reader of the commands rig sends is imported from.

`show power inline` (rig.drivers.ios_poe) and `show cdp neighbors detail` (rig.drivers.ios_cdp) are read
row by row instead: real stacks, chassis and CDP entries defeat their templates (docs/switches.md).
What this module adds on ntc-templates: typed values, canonical interface names and MACs, and a
loud error when the text is not the table it should be - a silent empty list would make rig
believe a phone is absent and skip it, or worse, act on the wrong port.

Interface names in the results are canonical long names (`GigabitEthernet1/0/5`), whatever the
switch printed (`Gi1/0/5`, `Gig 1/0/5`); compare against `canonical_interface(config_port)`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from textfsm import TextFSM, TextFSMError

from rig.drivers.ios_cdp import CdpNeighbor, parse_cdp_neighbors_detail
from rig.drivers.ios_names import (INTERFACE_TYPES, IosParseError, Rows, canonical_interface, interface_or_error,
                               short_interface, unexpected, unread_line)
from rig.drivers.ios_poe import PoePort, parse_power_inline
from rig.drivers.macaddr import normalize_mac

# The readers of every command rig sends, whichever module holds them.
__all__ = ["INTERFACE_TYPES", "CdpNeighbor", "IosParseError", "MacEntry", "PoePort", "Rows", "canonical_interface",
           "parse_cdp_neighbors", "parse_cdp_neighbors_detail", "parse_mac_table", "parse_power_inline",
           "short_interface"]


@dataclass(frozen=True)
class MacEntry:
    mac: str  # canonical 12-hex upper
    vlan: int | None  # None for the `All` rows
    port: str  # canonical interface, or the switch's word (CPU, Switch, Router)


# The ntc-templates template for each command rig sends (its index maps them the same way).
TEMPLATES: dict[str, str] = {
    "show cdp neighbors": "cisco_ios_show_cdp_neighbors.textfsm",
    "show mac address-table": "cisco_ios_show_mac-address-table.textfsm",
    "show interfaces switchport": "cisco_ios_show_interfaces_switchport.textfsm",
}


@cache
def _fsm(command: str) -> tuple[TextFSM, threading.Lock]:
    """The command's template, compiled once: compiling it on every call (as ntc-templates'
    `parse_output` does) was most of the CPU a bench of 48 phones spent parsing."""
    template = files("ntc_templates") / "templates" / TEMPLATES[command]
    with template.open() as f:
        return TextFSM(f), threading.Lock()


def _rows(command: str, text: str, header: str) -> list[dict[str, Any]]:
    """ntc-templates rows; an error when non-empty text has no `header` line and no rows.

    A line the template cannot read inside the table refuses the whole table, named: these tables
    prove where a phone is before its port is powered off, and a row left out could be the phone
    learned on a second port (unlike `show power inline`, read row by row: docs/switches.md)."""
    fsm, lock = _fsm(command)
    try:
        with lock:
            fsm.Reset()
            rows = [{k.lower(): v for k, v in row.items()} for row in fsm.ParseTextToDicts(text)]
    except TextFSMError as exc:
        raise _refused(command, text, exc) from exc
    if not rows and text.strip() and not re.search(header, text, re.MULTILINE):
        raise unexpected(command, text)
    return rows


def _refused(command: str, text: str, error: TextFSMError) -> IosParseError:
    """Name the line the template stopped at, when it read lines of the table before it; a
    template stopping at the first line means the text is not the table at all (a banner,
    `Login invalid`)."""
    stopped = re.search(r"Input Line: (.*)$", str(error))
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    at = next((n for n, line in lines if stopped and line.rstrip() == stopped.group(1).rstrip()), None)
    if stopped is None or at is None or at == lines[0][0]:
        return unexpected(command, text)
    return IosParseError(f"{command!r}: table refused whole at {unread_line(at, stopped.group(1), 'not a row')}")


def parse_cdp_neighbors(text: str) -> list[CdpNeighbor]:
    """`show cdp neighbors`: the brief table (platform truncated, no address)."""
    command = "show cdp neighbors"
    return [
        CdpNeighbor(
            device_id=row["neighbor_name"],
            local_interface=interface_or_error(command, row["local_interface"]),
            platform=row["platform"],
            port_id=row["neighbor_interface"],
            ip=None,
        )
        for row in _rows(command, text, r"^Device ID\s+Local Intrfce")
    ]


def parse_mac_table(text: str) -> list[MacEntry]:
    """`show mac address-table [interface IF]`: one MacEntry per (MAC, VLAN, port)."""
    command = "show mac address-table"
    entries = []
    for row in _rows(command, text, r"^\s*(Vlan|vlan)\s+(Mac|mac) (Address|address)"):
        vlan = row["vlan_id"]
        for port in row["destination_port"]:
            try:
                port = canonical_interface(port)
            except ValueError:
                pass  # CPU, Switch, Router: not an interface, kept as printed
            entries.append(
                MacEntry(
                    mac=normalize_mac(row["destination_address"]),
                    vlan=int(vlan) if vlan.isdigit() else None,
                    port=port,
                )
            )
    return entries
