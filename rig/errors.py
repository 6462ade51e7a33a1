"""Errors that end a rig command with a one-line message instead of a traceback.

Exit codes follow the CLI contract in docs/contracts.md: 2 bad usage/config/input.
"""

from __future__ import annotations


def printable(text: str) -> str:
    """`text` with control characters escaped (`\\n`), so a message quoting input stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class RigError(Exception):
    """Bad input or a bench problem that the user must fix; printed as one line, exit 2.

    The message is made one line here, whatever it quotes (a file name, a phone name, a value
    read from the file), so no caller can break the one-line contract by accident.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(printable(str(message)))


class ConfigError(RigError):
    """The lab config (or a file it names) is invalid. The message names file, phone and field."""
