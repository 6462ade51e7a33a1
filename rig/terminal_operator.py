"""The terminal's Operator (rig.drivers.operator): asks the technician at the terminal rig runs on.

While a person is asked, the front end's live display is held (`hold`: it stops redrawing and
clears itself), so the prompt is the last thing on screen: the phone, the step n of m, what to
do, and how to skip or stop. Once answered, the prompt line is erased and the display resumes
where it was: no stale progress lines. Phone threads ask one at a time.

stdin is read only when a whole line is there (select on the terminal, which delivers a line at
a time): the wait checks the job's stop event between reads, so Ctrl-C at a prompt stops the run
as it does anywhere else, without waiting for Enter.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TextIO

from rig.drivers.operator import Ask, OperatorError, OperatorSkipped, OperatorStopped

POLL = 0.1
"""Seconds between looks at the stop event while a prompt waits (Ctrl-C's latency)."""
ERASE_PROMPT = "\x1b[1A\x1b[2K\r"
"""Cursor up over the echoed Enter, erase the prompt line (ECMA-48 CUU, EL)."""
HOW = "[Enter: done | s Enter: skip this phone | Ctrl-C: stop the run]"


def prompt_text(request: Ask) -> str:
    """`Phone desk-03 (SEP001D705F0002), step 2 of 9: press Settings [Enter: done | ...] `"""
    where = f", step {request.step} of {request.of}" if request.of > 1 else ""
    return f"Phone {request.phone}{where}: {request.action} {HOW} "


class TerminalOperator:
    def __init__(self, stop: threading.Event, out: TextIO,
                 hold: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext,
                 stdin: TextIO | None = None) -> None:
        self.stop = stop
        self.out = out
        self.hold = hold
        self.stdin = stdin if stdin is not None else sys.stdin
        self._turn = threading.Lock()

    def ask(self, request: Ask) -> None:
        if not self.stdin.isatty():
            raise OperatorError(f"phone {request.phone}: {request.action}: needs a technician at an "
                                "interactive terminal (stdin is not one)")
        while not self._turn.acquire(timeout=POLL):  # another phone's prompt is on screen
            self._check_stop()
        try:
            self._check_stop()
            with self.hold():
                self.out.write(prompt_text(request))
                self.out.flush()
                answer = self._line(request)
                if self.out.isatty():
                    self.out.write(ERASE_PROMPT)
                    self.out.flush()
        finally:
            self._turn.release()
        if answer.strip().lower() in ("s", "skip"):
            raise OperatorSkipped(f"{request.action} (step {request.step} of {request.of})")

    def _line(self, request: Ask) -> str:
        """The next line typed, or OperatorStopped as soon as the run is stopped."""
        fd = self.stdin.fileno()
        while True:
            self._check_stop()
            ready, _, _ = select.select([fd], [], [], POLL)
            if ready:
                data = os.read(fd, 4096)
                if not data:
                    raise OperatorError(f"phone {request.phone}: operator input closed before "
                                        f"'{request.action}' was confirmed")
                return data.decode(errors="replace")

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise OperatorStopped("run stopped at the technician's prompt")
