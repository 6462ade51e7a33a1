"""One interface for pressing a phone's keys, whatever presses them.

Three backends implement `Keypad`: the phone's own web key-press (`keypad_http`), a solenoid
board over a serial line (`keypad_serial`), and a technician at the desk (`keypad_operator`).
They exist side by side because a phone stuck on a stale ITL may refuse the web one (error 4).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rig.drivers.errors import DeviceError

KEY_NAMES: frozenset[str] = frozenset(
    [f"KeyPad{d}" for d in range(10)]
    + ["KeyPadStar", "KeyPadPound"]
    + [f"Soft{n}" for n in range(1, 6)]
    + [f"Line{n}" for n in range(1, 7)]
    + ["Settings", "Services", "Directories", "Messages", "Applications"]
    + ["NavUp", "NavDwn", "NavLeft", "NavRight", "NavSelect", "NavBack"]
    + ["Speaker", "Mute", "Headset", "VolUp", "VolDwn", "Hold"]
)
"""The phone's `Key:` URI names."""


class KeypadError(DeviceError):
    """Keys could not be pressed; the message names the phone and what refused."""

    part = "keypad"


class KeypadAuthError(KeypadError):
    """The phone refused the web key-press as unauthenticated (CiscoIPPhoneError 4)."""


class Keypad(Protocol):
    """One way of pressing a phone's keys. What a keypad can do beyond pressing, it declares here,
    so a procedure asks the keypad, never which driver it is; a driver inherits the defaults by
    naming Keypad as its base."""

    through_phone_web: bool = False
    """The keys travel through the phone's own web server, so they need its Web Access on."""

    def press(self, keys: Sequence[str], gap: float = 1.0) -> None: ...

    def open_app(self, app: str) -> None:
        """Start application `app` (`Settings`) from its top level, whatever is on screen, ahead
        of its keys. By default nothing: a solenoid or a technician just presses the keys."""


def check_keys(keys: Sequence[str], phone: str) -> list[str]:
    """The keys as a list, or KeypadError naming the phone and every unknown key (nothing sent)."""
    if isinstance(keys, str):
        keys = [keys]
    unknown = [k for k in keys if k not in KEY_NAMES]
    if unknown:
        raise KeypadError(f"{phone}: unknown key name(s) {', '.join(map(repr, unknown))}; "
                          f"expected Key: URI names such as Settings, KeyPad4, KeyPadStar, Soft2")
    return list(keys)
