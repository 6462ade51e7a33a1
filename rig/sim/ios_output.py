"""`show` output of the simulated switch, laid out column for column like a Catalyst 3850/9300.

The shapes copy real captures (IOS-XE 16.x: the `Module` power block, the `Mac Address Table`
banner, the IOS 15 CDP table with its wrapped long device ids) because the point of the simulated
switch is that parsers written for real switches - ntc-templates, rig's own - read it unchanged.
Functions here only format; what a port shows is decided by `rig.sim.ios_cli`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rig.sim.names import ios_mac

MAX_WATTS = 15.4
"""Per-port power limit shown in the Max column (802.3af; a 7942 is class 2)."""

MODULE_BUDGET_WATTS = 740.0
"""Available PoE watts of a stack member unless the simulation sets its own (a real 48-port member's
`1  740.0  330.0  410.0`: ntc-templates cisco_ios_show_power_inline.raw)."""


@dataclass(frozen=True)
class PoeRow:
    interface: str  # short form, e.g. Gi1/0/5
    admin: str  # auto | off (IOS shows `off` for `power inline never`)
    oper: str  # on | off
    watts: float
    device: str  # IP Phone 7942 | Ieee PD | n/a
    poe_class: str  # 2 | n/a


@dataclass(frozen=True)
class CdpRow:
    device_id: str
    local_interface: str  # long form, e.g. GigabitEthernet1/0/5
    cdp_interface: str  # CDP short form, e.g. Gig 1/0/5
    holdtime: int
    capabilities: str  # Host Phone
    platform: str  # Cisco IP Phone 7942
    port_id: str
    ip: str
    software: str
    power_drawn_w: float
    power_request_id: int


@dataclass(frozen=True)
class SwitchportBlock:
    interface: str  # short form, e.g. Gi1/0/5
    trunk: bool
    up: bool
    voice_vlan: int | None


@dataclass(frozen=True)
class MacRow:
    vlan: str  # "All" or a number
    mac: str  # canonical 12-hex
    kind: str  # STATIC | DYNAMIC
    port: str  # Gi1/0/5 | CPU


_CAPABILITY_CODES = {
    "Router": "R",
    "Trans-Bridge": "T",
    "Source-Route-Bridge": "B",
    "Switch": "S",
    "Host": "H",
    "IGMP": "I",
    "Repeater": "r",
    "Phone": "P",
}

_CPU_MACS = ("0100.0ccc.cccc", "0100.0ccc.cccd", "0180.c200.0000", "ffff.ffff.ffff")


def lines(*rows: str) -> str:
    """Join output lines the way IOS sends them: CRLF after every line."""
    return "".join(f"{row}\r\n" for row in rows)


def _poe_table(rows: list[PoeRow]) -> list[str]:
    out = [
        "Interface Admin  Oper       Power   Device              Class Max",
        "                            (Watts)                            ",
        "--------- ------ ---------- ------- ------------------- ----- ----",
    ]
    for r in rows:
        out.append(
            f"{r.interface:<9} {r.admin:<6} {r.oper:<10} {r.watts:<7.1f} {r.device:<19} "
            f"{r.poe_class:<5} {MAX_WATTS:<4.1f} "
        )
    return out


def _member(interface: str) -> int:
    """`Gi2/0/5` -> 2: the stack member of a port name."""
    m = re.match(r"[A-Za-z-]*(\d+)/", interface)
    return int(m.group(1)) if m else 1


def power_inline(rows: list[PoeRow], *, budgets: dict[int, float] | None) -> str:
    """`show power inline [IF]`: for the whole-switch form (`budgets`, member -> available watts),
    one `Module` budget block per stack member, each followed by its ports and their totals, blocks
    two blank lines apart (source: ntc-templates cisco_ios_show_power_inline_whitespace.raw, a
    5-member stack); the one-port form is the port table alone."""
    if budgets is None:
        return lines(*_poe_table(rows))
    out: list[str] = []
    for member, available in sorted(budgets.items()):
        mine = [r for r in rows if _member(r.interface) == member]
        used = sum(r.watts for r in mine)
        out += [
            *(["", ""] if out else [""]),
            "Module   Available     Used     Remaining",
            "          (Watts)     (Watts)    (Watts) ",
            "------   ---------   --------   ---------",
            f"{member:<8} {available:>8.1f}   {used:>8.1f}   {available - used:>9.1f}",
            *_poe_table(mine),
            "--------- ------ ---------- ---------- ---------- ------ ----- ",
            f"Totals:          {sum(1 for r in mine if r.oper == 'on'):<4} on    {used:<10.1f}",
        ]
    return lines(*out, "")


def power_inline_detail(rows: list[PoeRow]) -> str:
    """`show power inline [IF] detail`: one block per port (abridged 16.x layout)."""
    out: list[str] = []
    for r in rows:
        detected = "yes" if r.oper == "on" else "no"
        out += [
            f" Interface: {r.interface}",
            f" Inline Power Mode: {r.admin}",
            f" Operational status: {r.oper}",
            f" Device Detected: {detected}",
            f" Device Type: {r.device}",
            f" IEEE Class: {r.poe_class}",
            " Discovery mechanism used/configured: Ieee and Cisco",
            " Police: off",
            "",
            " Power Allocated ",
            f" Admin Value: {MAX_WATTS:.1f}",
            f" Power drawn from the source: {r.watts:.1f}",
            f" Power available to the device: {MAX_WATTS if r.oper == 'on' else 0.0:.1f}",
            "",
        ]
    return lines(*out)


def _capability_codes(capabilities: str) -> str:
    """`Host Phone` -> `H P M`: a phone with a PC port is also a two-port MAC relay."""
    codes = [_CAPABILITY_CODES[w] for w in capabilities.split() if w in _CAPABILITY_CODES]
    if "P" in codes:
        codes.append("M")
    return " ".join(codes)


def _short_platform(platform: str) -> str:
    """The brief table shows `IP Phone` for `Cisco IP Phone 7942`, as real switches do."""
    words = platform.removeprefix("Cisco ").split()
    return " ".join(words[:2]) if words[:2] == ["IP", "Phone"] else (words[0] if words else "")


def cdp_neighbors(rows: list[CdpRow]) -> str:
    """`show cdp neighbors`: IOS 15 layout; a device id over 16 characters gets its own line."""
    out = [
        "Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge",
        "                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone, ",
        "                  D - Remote, C - CVTA, M - Two-port Mac Relay ",
        "",
        "Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID",
    ]
    for r in rows:
        tail = (
            f"{r.cdp_interface:<18}{r.holdtime:<11}{_capability_codes(r.capabilities):>12}  "
            f"{_short_platform(r.platform):<10}{r.port_id}"
        )
        if len(r.device_id) > 16:
            out += [r.device_id, " " * 17 + tail]
        else:
            out.append(f"{r.device_id:<17}{tail}")
    out += ["", f"Total cdp entries displayed : {len(rows)}"]
    return lines(*out)


def cdp_neighbors_detail(rows: list[CdpRow]) -> str:
    """`show cdp neighbors detail`: one block per neighbour as a 7942 advertises itself.

    source: a real IOS 15.2(2)E5 `show cdp neighbors detail` with 7942/7962 phones (a public
    Django CDP tool's sample, find_string `SEP0021D8BA0965`; tests/fixtures/real/cdp/): blank
    lines holding one space, `Second Port Status`, the load alone on the line after `Version :`,
    `Power drawn: 6.300 Watts`, the power request lines, no management address for a phone.
    A switch behind the port shows neither the phone's second port nor its power lines (as the
    switches of tests/fixtures/real/ios/show_cdp_neighbors_detail do).
    """
    out: list[str] = []
    for r in rows:
        phone = "Phone" in r.capabilities.split()
        milliwatts = round(r.power_drawn_w * 1000)
        out += [
            "-------------------------",
            f"Device ID: {r.device_id}",
            "Entry address(es):",
            f"  IP address: {r.ip}",
            f"Platform: {r.platform},  Capabilities: {r.capabilities}",
            f"Interface: {r.local_interface},  Port ID (outgoing port): {r.port_id}",
            f"Holdtime : {r.holdtime} sec",
            *(["Second Port Status: Down"] if phone else []),
            " ",
            "Version :",
            r.software,
            " ",
            "advertisement version: 2",
            "Duplex: full",
            *([f"Power drawn: {r.power_drawn_w:.3f} Watts",
               f"Power request id: {r.power_request_id}, Power management id: 3",
               f"Power request levels are:{milliwatts} 0 0 0 0"] if phone else []),
            " ",
        ]
    out += ["", f"Total cdp entries displayed : {len(rows)}"]
    return lines(*out)


_PVLAN_LINES = [f"Administrative private-vlan {what}" for what in (
    "host-association: none", "mapping: none", "trunk native VLAN: none", "trunk Native VLAN tagging: enabled",
    "trunk encapsulation: dot1q", "trunk normal VLANs: none", "trunk associations: none", "trunk mappings: none")]


def switchport(blocks: list[SwitchportBlock]) -> str:
    """`show interfaces [IF] switchport`, one block per port, as a Catalyst 9300 on IOS-XE prints it.

    source: tests/fixtures/real/ios/show_interfaces_switchport/
    cisco_ios_show_interfaces_switchport_app_interfaces.raw (ntc-templates): an access port up
    (`Operational Trunking Encapsulation: native`), one down (no such line, `Operational Mode:
    down`) and a trunk (`Administrative Mode: trunk`, `Negotiation of Trunking: On`)."""
    out: list[str] = []
    for b in blocks:
        mode = "trunk" if b.trunk else "static access"
        voice = f"{b.voice_vlan} (VLAN{b.voice_vlan:04d})" if b.voice_vlan is not None and not b.trunk else "none"
        out += [
            f"Name: {b.interface}",
            "Switchport: Enabled",
            f"Administrative Mode: {mode}",
            f"Operational Mode: {mode if b.up else 'down'}",
            "Administrative Trunking Encapsulation: dot1q",
            *([f"Operational Trunking Encapsulation: {'dot1q' if b.trunk else 'native'}"] if b.up else []),
            f"Negotiation of Trunking: {'On' if b.trunk else 'Off'}",
            "Access Mode VLAN: 1 (default)",
            "Trunking Native Mode VLAN: 1 (default)",
            "Administrative Native VLAN tagging: disabled",
            f"Voice VLAN: {voice}",
            *_PVLAN_LINES,
            "Operational private-vlan: none",
            "Trunking VLANs Enabled: ALL",
            "Pruning VLANs Enabled: 2-1001",
            "Capture Mode Disabled",
            "Capture VLANs Allowed: ALL",
            "",
            "Protected: false",
            "Unknown unicast blocked: disabled",
            "Unknown multicast blocked: disabled",
            "Vepa Enabled: false",
            "App Interface: false",
            "Appliance trust: none",
            "",
        ]
    return lines(*out)


def cpu_mac_rows() -> list[MacRow]:
    """The static entries every Catalyst lists first in the full table."""
    return [MacRow("All", m.replace(".", "").upper(), "STATIC", "CPU") for m in _CPU_MACS]


def mac_address_table(rows: list[MacRow]) -> str:
    """`show mac address-table [interface IF]` in the 3850/9300 layout."""
    out = [
        "          Mac Address Table",
        "-------------------------------------------",
        "",
        "Vlan    Mac Address       Type        Ports",
        "----    -----------       --------    -----",
    ]
    out += [f"{r.vlan:>4}    {ios_mac(r.mac):<18}{r.kind:<12}{r.port}" for r in rows]
    out.append(f"Total Mac Addresses for this criterion: {len(rows)}")
    return lines(*out)


def version(hostname: str, uptime: str) -> str:
    """`show version`, the lines tools look at (software, hostname, uptime, model)."""
    return lines(
        "Cisco IOS XE Software, Version 16.12.10a",
        "Cisco IOS Software [Gibraltar], Catalyst L3 Switch Software (CAT9K_IOSXE), "
        "Version 16.12.10a, RELEASE SOFTWARE (fc3)",
        "Technical Support: http://www.cisco.com/techsupport",
        "Copyright (c) 1986-2023 by Cisco Systems, Inc.",
        "",
        "ROM: IOS-XE ROMMON",
        "BOOTLDR: System Bootstrap, Version 16.12.2r, RELEASE SOFTWARE (P)",
        "",
        f"{hostname} uptime is {uptime}",
        "System returned to ROM by PowerOn",
        'System image file is "flash:packages.conf"',
        "",
        "cisco C9300-48P (X86) processor with 1392780K/6147K bytes of memory.",
        "48 Gigabit Ethernet interfaces",
        "4 Ten Gigabit Ethernet interfaces",
        "",
        "Model Number                       : C9300-48P",
        "",
        "Configuration register is 0x102",
        "",
    )
