"""The one family every driver error belongs to: each error says which part of the bench it implicates.

The runner turns a failure into a phone's outcome by reading the error itself (`part`, `device`),
never by a table of driver classes, so a new driver (or a new error of an old one) needs no change
outside its own module: it derives its errors from DeviceError and sets `part`.
"""

from __future__ import annotations

from typing import ClassVar

PHONE = "phone"
"""The part that is the phone itself: its failure is the phone's fault (outcome `failed`)."""


class DeviceError(Exception):
    """A device did not do what a driver asked; the message names the device and the operation."""

    part: ClassVar[str]
    """The kind of bench part the failure implicates: `switch`, `console`, `keypad`, `meter`,
    `cucm`, `tftp`, `operator`, or PHONE when the phone itself misbehaved (its own web server).
    Every error of the family sets it (tests/test_device_errors.py); the runner blames the phone's
    own part of that kind (`switch sw1`, from the phone's config)."""

    device: ClassVar[str | None] = None
    """Which device of that kind, where the phone's config names none (a service of the bench's
    one CUCM: `risport`); None leaves such a kind unblamed (the phone's own web keypad)."""

    @property
    def phone_fault(self) -> bool:
        """The phone failed (`failed`), rather than the bench around it (`error`)."""
        return self.part == PHONE

    def reason(self) -> str:
        """The outcome's reason: the message, which already names device and operation."""
        return str(self)
