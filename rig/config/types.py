"""Field types of lab_config.yaml that carry a rule of their own.

Each exists because the value leaves rig in a form that can do harm when it is not what it looks
like: a port name becomes a line of the switch's CLI, a name becomes a file name and a word of
the actuator board's line protocol, a MAC is compared with what the switch reports.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from rig.drivers.ios_parsers import canonical_interface
from rig.drivers.macaddr import normalize_mac

PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""Phone, bench, switch and actuator target names. A name becomes a file name (console/<phone>.log,
the lease file <bench>+<phone>), a command-line argument and a word of the actuator's `PRESS
<target> <key> <ms>` line, so it has no path separator, no `..` or leading dot, no leading `-`
(an option to a shell command), no space or control character, and at most 64 characters."""

IOS_INTERFACE = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z] ?\d+(?:/\d+)*(?:\.\d+)?")
"""`interface type number` of the Cisco IOS Interface and Hardware Component Command Reference
(source: https://cisco.com/en/US/docs/ios-xml/ios/interface/command/ir-i1.html): a type keyword,
at most one space, then slot/[subslot/]port numbers and an optional `.subinterface`. The name is
sent as `interface <port>`, so nothing else (a second line, `; reload`, trailing text) may follow;
the type must also be one `rig.drivers.ios_parsers.canonical_interface` knows, so names compare."""


def _plain_name(value: str) -> str:
    if not PLAIN_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a plain name (letters, digits, '.', '_', '-'; starting with a letter "
            "or digit; at most 64 characters)"
        )
    return value


def _ios_interface(value: str) -> str:
    if not IOS_INTERFACE.fullmatch(value):
        raise ValueError(f"{value!r} is not an IOS interface name such as Gi1/0/5 or GigabitEthernet1/0/5")
    try:
        canonical_interface(value)
    except ValueError as error:
        raise ValueError(f"{error} (not an IOS interface name this switch driver knows)") from None
    return value


def _mac(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("a MAC address must be a string such as 001D705F9EA8")
    return normalize_mac(value)


Name = Annotated[str, StringConstraints(strict=True), AfterValidator(_plain_name)]
Port = Annotated[str, StringConstraints(strict=True), AfterValidator(_ios_interface)]
Mac = Annotated[str, BeforeValidator(_mac)]


def seconds(default: float, *, high: float, low: float = 0, zero_ok: bool = False) -> Any:
    """A duration field: finite (no nan, no inf), above `low` (or equal to it when `zero_ok`,
    or when `low` is itself above zero), at most `high`."""
    if zero_ok or low > 0:
        return Field(default=default, ge=low, le=high, allow_inf_nan=False)
    return Field(default=default, gt=low, le=high, allow_inf_nan=False)


def _local_path(value: Path) -> Path:
    if "\x00" in str(value):
        raise ValueError("a file name cannot contain a NUL byte")
    try:
        return value.expanduser()
    except RuntimeError:
        raise ValueError(f"cannot expand {str(value)!r}: no such user's home directory") from None


LocalPath = Annotated[Path, AfterValidator(_local_path)]
"""A file on this machine; `~` and `~user` are expanded, relative names are relative to the config."""
