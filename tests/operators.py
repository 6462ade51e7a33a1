"""A test's Operator (rig.drivers.operator): records every ask and answers from a script."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rig.drivers.operator import Ask


@dataclass
class ScriptedOperator:
    """Answers each ask with `answer(ask)` (default: done); raising from it is the person's answer."""

    answer: Callable[[Ask], None] = lambda ask: None
    asked: list[Ask] = field(default_factory=list)

    def ask(self, request: Ask) -> None:
        self.asked.append(request)
        self.answer(request)
