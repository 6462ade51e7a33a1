"""Decoding journal events from JSON: each field checked against its type hint, times as ISO 8601.

Kept apart from the event classes (rig.record.events) so that a reader of the schema sees only
the events; this is how any of them is read back, worked out once per class.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Union

from rig.errors import RigError

TIME_FIELDS = frozenset({"at", "started", "ended"})
"""Fields holding ISO 8601 UTC times, checked when read so reports never meet a bad one."""


class EventError(RigError):
    """An event that cannot be read (exit 2); the message names the event kind and the field."""


@dataclass(frozen=True)
class _FieldPlan:
    name: str
    key: str
    hint: Any
    required: bool
    is_time: bool


@functools.cache
def _plan(cls: type) -> tuple[tuple[_FieldPlan, ...], bool]:
    """How to decode `cls`: its fields with their JSON keys and types, and whether it keeps
    unknown keys in `extra`. Worked out once per class: a 240-phone report decodes 6,000 events,
    and looking the fields and type hints up for each took a second of the report's time."""
    hints = typing.get_type_hints(cls)
    fields = tuple(
        _FieldPlan(f.name, f.metadata.get("json", f.name), hints[f.name],
                   f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                   f.metadata.get("json", f.name) in TIME_FIELDS)
        for f in dataclasses.fields(cls) if f.name != "extra"
    )
    return fields, any(f.name == "extra" for f in dataclasses.fields(cls))


class _Invalid(Exception):
    """A value that does not fit its type; the caller says where it was (only on failure: building
    that text for every field of every event was most of a report's decoding time)."""


def decode_dataclass(cls: type, data: dict[str, Any], where: str) -> Any:
    fields, keeps_extra = _plan(cls)
    values: dict[str, Any] = {}
    for f in fields:
        if f.key not in data:
            if f.required:
                raise EventError(f"{where} has no field {f.key!r}")
            continue
        try:
            values[f.name] = value = _decode(data[f.key], f.hint)
            if f.is_time:
                _check_time(value)
        except _Invalid as bad:
            raise EventError(f"{where} field {f.key!r}: {bad}") from None
        except EventError as nested:  # an object inside the field named its own place in it
            raise EventError(f"{where} field {f.key!r} {nested}") from None
    if keeps_extra:
        known = {"event", *(f.key for f in fields)}
        values["extra"] = {k: v for k, v in data.items() if k not in known}
    return cls(**values)


def _check_time(text: str) -> None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _Invalid(f"{text[:40]!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise _Invalid(f"{text[:40]!r} has no time zone (journal times are UTC)")


@functools.cache
def _shape(hint: Any) -> tuple[str, tuple[Any, ...]]:
    """What kind of type `hint` is, and its arguments, worked out once per type."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return "any", ()
    if origin in (Union, types.UnionType):
        return "optional", (next(a for a in args if a is not type(None)), type(None) in args)
    if origin is Literal:
        return "literal", args
    if dataclasses.is_dataclass(hint):
        return "object", ()
    if origin in (list, dict):
        return origin.__name__, args
    return "plain", ((int, float) if hint is float else (hint,))


def _decode(value: Any, hint: Any) -> Any:
    kind, args = _shape(hint)
    if kind == "plain":
        if not isinstance(value, args) or (isinstance(value, bool) and hint in (int, float)):
            raise _Invalid(f"expected {hint.__name__}, got {type(value).__name__}")
        return value
    if kind == "any":
        return value
    if kind == "optional":
        return None if value is None and args[1] else _decode(value, args[0])
    if kind == "literal":
        if value not in args:
            raise _Invalid(f"{value!r} is not one of {', '.join(map(str, args))}")
        return value
    if kind == "object":
        if not isinstance(value, dict):
            raise _Invalid("expected an object")
        return decode_dataclass(hint, value, "item")
    if kind == "list":
        if not isinstance(value, list):
            raise _Invalid("expected a list")
        return [_decode(v, args[0]) for v in value]
    if not isinstance(value, dict):
        raise _Invalid("expected an object")
    return {k: _decode(v, args[1]) for k, v in value.items()}
