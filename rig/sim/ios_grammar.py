"""IOS command matching: a tree of keywords and parameters that resolves abbreviations.

Every word may be abbreviated to any unambiguous prefix, an exact keyword wins over longer ones,
and an interface parameter takes IOS's short and long spellings (one word or two), so
`sh pow inl gi1/0/3` and `int GigabitEthernet 1/0/3` resolve as a switch resolves them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rig.sim.ios_ports import SwitchState

Action = Callable[..., object]
"""A command's handler: returns the text to print (str) or a `Reply` of the interpreter."""
IF = "<interface>"
NUM = "<number>"
RANGES = "<ranges>"
"""The rest of the line: `interface range` operands (SwitchState.port_ranges)."""
_PARAMS = (IF, NUM, RANGES)


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    param: tuple[str, _Node] | None = None
    action: Action | None = None


class Mismatch(Exception):
    """Input that no command accepts: `word` is the index of the word the caret points at."""

    def __init__(self, kind: str, word: int = 0) -> None:
        super().__init__(kind)
        self.kind = kind  # invalid | incomplete | ambiguous
        self.word = word


class Grammar:
    """A tree of keywords and parameters; walking it resolves IOS abbreviations."""

    def __init__(self) -> None:
        self.root = _Node()

    def add(self, pattern: str, action: Action) -> None:
        node = self.root
        for token in pattern.split():
            if token in _PARAMS:
                if node.param is None:
                    node.param = (token, _Node())
                node = node.param[1]
            else:
                node = node.children.setdefault(token, _Node())
        node.action = action

    def resolve(
        self, words: list[str], state: SwitchState | None
    ) -> tuple[Action, list[object]]:
        """The action and arguments `words` select; `state` resolves interface parameters (a
        device without ports passes None and has no command that takes one)."""
        node, i = self.root, 0
        args: list[object] = []
        while i < len(words):
            word = words[i].lower()
            exact = node.children.get(word)
            matches = [k for k in node.children if k.startswith(word)]
            if exact is not None or len(matches) == 1:
                node = exact if exact is not None else node.children[matches[0]]
                i += 1
            elif len(matches) > 1:
                raise Mismatch("ambiguous", i)
            elif node.param is None:
                raise Mismatch("invalid", i)
            else:
                kind, nxt = node.param
                value, used = self._param(kind, words, i, state)
                args.append(value)
                node, i = nxt, i + used
        if node.action is None:
            raise Mismatch("incomplete", len(words))
        return node.action, args

    @staticmethod
    def _param(kind: str, words: list[str], i: int, state: SwitchState | None) -> tuple[object, int]:
        if kind == NUM:
            if not words[i].isdigit():
                raise Mismatch("invalid", i)
            return int(words[i]), 1
        if state is None:
            raise Mismatch("invalid", i)
        if kind == RANGES:
            ports = state.port_ranges(" ".join(words[i:]))
            if ports is None:
                raise Mismatch("invalid", i)
            return ports, len(words) - i
        # An interface is one word (gi1/0/5) or two (GigabitEthernet 1/0/5).
        spellings = [(words[i], 1)]
        if words[i].isalpha() and i + 1 < len(words):
            spellings.insert(0, (words[i] + words[i + 1], 2))
        for text, used in spellings:
            port = state.port(text)
            if port is not None:
                return port, used
        raise Mismatch("invalid", i)
