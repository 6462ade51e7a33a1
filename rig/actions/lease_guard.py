"""Hands-on commands (`rig power`, `rig press`) respect the leases of running jobs.

A command on a phone that a live run leases would break that run (a port cycled mid-erase), so
it is refused with the holder named, unless the caller is that run itself or a process it
started (a hook, a pytest suite calling `rig press`). Otherwise the command takes the phone's
lease for its own short life, so that no run starts on the phone half-way through it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator

import psutil

from rig.record.lease import Holder, LeaseSet, lease_path, read_holder


def _is_caller(holder: Holder) -> bool:
    """True when the lease holder is this process or one of its ancestors on this host."""
    if holder.host != socket.gethostname():
        return False
    try:
        lineage = {os.getpid(), *(p.pid for p in psutil.Process().parents())}
    except psutil.Error:
        lineage = {os.getpid()}
    return holder.pid in lineage


@contextlib.contextmanager
def command_lease(bench: str, phone: str, command: str, ttl: float) -> Iterator[LeaseSet | None]:
    """Hold `phone`'s lease while a command drives it; LeaseHeld (exit 2) names a live holder.

    Yields the lease taken (its `taken_over` names dead holders whose journals may show the
    phone's port left off), or None when the command runs inside the run holding it."""
    holder = read_holder(lease_path(bench, phone))
    if holder is not None and holder.alive(time.time()) and _is_caller(holder):
        yield None
        return
    with LeaseSet(bench, [phone], f"rig {command}", ttl) as leases:
        yield leases
