"""The simulator's own small tables of names: key names, MAC spellings, device names.

Kept here, not imported from `drivers/` or `rig.phone.keyscript`, so that a wrong fact in a driver
cannot be mirrored by the simulator that tests it: both sides are written from public sources.
"""

from __future__ import annotations

import re

# source: Cisco Unified IP Phone Services Application Development Notes, "Device Control URIs"
# > "Key" (the `Key:n` URI and its tables of key names: Key:KeyPad0 to Key:KeyPad9,
# Key:KeyPadStar, Key:KeyPadPound, Key:Soft1 to Key:Soft5, Key:Line1.., Key:Settings,
# Key:Services, Key:Directories, Key:Messages, Key:Applications, Key:NavUp/NavDwn/NavLeft/
# NavRight/NavSelect/NavBack, Key:Speaker, Key:Mute, Key:Headset, Key:VolUp, Key:VolDwn,
# Key:Hold, Key:Info). A 7942 has two line keys; six are accepted as on a 7962 (same firmware).
KEY_NAMES: frozenset[str] = frozenset(
    [f"KeyPad{digit}" for digit in range(10)]
    + ["KeyPadStar", "KeyPadPound"]
    + [f"Soft{n}" for n in range(1, 6)]
    + [f"Line{n}" for n in range(1, 7)]
    + ["Settings", "Services", "Directories", "Messages", "Applications", "Info"]
    + ["NavUp", "NavDwn", "NavLeft", "NavRight", "NavSelect", "NavBack"]
    + ["Speaker", "Mute", "Headset", "VolUp", "VolDwn", "Hold"]
)

_SEPARATORS = re.compile(r"[.:\-\s]")
_HEX12 = re.compile(r"[0-9A-F]{12}")


def canonical_mac(text: str) -> str:
    """12 upper-case hex digits from any common spelling (dotted, colons, dashes, `SEP` prefix)."""
    raw = text.strip().upper().removeprefix("SEP")
    bare = _SEPARATORS.sub("", raw)
    if not _HEX12.fullmatch(bare):
        raise ValueError(f"not a MAC address: {text!r}")
    return bare


def device_name(mac: str) -> str:
    """`SEP` + MAC: the name a Cisco phone gives itself in CDP, its web pages and TFTP files."""
    return "SEP" + canonical_mac(mac)


def ios_mac(mac: str) -> str:
    """The dotted lower-case spelling IOS prints in its MAC address table (`001d.705f.9ea8`)."""
    m = canonical_mac(mac).lower()
    return f"{m[0:4]}.{m[4:8]}.{m[8:12]}"
