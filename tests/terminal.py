"""`rig` in a pseudo-terminal, as a technician runs it: what it drew, typing, Ctrl-C, its exit code."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time
from pathlib import Path


class Terminal:
    """A `python -m rig ...` child whose controlling terminal is a pty this object reads and types on."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], rows: int = 40, cols: int = 160) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the technician's terminal runs rig
            os.chdir(cwd)
            os.execve(sys.executable, [sys.executable, "-m", "rig", *args], {**env, "TERM": "xterm-256color"})
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.seen = b""
        self.closed = False

    def read(self, timeout: float) -> bytes:
        """What rig draws within `timeout` seconds of quiet (b"" when it drew nothing, or exited)."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return b""
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the terminal closed: rig exited
            chunk = b""
        self.closed = not chunk
        self.seen += chunk
        return chunk

    def expect(self, text: bytes, timeout: float = 60) -> None:
        """Read until `text` has been drawn (AssertionError with the screen's tail otherwise)."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            if self.closed or time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never drawn; last output: {self.seen[-1500:]!r}")
            self.read(min(1.0, max(0.0, deadline - time.monotonic())))

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def exit_code(self, timeout: float = 60) -> int:
        """Read to the end, then rig's exit code."""
        deadline = time.monotonic() + timeout
        while not self.closed:
            if time.monotonic() > deadline:
                raise AssertionError(f"rig still running after {timeout:g} s; last output: {self.seen[-1500:]!r}")
            self.read(1.0)
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        """End rig if a failed test left it running (its own process group: pty.fork made it a session)."""
        try:
            if os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                os.killpg(self.pid, 9)
                os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
