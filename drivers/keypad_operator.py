"""Key presses by a technician at the desk, prompted one key at a time.

For a phone with no network path and no actuator board: the prompt names the phone and a
human label for the key, and the technician confirms each press with Enter.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from drivers.keypad import KeypadError, check_keys

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


class OperatorKeypad:
    def __init__(self, label: str, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        self.label = label
        self._stdin = stdin
        self._stdout = stdout

    def press(self, keys: Sequence[str], gap: float = 1.0) -> None:
        """Prompt for each key and wait for Enter (the technician sets the pace, so `gap` is unused)."""
        keys = check_keys(keys, self.label)
        if not self._stdin.isatty():
            raise KeypadError(f"phone {self.label}: operator keypad needs an interactive terminal")
        for key in keys:
            self._stdout.write(f"Phone {self.label}: press {key_label(key)} [Enter when done] ")
            self._stdout.flush()
            if self._stdin.readline() == "":
                raise KeypadError(f"phone {self.label}: operator input closed before {key} was confirmed")
