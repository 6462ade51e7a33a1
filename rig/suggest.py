""""Did you mean": the closest known names to a mistyped one (keys, phone names, config keys).

difflib's ratio, as git and click use for commands: a misspelling (`Setings`, `desk-1`,
`pasword`) is close to the name meant, an unrelated word to none.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

LISTED = 12
"""Names listed when none is close (a bench of 240 phones is not listed in an error line)."""


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """` (did you mean 'Settings'?)`, or "" when nothing known is close."""
    close = difflib.get_close_matches(word, list(known), n=3, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)"


def known_names(word: str, known: Iterable[str], what: str) -> str:
    """The closest names, else the names there are (at most LISTED): ` (phones: desk-01, ...)`."""
    names = list(known)
    suggestion = did_you_mean(word, names)
    if suggestion or not names:
        return suggestion
    shown = ", ".join(names[:LISTED]) + (f", ... ({len(names)} in all)" if len(names) > LISTED else "")
    return f" ({what}: {shown})"
