"""A pydantic error as the one line rig prints: the field, and on a lab config the phone by name.

pydantic's own rendering is several lines and names a phone by its index only; a user fixing
`phones.3.keypad.0.pasword` wants `phones[3] (desk-04).keypad[0].pasword: unknown key`. The one
formatter of every validated input (lab config, keypad script, phone profile, site file, CLI
option bounds).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from rig.config_types import PLAIN_NAME


def _location(loc: tuple[Any, ...], data: Any) -> str:
    """`phones[3] (desk-04).keypad.0.backend` from pydantic's loc tuple and the raw document."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node) and isinstance(node[item], dict):
                name = node[item].get("name")
                if isinstance(name, str) and PLAIN_NAME.fullmatch(name) and parts and parts[-1] == "phones":
                    label += f" ({name})"
            parts[-1:] = [(parts[-1] if parts else "") + label]
            node = node[item] if isinstance(node, list) and item < len(node) else None
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)


def one_line(error: ValidationError, data: Any = None) -> str:
    """The first problem as `where: message`, `where` naming the phone by its name (when `data`,
    the raw document, has it).

    An unknown key comes first: it is usually a misspelt known one (`prot:`), which pydantic
    would otherwise report as the known one missing (`port: Field required`).
    """
    errors = error.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(x for x in first["loc"] if not (isinstance(x, str) and x.endswith("Config")))
    loc = tuple(x for x in loc if x not in ("http_execute", "serial_actuator", "operator"))
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    where = _location(loc, data)
    more = len(errors) - 1
    suffix = f" (and {more} more)" if more else ""
    return f"{where}: {message}{suffix}" if where else f"{message}{suffix}"
