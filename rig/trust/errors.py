"""The one exception a malformed trust file raises.

Callers (the CLI, the simulated phone) must be able to tell "this file is garbage" apart from
a bug in rig, so every structural problem becomes a `TrustFileError` that says where in the
file it was found and which tag was being read; never an IndexError or struct.error.
"""

from __future__ import annotations


class TrustFileError(ValueError):
    """A .tlv or .sgn file that cannot be parsed. `offset` and `tag` locate the problem."""

    def __init__(self, offset: int, tag: int | None, problem: str) -> None:
        self.offset = offset
        self.tag = tag
        self.problem = problem
        where = f"offset 0x{offset:x}" + (f" (tag {tag})" if tag is not None else "")
        super().__init__(f"{where}: {problem}")
