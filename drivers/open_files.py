"""The process's limit on open descriptors, lifted to what the system allows.

Linux starts processes with a soft limit of 1024 descriptors (systemd's default, keeping
select() safe) under a much larger hard limit. A controller of 1000 phones holds a console
socket per phone, the switches' SSH sessions, the phones' HTTP connections and the run's files;
the tap's child holds two sockets per transfer in flight. Both lift their soft limit to the hard
one at start: a process may do so without privilege (setrlimit(2)). rig's waits never use
select() on these descriptors (rig.drivers.poller, console_hub, scpi_socket), so numbers past 1024
are safe.
"""

from __future__ import annotations

import sys

UNLIMITED_TARGET = 1 << 20
"""What to ask for when the hard limit is unlimited (Linux's default fs.nr_open)."""


def lift_open_files_limit() -> int | None:
    """Raise the soft RLIMIT_NOFILE to the hard limit; the soft limit now (None where the
    platform has no such limit)."""
    if sys.platform == "win32":
        return None
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = UNLIMITED_TARGET if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):  # e.g. macOS caps it below an unlimited hard limit
            return soft
        return target
    return soft
