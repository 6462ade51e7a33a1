"""MAC address spelling: the switch prints 001d.705f.9ea8, CDP says SEP001D705F9EA8,
configs say 00:1d:70:5f:9e:a8. Everything in rig compares the canonical 12-hex upper form."""

from __future__ import annotations

import re
from functools import lru_cache

_HEX = re.compile(r"[0-9A-Fa-f]")
_SEPARATORS = re.compile(r"[.:\-\s]")


@lru_cache(maxsize=4096)  # each switch table row and each phone's checks: the same few hundred MACs
def normalize_mac(text: str) -> str:
    """Return the 12-digit upper-case form of a MAC, or raise ValueError naming the input.

    Accepts dotted (IOS), colon, dash, bare, and the `SEP` prefix used by CDP and TFTP names.
    """
    raw = text.strip()
    if raw.upper().startswith("SEP"):
        raw = raw[3:]
    bare = _SEPARATORS.sub("", raw)
    if len(bare) != 12 or not all(_HEX.fullmatch(c) for c in bare):
        raise ValueError(f"not a MAC address: {text!r}")
    return bare.upper()


def dotted(mac: str) -> str:
    """IOS spelling (`001d.705f.9ea8`) of a canonical MAC."""
    m = normalize_mac(mac).lower()
    return f"{m[0:4]}.{m[4:8]}.{m[8:12]}"


def sep_name(mac: str) -> str:
    """The phone's device name (`SEP001D705F9EA8`), used by CDP and every TFTP file name."""
    return "SEP" + normalize_mac(mac)
