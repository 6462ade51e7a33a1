"""Bench-slot health within one run: stop feeding phones to a switch that keeps failing.

A slot is a shared piece of the bench (`switch sw1`, `console 10.0.0.5`, `meter meter1`, ...).
When bench errors on one slot have hit two different phones, the slot is out of service for the
rest of the run: the phones behind it get `error` without being tried, instead of each waiting
out the same timeouts (LAVA's health-check idea, scoped to a run).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

UNHEALTHY_AFTER_PHONES = 2


@dataclass
class _Slot:
    first_error: str
    phones: set[str] = field(default_factory=set)


class SlotHealth:
    def __init__(self, threshold: int = UNHEALTHY_AFTER_PHONES) -> None:
        self._threshold = threshold
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()

    def record_error(self, slot: str, phone: str, message: str) -> bool:
        """Count a bench error; True when this one took the slot out of service."""
        with self._lock:
            entry = self._slots.setdefault(slot, _Slot(first_error=message))
            before = len(entry.phones)
            entry.phones.add(phone)
            return before < self._threshold <= len(entry.phones)

    def unhealthy_reason(self, slots: list[str]) -> str | None:
        """`"switch sw1 unhealthy: <first error>"` for the first unhealthy slot, else None."""
        with self._lock:
            for slot in slots:
                entry = self._slots.get(slot)
                if entry is not None and len(entry.phones) >= self._threshold:
                    return f"{slot} unhealthy: {entry.first_error}"
        return None

    def unhealthy(self) -> list[dict[str, str]]:
        """The results.json `unhealthy` list."""
        with self._lock:
            return [
                {"slot": slot, "reason": entry.first_error}
                for slot, entry in sorted(self._slots.items())
                if len(entry.phones) >= self._threshold
            ]
