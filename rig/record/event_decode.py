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
from typing import Any, Callable, Literal, Union

from rig.errors import RigError

TIME_FIELDS = frozenset({"at", "started", "ended"})
"""Fields holding ISO 8601 UTC times, checked when read so reports never meet a bad one."""


class EventError(RigError):
    """An event that cannot be read (exit 2); the message names the event kind and the field."""


@dataclass(frozen=True)
class _FieldPlan:
    name: str
    key: str
    decode: Callable[[Any], Any]
    required: bool
    is_time: bool


@functools.cache
def _plan(cls: type) -> tuple[tuple[_FieldPlan, ...], frozenset[str] | None]:
    """How to decode `cls`: its fields with their JSON keys and decoders, and the keys it knows
    when it keeps unknown ones in `extra` (None when it keeps none). Worked out once per class: a
    240-phone report decodes 6,000 events, and looking the fields and type hints up for each took
    a second of the report's time."""
    hints = typing.get_type_hints(cls)
    fields = tuple(
        _FieldPlan(f.name, f.metadata.get("json", f.name), _decoder(hints[f.name]),
                   f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                   f.metadata.get("json", f.name) in TIME_FIELDS)
        for f in dataclasses.fields(cls) if f.name != "extra"
    )
    keeps_extra = any(f.name == "extra" for f in dataclasses.fields(cls))
    return fields, frozenset({"event", *(f.key for f in fields)}) if keeps_extra else None


class _Invalid(Exception):
    """A value that does not fit its type; the caller says where it was (only on failure: building
    that text for every field of every event was most of a report's decoding time)."""


def decode_dataclass(cls: type, data: dict[str, Any], where: str) -> Any:
    fields, known = _plan(cls)
    values: dict[str, Any] = {}
    for f in fields:
        if f.key not in data:
            if f.required:
                raise EventError(f"{where} has no field {f.key!r}")
            continue
        try:
            values[f.name] = value = f.decode(data[f.key])
            if f.is_time:
                _check_time(value)
        except _Invalid as bad:
            raise EventError(f"{where} field {f.key!r}: {bad}") from None
        except EventError as nested:  # an object inside the field named its own place in it
            raise EventError(f"{where} field {f.key!r} {nested}") from None
    if known is not None:
        values["extra"] = {k: v for k, v in data.items() if k not in known}
    return cls(**values)


def _check_time(text: str) -> None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _Invalid(f"{text[:40]!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise _Invalid(f"{text[:40]!r} has no time zone (journal times are UTC)")


def _any(value: Any) -> Any:
    return value


@functools.cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """The function that checks a JSON value against `hint` and returns it typed, built once per
    type: a journal of 1000 phones holds 30,000 events, and working out each field's type again
    for every value (and every value of a step's free-form evidence) was most of reading it."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return _any
    if origin in (Union, types.UnionType):
        inner, allows_none = _decoder(next(a for a in args if a is not type(None))), type(None) in args
        return lambda value: None if value is None and allows_none else inner(value)
    if origin is Literal:
        return functools.partial(_literal, args)
    if dataclasses.is_dataclass(hint):
        return functools.partial(_object, hint)
    if origin is list:
        return functools.partial(_list, _decoder(args[0]))
    if origin is dict:
        return functools.partial(_dict, _decoder(args[1]))
    return functools.partial(_plain, hint, (int, float) if hint is float else (hint,), hint in (int, float))


def _plain(hint: type, accepted: tuple[type, ...], numeric: bool, value: Any) -> Any:
    if not isinstance(value, accepted) or (numeric and isinstance(value, bool)):
        raise _Invalid(f"expected {hint.__name__}, got {type(value).__name__}")
    return value


def _literal(allowed: tuple[Any, ...], value: Any) -> Any:
    if value not in allowed:
        raise _Invalid(f"{value!r} is not one of {', '.join(map(str, allowed))}")
    return value


def _object(cls: type, value: Any) -> Any:
    if not isinstance(value, dict):
        raise _Invalid("expected an object")
    return decode_dataclass(cls, value, "item")


def _list(item: Callable[[Any], Any], value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid("expected a list")
    return list(value) if item is _any else [item(v) for v in value]


def _dict(item: Callable[[Any], Any], value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid("expected an object")
    return dict(value) if item is _any else {k: item(v) for k, v in value.items()}
