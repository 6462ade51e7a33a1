"""Ctrl-C during a job: ask the phones to stop, and let the run end cleanly however often it comes.

The first Ctrl-C sets the job's stop event: no new phone starts and the phones in flight stop at
their next wait (a port turned off is turned back on). Every later Ctrl-C only says that rig is
already stopping: raising KeyboardInterrupt there would leave the run without `run_interrupted`,
results.json, junit.xml, report.html or the `--json` document (issue 12). Stopping is bounded by
each phone's next wait; `kill -9` stays the hard stop, and `--resume` repairs what it leaves.
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


@contextlib.contextmanager
def interrupts(stop: threading.Event) -> Iterator[None]:
    """While inside (main thread only), SIGINT sets `stop` instead of raising KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        # os.write, not print: a handler may run while the main thread is inside print().
        os.write(sys.stderr.fileno(), ALREADY_STOPPING if stop.is_set() else STOPPING)
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
