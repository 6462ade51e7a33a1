"""Is a switch port an access port or a trunk? `show interfaces IF switchport` and the port's
running configuration, read into what rig needs to refuse powering an uplink.

A trunk carries many VLANs to another switch or a router; a PoE-powered switch behind it goes
dark with the port. `show interfaces switchport` names the mode twice: `Administrative Mode`
(what is configured: `static access`, `trunk`, `dynamic auto`...) and `Operational Mode` (what
runs: `static access`, `trunk`, `down`, `trunk (member of bundle Po1)`). source: the real
captures ntc-templates keeps (tests/fixtures/real/ios/show_interfaces_switchport/, PROVENANCE.md);
ntc-templates' template reads them (MODE, ADMIN_MODE).

The running configuration names a configured trunk `switchport mode trunk` under its
`interface` line (source: Cisco Catalyst 3750 Software Configuration Guide, "Configuring VLAN
Trunks": `switchport mode {access | trunk | dynamic {auto | desirable}}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rig.drivers.ios_parsers import IosParseError, _rows, canonical_interface

COMMAND = "show interfaces switchport"
_TRUNK_CONFIG = re.compile(r"^\s*switchport mode trunk\s*$", re.MULTILINE)
_SECTION = re.compile(r"^interface (\S+)[ \t]*\r?\n(?:[ \t]+.*\r?\n?)*", re.MULTILINE)
_BLOCK = re.compile(r"^(?=Name:)", re.MULTILINE)
BLOCKS_KEPT = 4096
"""Parsed `Name:` blocks remembered (about 1.5 KB of text each): room for every port of 20
48-port switches in each of its states (up, down, powered off)."""


@dataclass(frozen=True)
class Switchport:
    interface: str  # canonical long name
    admin_mode: str  # static access | trunk | dynamic auto | dynamic desirable | ...
    mode: str  # operational: static access | trunk | down | trunk (member of bundle Po1) | ...
    voice_vlan: str  # "200" or "none"

    @property
    def trunk(self) -> bool:
        """Configured or running as a trunk (a `dynamic` port that negotiated one included)."""
        return self.admin_mode.startswith("trunk") or self.mode.startswith("trunk")


def parse_switchport(text: str) -> list[Switchport]:
    """`show interfaces [IF] switchport`: one Switchport per `Name:` block.

    The template tries dozens of expressions on each of a block's ~20 lines, and a proof reads the
    whole table before every wave of power-offs, while only the few ports whose link changed print
    differently: each block is parsed once per distinct text (the template carries nothing from
    one block to the next: no Filldown, and every block starts in its Start state). Text before
    the first `Name:` line is read whole, as the template would."""
    head, *blocks = _BLOCK.split(text)
    if head.strip() or not blocks:
        return list(_parse(text))
    return [port for block in blocks for port in _parse_block(block)]


def _parse(text: str) -> tuple[Switchport, ...]:
    ports = []
    for row in _rows(COMMAND, text, r"^Name:"):
        try:
            interface = canonical_interface(row["interface"])
        except ValueError as exc:
            raise IosParseError(f"{COMMAND!r}: {exc}") from exc
        ports.append(Switchport(interface, row["admin_mode"], row["mode"], row["voice_vlan"]))
    return tuple(ports)


_parse_block = lru_cache(maxsize=BLOCKS_KEPT)(_parse)


def trunk_in_config(text: str) -> bool:
    """The port's running configuration (`show running-config interface IF`) makes it a trunk."""
    return _TRUNK_CONFIG.search(text) is not None


def interface_config(text: str, port: str) -> str:
    """The `interface IF` section of a whole `show running-config` (its indented lines), or ""
    when the port has none; IF in any spelling."""
    wanted = canonical_interface(port)
    for section in _SECTION.finditer(text):
        try:
            if canonical_interface(section.group(1)) == wanted:
                return section.group(0)
        except ValueError:
            continue
    return ""
