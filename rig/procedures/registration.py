"""CUCM as a witness: what RisPort70 says of a phone (registration, StatusReason, IP, ActiveLoadID).

CUCM counts RisPort requests per minute, so a bench never asks once per phone: one request
names every phone of the bench (up to 1000 per request) and its answer is shared by all phones
for `max_age` seconds. A phone is looked up by its CUCM device name, `SEP<MAC>`.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rig.drivers.risport import CmDevice, RisPort, newest

if TYPE_CHECKING:
    from rig.procedures.context import PhoneContext

UNHEALTHY = ("UnRegistered", "Rejected")
"""Statuses that are a symptom before the job: the phone is not in service on CUCM."""


@dataclass(frozen=True)
class Registration:
    """One phone as CUCM reports it (None fields: CUCM did not say)."""

    device: str
    status: str
    """`NotFound` when CUCM lists no device of that name."""
    reason: int | None = None
    ip: str | None = None
    load: str | None = None
    node: str | None = None

    @classmethod
    def of(cls, device: str, found: CmDevice | None) -> Registration:
        if found is None:
            return cls(device, "NotFound")
        return cls(device, found.status, found.status_reason, found.ip, found.active_load_id, found.node)

    def describe(self) -> str:
        reason = f" (StatusReason {self.reason})" if self.reason not in (None, 0) else ""
        load = f", ActiveLoadID {self.load}" if self.load else ""
        return f"CUCM {self.device}: {self.status}{reason}{load}"

    def data(self) -> dict[str, object]:
        return {"device": self.device, "status": self.status, "status_reason": self.reason, "ip": self.ip,
                "active_load_id": self.load, "node": self.node}


class _Table:
    """The bench's last RisPort answer, shared by its phones."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.at = float("-inf")
        self.devices: dict[str, CmDevice] = {}


_TABLES: "weakref.WeakKeyDictionary[RisPort, _Table]" = weakref.WeakKeyDictionary()
_TABLES_LOCK = threading.Lock()


def device_name(ctx: "PhoneContext") -> str:
    return f"SEP{ctx.phone.mac}"


def registration(ctx: "PhoneContext", max_age: float) -> Registration | None:
    """The phone's registration from an answer at most `max_age` seconds old (None: no RisPort
    configured). Raises rig.drivers.risport.RisPortError when CUCM cannot be asked."""
    client = ctx.bench.risport()
    if client is None:
        return None
    with _TABLES_LOCK:
        table = _TABLES.setdefault(client, _Table())
    with table.lock:
        if time.monotonic() - table.at > max_age:
            names = [f"SEP{p.mac}" for p in ctx.config.phones]
            table.devices = newest(client.select(names))
            table.at = time.monotonic()
        name = device_name(ctx)
        return Registration.of(name, table.devices.get(name.upper()))
