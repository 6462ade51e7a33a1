"""The IosSwitch exception family: every message names the switch and the command, never a secret."""

from __future__ import annotations

from typing import TypeVar

from rig.drivers.errors import DeviceError


class SwitchError(DeviceError):
    """A switch operation failed; the message names the switch and the command."""

    part = "switch"

    def __init__(self, switch: str, command: str | None = None, problem: str | None = None) -> None:
        """`SwitchError(switch, command, problem)`; a lone argument is taken as the whole message."""
        message = switch if command is None else f"switch {switch}: {command}: {problem}"
        super().__init__(message)
        self.switch = switch
        self.command = command
        self.problem = problem


class SwitchAuthError(SwitchError):
    """Login or `enable` refused."""


class SwitchHostKeyError(SwitchError):
    """The switch's SSH host key is unknown or differs from known_hosts."""


class SwitchCommandError(SwitchError):
    """The switch rejected a command (`% Invalid input`, unknown port) or answered nonsense."""


class SwitchTimeout(SwitchError):
    """No answer (prompt) within the timeout; the session is dropped and rebuilt on next use."""


E = TypeVar("E", bound=BaseException)


def cause_of(exc: BaseException, kind: type[E]) -> E | None:
    """The first exception of `kind` in the cause chain of `exc`."""
    seen: BaseException | None = exc.__cause__ or exc.__context__
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def cause_text(exc: BaseException) -> str:
    """The message of what caused `exc` (its own when nothing did)."""
    cause = exc.__cause__ or exc.__context__
    return str(cause) if cause is not None else str(exc)
