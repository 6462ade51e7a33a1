"""Checks of what a lab config names outside itself: the trust anchor file, environment variables.

They run before anything is touched, because each of them otherwise fails late and expensively:
an unreadable trust anchor is only needed at verify, after every phone was erased and
power-cycled; an unset password variable only when the first phone's switch is opened, after the
run directory exists. Errors name the file, the switch or phone, and the field, in one line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509

from rig.errors import ConfigError

if TYPE_CHECKING:
    from rig.config.lab import LabConfig

MAX_ANCHOR_BYTES = 1 << 20
"""A CallManager certificate is a few KiB; a bigger file was not meant as one."""


def check_trust_anchor(config: "LabConfig", source: str) -> None:
    """`cucm.trust_anchor`, when given, is a readable PEM certificate (the first one in the file)."""
    anchor = config.cucm.trust_anchor if config.cucm is not None else None
    if anchor is None:
        return
    where = f"{source}: cucm.trust_anchor: {anchor}"
    data = _read_small(anchor, where)
    try:
        x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ConfigError(f"{where}: not a PEM certificate (-----BEGIN CERTIFICATE-----)") from None


def _read_small(path: Path, where: str) -> bytes:
    try:
        if not path.is_file():
            raise ConfigError(f"{where}: no such file" if not path.exists() else f"{where}: not a file")
        if path.stat().st_size > MAX_ANCHOR_BYTES:
            raise ConfigError(f"{where}: larger than {MAX_ANCHOR_BYTES} bytes, not a certificate")
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{where}: cannot read ({error.strerror})") from None


def check_secrets(config: "LabConfig", source: str) -> None:
    """Every environment variable the config names for a secret is set.

    Called where a bench is opened (rig.bench.build.open_bench: jobs, status, power, press, console,
    tap) and by `rig config check`, not by load_config: a cluster client reads the benches'
    configs without holding their secrets.
    """
    wanted: list[tuple[str, str | None]] = []
    for name, switch in config.switches.items():
        for field in ("password_env", "enable_secret_env"):
            wanted.append((f"switches.{name}.{field}", getattr(switch, field)))
    for i, phone in enumerate(config.phones):
        for j, keypad in enumerate(phone.keypad):
            where = f"phones[{i}] ({phone.name}).keypad[{j}].password_env"
            wanted.append((where, getattr(keypad, "password_env", None)))
    for name in ("risport", "axl"):
        service = getattr(config.cucm, name, None)
        if service is not None:
            wanted.append((f"cucm.{name}.password_env", service.password_env))
    for where, variable in wanted:
        if variable is not None and variable not in os.environ:
            raise ConfigError(f"{source}: {where}: environment variable {variable} is not set")
