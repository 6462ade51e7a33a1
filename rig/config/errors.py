"""A pydantic error as the one line rig prints: the field, and on a lab config the phone by name.

pydantic's own rendering is several lines and names a phone by its index only; a user fixing
`phones.3.keypad.0.pasword` wants `phones[3] (desk-04).keypad[0].pasword: unknown key`. The one
formatter of every validated input (lab config, keypad script, phone profile, site file, CLI
option bounds).
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from rig.config.types import PLAIN_NAME
from rig.suggest import did_you_mean


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
        elif isinstance(node, dict) and item not in node and item == node.get("kind"):
            continue  # a union member's tag (`systems.old.cucm.tftp`): the document has no such key
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The models a field's type may hold (through Optional, unions, lists and dict values)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (Union, types.UnionType, list, tuple, dict) or get_args(annotation):
        return [m for arg in get_args(annotation) for m in _models(arg)]
    return []


def known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> set[str]:
    """The keys the models at `loc` (pydantic's, the unknown key last) accept. Items that name no
    field (list indexes, dict keys, a union member's tag or class name) narrow or pass."""
    here = [model]
    for item in loc[:-1]:
        if isinstance(item, int):
            continue
        named = [m for m in here if m.__name__ == item]
        if named:
            here = named
            continue
        fields = [m.model_fields[item] for m in here if item in m.model_fields]
        if fields:
            here = [m for f in fields for m in _models(f.annotation)]
    return {f.alias or name for m in here for name, f in m.model_fields.items()}


def one_line(error: ValidationError, data: Any = None, model: type[BaseModel] | None = None) -> str:
    """The first problem as `where: message`, `where` naming the phone by its name (when `data`,
    the raw document, has it).

    An unknown key comes first: it is usually a misspelt known one (`prot:`), which pydantic
    would otherwise report as the known one missing (`port: Field required`); with `model`, the
    validated model, the closest known key is suggested.
    """
    errors = error.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(x for x in first["loc"] if not (isinstance(x, str) and x.endswith("Config")))
    loc = tuple(x for x in loc if x not in ("http_execute", "serial_actuator", "operator"))
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
        if model is not None and first["loc"]:
            message += did_you_mean(str(first["loc"][-1]), known_keys(model, first["loc"]))
    where = _location(loc, data)
    more = len(errors) - 1
    suffix = f" (and {more} more)" if more else ""
    return f"{where}: {message}{suffix}" if where else f"{message}{suffix}"
