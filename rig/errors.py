"""Errors that end a rig command with a one-line message instead of a traceback.

Exit codes follow the CLI contract in docs/contracts.md: 2 bad usage/config/input.
"""

from __future__ import annotations


class RigError(Exception):
    """Bad input or a bench problem that the user must fix; printed as one line, exit 2."""

    exit_code = 2


class ConfigError(RigError):
    """The lab config (or a file it names) is invalid. The message names file, phone and field."""
