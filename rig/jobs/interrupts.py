"""Ctrl-C, SIGTERM or SIGHUP during a job: ask the phones to stop, and let the run end cleanly
however often it comes.

The first signal sets the job's stop event: no new phone starts and the phones in flight stop at
their next wait (a port turned off is turned back on). Every later one only says that rig is
already stopping: raising KeyboardInterrupt there would leave the run without `run_interrupted`,
results.json, junit.xml, report.html or the `--json` document (issue 12). SIGTERM (CI cancelling
a job, `timeout`) and SIGHUP (the terminal closed) are handled as Ctrl-C is: their default is to
die at once, with a port off and no reports (issue 29, M1). Stopping is bounded by each phone's
next wait; `kill -9` stays the hard stop, and `--resume` repairs what it leaves.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

STOPPING = b"rig: stopping: phones in flight end at their next wait, then the journal and reports are written\n"
ALREADY_STOPPING = b"rig: already stopping; the journal and reports are written once the phones in flight end\n"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def interrupts(stop: threading.Event) -> Iterator[None]:
    """While inside (main thread only), SIGINT, SIGTERM and SIGHUP set `stop` instead of
    raising KeyboardInterrupt or ending the process."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        message = ALREADY_STOPPING if stop.is_set() else STOPPING
        stop.set()
        # os.write, not print: a handler may run while the main thread is inside print().
        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
            os.write(sys.stderr.fileno(), message)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)
