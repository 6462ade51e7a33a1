"""Reading IOS `show` output into dataclasses, on top of ntc-templates (TextFSM).

ntc-templates is the community-maintained template set that already reads `show power inline`,
`show cdp neighbors [detail]` and `show mac address-table` across IOS 12.2 to IOS-XE 17 layouts
(its test captures are rig's fixtures); hand-written regexes would re-learn every column quirk.
This module adds what rig needs on top: typed values, canonical interface names and MACs, and a
loud error when the text is not the table it should be - a silent empty list would make rig
believe a phone is absent and skip it, or worse, act on the wrong port.

Interface names in the results are canonical long names (`GigabitEthernet1/0/5`), whatever the
switch printed (`Gi1/0/5`, `Gig 1/0/5`); compare against `canonical_interface(config_port)`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

from textfsm import TextFSM, TextFSMError

from drivers.macaddr import normalize_mac

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
}
# A type, at most one space, then slot/port numbers: `Gi1/0/5`, `Gig 1/0/5`. Nothing else may
# follow (`Gi1/0/1x`, `Gi1/0/1; reload`, a second line), since the name ends up in a CLI line.
_INTERFACE = re.compile(r"([A-Za-z][A-Za-z-]*?)-? ?(\d+(?:/\d+)*(?:\.\d+)?)")


class IosParseError(ValueError):
    """Switch output that is not the table the command should print."""


@dataclass(frozen=True)
class PoePort:
    interface: str
    admin: str  # auto | off | static ...
    oper: str  # on | off | faulty | power-deny ...
    watts: float
    device: str  # "IP Phone 7942", "Ieee PD", "n/a" or ""
    poe_class: str  # "2", "n/a" or ""
    max_watts: float | None


@dataclass(frozen=True)
class CdpNeighbor:
    device_id: str
    local_interface: str
    platform: str  # "Cisco IP Phone 7942"
    port_id: str
    ip: str | None
    # First line under `Version :` (a phone's running load, e.g. SCCP42.8-4-2S); detail only.
    version: str | None = None
    # `Power drawn: 6.300 Watts` of a PoE device; detail only, absent for most neighbours.
    power_drawn: float | None = None
    # `Capabilities: Router Switch IGMP`, `Host Phone Two-port Mac Relay`; detail only.
    capabilities: str = ""


@dataclass(frozen=True)
class MacEntry:
    mac: str  # canonical 12-hex upper
    vlan: int | None  # None for the `All` rows
    port: str  # canonical interface, or the switch's word (CPU, Switch, Router)


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


# The ntc-templates template for each command rig sends (its index maps them the same way).
TEMPLATES: dict[str, str] = {
    "show power inline": "cisco_ios_show_power_inline.textfsm",
    "show cdp neighbors": "cisco_ios_show_cdp_neighbors.textfsm",
    "show cdp neighbors detail": "cisco_ios_show_cdp_neighbors_detail.textfsm",
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
    """ntc-templates rows; an error when non-empty text has no `header` line and no rows."""
    fsm, lock = _fsm(command)
    try:
        with lock:
            fsm.Reset()
            rows = [{k.lower(): v for k, v in row.items()} for row in fsm.ParseTextToDicts(text)]
    except TextFSMError as exc:
        raise IosParseError(f"{command!r}: unexpected output: {_first_line(text)!r}") from exc
    if not rows and text.strip() and not re.search(header, text, re.MULTILINE):
        raise IosParseError(f"{command!r}: unexpected output: {_first_line(text)!r}")
    return rows


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _interface(command: str, name: str) -> str:
    try:
        return canonical_interface(name)
    except ValueError as exc:
        raise IosParseError(f"{command!r}: {exc}") from exc


def parse_power_inline(text: str) -> list[PoePort]:
    """`show power inline [IF]`: one PoePort per port row (every platform in the fixtures)."""
    command = "show power inline"
    ports = []
    for row in _rows(command, text, r"^Interface\s+Admin|^%No inline power"):
        ports.append(
            PoePort(
                interface=_interface(command, row["interface"]),
                admin=row["admin_status"],
                oper=row["operational_status"],
                watts=float(row["power"]),
                device=row["device"],
                poe_class=row["class"],
                max_watts=float(row["max"]) if row["max"] else None,
            )
        )
    return ports


def parse_cdp_neighbors(text: str) -> list[CdpNeighbor]:
    """`show cdp neighbors`: the brief table (platform truncated, no address)."""
    command = "show cdp neighbors"
    return [
        CdpNeighbor(
            device_id=row["neighbor_name"],
            local_interface=_interface(command, row["local_interface"]),
            platform=row["platform"],
            port_id=row["neighbor_interface"],
            ip=None,
        )
        for row in _rows(command, text, r"^Device ID\s+Local Intrfce")
    ]


def parse_cdp_neighbors_detail(text: str) -> list[CdpNeighbor]:
    """`show cdp neighbors detail`: full platform (`Cisco IP Phone 7942`), IP address, the
    first `Version :` line (ntc-templates' NEIGHBOR_DESCRIPTION) and the PoE draw if shown."""
    command = "show cdp neighbors detail"
    rows = _rows(command, text, r"^Total cdp entries displayed")
    draws = _power_drawn(text)
    return [
        CdpNeighbor(
            device_id=row["neighbor_name"],
            local_interface=_interface(command, row["local_interface"]),
            platform=row["platform"].strip(),
            port_id=row["neighbor_interface"].strip(),
            ip=row["mgmt_address"] or None,
            version=row["neighbor_description"].strip() or None,
            power_drawn=draws.get((row["neighbor_name"], row["local_interface"].strip())),
            capabilities=row["capabilities"].strip(),
        )
        for row in rows
    ]


_DEVICE_ID = re.compile(r"^Device ID: *(\S+)", re.MULTILINE)
_ENTRY_INTERFACE = re.compile(r"^Interface: ([^,]+),", re.MULTILINE)
_POWER_DRAWN = re.compile(r"^Power drawn: *([\d.]+) *Watts", re.MULTILINE)


def _power_drawn(text: str) -> dict[tuple[str, str], float]:
    """`Power drawn` per (device id, local interface) entry; the template does not read it."""
    starts = [m.start() for m in _DEVICE_ID.finditer(text)] + [len(text)]
    draws = {}
    for begin, end in zip(starts, starts[1:]):
        entry = text[begin:end]
        device, interface, power = (_DEVICE_ID.search(entry), _ENTRY_INTERFACE.search(entry),
                                    _POWER_DRAWN.search(entry))
        if device and interface and power:
            draws[(device.group(1), interface.group(1).strip())] = float(power.group(1))
    return draws


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
