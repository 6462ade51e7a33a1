"""Where log records go: stderr one line each, and with `--log-file` everything to a file.

A library that logs a traceback (paramiko logs `Error reading SSH protocol banner` and then the
traceback, one record per line, when a switch does not answer SSH) must not print it under
rig's own one-line diagnosis: on stderr, records of rig and its drivers show from WARNING (-v:
INFO, -q: ERROR), other libraries' only with -vv, and never with a traceback. The log file gets
every record at DEBUG, tracebacks included. An exception nothing caught in a thread (a
library's own thread) is such a record too, not Python's default traceback on stderr.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

import rig
import rig.drivers

OURS = tuple(os.path.join(Path(package.__file__).parent, "") for package in (rig, rig.drivers))
"""Where rig's own records come from. By source file, not logger name: the switch driver gives
paramiko's transport log a channel under `rig.drivers.` (rig.drivers.ios_switch), and paramiko's noise
stays paramiko's."""
_HANDLERS: list[logging.Handler] = []


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record comes (as logging's own last resort does):
    a test harness that swaps stderr never leaves it writing to a closed stream."""

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201 - logging.StreamHandler's attribute
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


class _OneLine(logging.Formatter):
    """`rig: <logger>: <message>`, never a traceback or a stack."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().splitlines()
        return f"rig: {record.name}: {message[0] if message else ''}"


def _ours_or_loud(verbosity: int) -> logging.Filter:
    class Filter(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return verbosity >= 2 or record.pathname.startswith(OURS)
    return Filter()


def _thread_died(args: threading.ExceptHookArgs) -> None:
    name = args.thread.name if args.thread is not None else "a thread"
    logging.getLogger("rig.threads").error("%s ended on %s: %s", name, args.exc_type.__name__, args.exc_value,
                                           exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def configure_logging(verbosity: int, log_file: Path | None = None) -> None:
    """-1 quiet, 0 default, 1 `-v`, 2 `-vv`. Replaces what an earlier call set (tests call main twice)."""
    root = logging.getLogger()
    for handler in _HANDLERS:
        root.removeHandler(handler)
        handler.close()
    _HANDLERS.clear()
    stderr = _Stderr()
    stderr.setLevel({-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG))
    stderr.setFormatter(_OneLine())
    stderr.addFilter(_ours_or_loud(verbosity))
    _HANDLERS.append(stderr)
    if log_file is not None:
        to_file = logging.FileHandler(log_file, encoding="utf-8")
        to_file.setLevel(logging.DEBUG)
        to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
        _HANDLERS.append(to_file)
    for handler in _HANDLERS:
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if log_file is not None or verbosity >= 1 else logging.INFO)
    threading.excepthook = _thread_died
