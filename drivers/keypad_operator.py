"""Key presses by a technician at the desk, asked one key at a time.

For a phone with no network path and no actuator board: each ask (rig.drivers.operator) names the
phone, the key as printed on it, and its place in the sequence; the person confirms each press.
"""

from __future__ import annotations

from collections.abc import Sequence

from rig.drivers.keypad import Keypad, KeypadError, check_keys
from rig.drivers.operator import Ask, Operator, OperatorError

_LABELS = {
    **{f"KeyPad{d}": str(d) for d in range(10)},
    "KeyPadStar": "*",
    "KeyPadPound": "#",
    **{f"Soft{n}": f"softkey {n}" for n in range(1, 6)},
    **{f"Line{n}": f"line button {n}" for n in range(1, 7)},
    "NavUp": "navigation up", "NavDwn": "navigation down", "NavLeft": "navigation left",
    "NavRight": "navigation right", "NavSelect": "navigation select (centre)", "NavBack": "back",
    "VolUp": "volume up", "VolDwn": "volume down",
}


def key_label(key: str) -> str:
    """What the technician sees printed on the phone for `key` (`KeyPadStar` -> `*`)."""
    return _LABELS.get(key, key)


class OperatorKeypad(Keypad):
    def __init__(self, label: str, operator: Operator) -> None:
        self.label = label
        self.operator = operator

    def press(self, keys: Sequence[str], gap: float = 1.0) -> None:
        """Ask for each key in turn (the technician sets the pace, so `gap` is unused). A person
        who cannot be asked is a keypad error; a skip or a stop goes up as the operator's own."""
        keys = check_keys(keys, self.label)
        for n, key in enumerate(keys, 1):
            try:
                self.operator.ask(Ask(self.label, f"press {key_label(key)}", n, len(keys)))
            except OperatorError as error:
                raise KeypadError(f"operator keypad: {error}") from None
