"""Key presses with backend fallback: the one copy of the policy the CLI and the procedures share.

A phone's keypad backends are tried in config order. A web key-press the phone refuses as
unauthenticated (CiscoIPPhoneError 4 or HTTP 401: a wrong password, or a phone holding a stale
authentication URL; the driver's message names both) moves on to the next backend, and the
fallback is kept with its reason;
any other keypad error ends the press, since the keys may already have reached the phone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rig.drivers.keypad import Keypad, KeypadAuthError, KeypadError


class EveryBackendRefused(KeypadError):
    """Every backend refused the keys as unauthenticated; the message names each refusal."""


@dataclass(frozen=True)
class Fallback:
    backend: str
    reason: str


@dataclass
class KeypadChain:
    """A phone's keypad backends in order, the one in use and the fallbacks taken so far."""

    names: list[str]
    keypads: list[Keypad]
    current: int = 0
    fallbacks: list[Fallback] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What went wrong without stopping the keys (an `Init:` URI the phone does not know)."""
    before_fallback: Callable[[str], None] | None = None
    """Told the next backend's name once the chain has moved on to it, before any key is pressed
    there: it may raise to stop the keys (rig.procedures.restart_first restarts the phone before a
    backend that needs a person or a solenoid)."""

    def __post_init__(self) -> None:
        if not self.keypads or len(self.names) != len(self.keypads):
            raise ValueError("a keypad chain needs one name per keypad, and at least one")

    @property
    def backend(self) -> str:
        return self.names[self.current]

    def press(self, keys: Sequence[str], gap: float, *, open_app: bool = False) -> None:
        """Press `keys` on the current backend, falling back on an authentication refusal.

        `open_app`: the application the first key opens (`Settings`) is first started from its
        top level (Keypad.open_app: the phone's web key-press sends `Init:Settings`; a solenoid
        or a technician just presses the keys).
        """
        app = keys[0] if open_app and keys else None
        while True:
            keypad = self.keypads[self.current]
            try:
                if app is not None:
                    self._open(keypad, app)
                keypad.press(list(keys), gap=gap)
                return
            except KeypadAuthError as error:
                self.fallbacks.append(Fallback(self.backend, str(error)))
                if self.current + 1 >= len(self.keypads):
                    raise EveryBackendRefused(
                        "every keypad backend was refused: "
                        + "; ".join(f"{f.backend}: {f.reason}" for f in self.fallbacks)
                    ) from None
                self.current += 1
                if self.before_fallback is not None:
                    self.before_fallback(self.backend)

    def _open(self, keypad: Keypad, app: str) -> None:
        """Open `app`; a phone that answers it with an error still gets the keys (noted)."""
        try:
            keypad.open_app(app)
        except KeypadAuthError:
            raise
        except KeypadError as error:
            self.notes.append(f"Init:{app} not executed: {error}")
