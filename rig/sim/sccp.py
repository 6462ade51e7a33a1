"""SCCP registration of simulated phones with the call-control servers that keep a list of them.

A phone that accepted its configuration registers with the call-control server the file names
(`devicePool/callManagerGroup/.../processNodeName`, the address CME writes from `ip
source-address ... port 2000`; docs/cme.md). The SCCP exchange itself is not simulated: the phone
calls `register` on the `CallControl` of its simulator, which hands it to the server listening at
that address, if one keeps a list (the CUCME router, rig.sim.cme). The simulated CUCM keeps none:
RisPort reads the phones' state instead (rig.sim.bench). A phone that boots again or loses power
is dropped from the server it was registered with, as a router drops a phone whose keepalives
stop (how long a real router waits before it does is not modelled).
"""

from __future__ import annotations

import threading
from typing import Protocol


class Registrar(Protocol):
    """A call-control server that lists the phones registered with it."""

    def register(self, mac: str, ip: str) -> None: ...

    def unregister(self, mac: str) -> None: ...


class CallControl:
    """The registrars of one simulator by address, and which one each phone is registered with."""

    def __init__(self) -> None:
        self._registrars: dict[str, Registrar] = {}
        self._registered: dict[str, Registrar] = {}
        self._lock = threading.Lock()

    def serve(self, host: str, registrar: Registrar) -> None:
        """`registrar` takes the registrations of phones whose config names `host`."""
        with self._lock:
            self._registrars[host] = registrar

    def register(self, call_manager: str, mac: str, ip: str) -> None:
        """The phone `mac` at `ip` registered with `call_manager` (its config's processNodeName);
        nothing happens when no registrar listens there."""
        with self._lock:
            registrar = self._registrars.get(call_manager)
            if registrar is None:
                return
            registrar.register(mac, ip)
            self._registered[mac] = registrar

    def listed(self, mac: str) -> bool:
        """Whether a registrar lists the phone now (then the cluster's RisPort does not)."""
        with self._lock:
            return mac in self._registered

    def drop(self, mac: str) -> None:
        """The phone went away (a boot, a power cut): its registrar no longer lists it."""
        with self._lock:
            registrar = self._registered.pop(mac, None)
            if registrar is not None:
                registrar.unregister(mac)
