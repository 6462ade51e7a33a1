"""Reading a YAML file that a user wrote: every way it can be unreadable is one line, exit 2.

Used for lab configs; the same rules fit any YAML input rig reads (keypad scripts, profiles,
site files). A file that is not UTF-8, not YAML, nested beyond what the parser's recursion can
build, or implausibly large is a ConfigError naming the file and the line, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rig.errors import ConfigError

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it: a bench of 240 phones parses in 0.1 s, not 1.3 s."""

MAX_BYTES = 16 << 20
"""A config of 4000 phones is about 1.5 MiB; a larger file is not a config (and would be slow)."""


def utf8_text(data: bytes, name: str) -> str:
    """`data` decoded; ConfigError naming `name`, the line and the byte when it is not UTF-8
    (also for files read through importlib.resources: keypad scripts, phone profiles)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigError(
            f"{name}: line {line}: not UTF-8 text (byte 0x{data[error.start]:02X} at offset {error.start})"
        ) from None


def read_yaml(path: Path) -> Any:
    """The document in `path`; ConfigError (one line naming the file) for anything unreadable."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_BYTES >> 20} MiB")
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    text = utf8_text(data, str(path))
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark else ""
        problem = getattr(error, "problem", None)
        detail = f" ({problem})" if problem else ""
        raise ConfigError(f"{path}:{where} not valid YAML{detail}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a config") from None
