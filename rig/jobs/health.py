"""Bench-part health within one run: stop feeding phones to a switch that keeps failing.

A bench part is a shared piece of the bench (`switch sw1`, `console 10.0.0.5`, `meter meter1`,
...). When bench errors on one part have hit two different phones, the part is out of service
for the rest of the run: the phones behind it get `error` without being tried, instead of each
waiting out the same timeouts (LAVA's health-check idea, scoped to a run). The journal and
results.json keep their historical name for it: `slot` (`slot_unhealthy`, `unhealthy[].slot`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

UNHEALTHY_AFTER_PHONES = 2


@dataclass
class _Part:
    first_error: str
    phones: set[str] = field(default_factory=set)


class PartHealth:
    def __init__(self, threshold: int = UNHEALTHY_AFTER_PHONES) -> None:
        self._threshold = threshold
        self._parts: dict[str, _Part] = {}
        self._lock = threading.Lock()

    def record_error(self, part: str, phone: str, message: str) -> bool:
        """Count a bench error; True when this one took the part out of service."""
        with self._lock:
            entry = self._parts.setdefault(part, _Part(first_error=message))
            before = len(entry.phones)
            entry.phones.add(phone)
            return before < self._threshold <= len(entry.phones)

    def unhealthy_reason(self, parts: list[str]) -> str | None:
        """`"switch sw1 unhealthy: <first error>"` for the first unhealthy part, else None."""
        with self._lock:
            for part in parts:
                entry = self._parts.get(part)
                if entry is not None and len(entry.phones) >= self._threshold:
                    return f"{part} unhealthy: {entry.first_error}"
        return None

