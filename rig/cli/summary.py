"""The end of a run on the terminal, like pytest's short summary: only the phones that did not
pass, grouped by outcome and reason with a count each, then the counts line.

A fleet of 240 that all passed needs one line, not 240 rows; 29 phones that failed for the same
reason are one row naming them, not 29 rows repeating it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from rich.table import Table

from rig.report.model import RunResults

STYLE = {"passed": "green", "failed": "red", "error": "yellow", "skipped": "dim", "interrupted": "dim"}
ORDER = ("failed", "error", "skipped", "interrupted")
NAMES_SHOWN = 12
"""Phone names listed per reason; the rest are counted (results.json and report.html list them all)."""


def natural_key(name: str) -> list[Any]:
    """`desk-9` before `desk-10` (digits compare as numbers)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def not_passed(results: RunResults) -> list[tuple[str, str, list[str]]]:
    """(outcome, reason, phone names naturally sorted) for every phone that did not pass, most
    frequent reason first within each outcome."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for phone in results.phones:
        if not phone.passed:
            groups[(phone.outcome, phone.reason or "no reason recorded")].append(phone.name)
    rank = {outcome: n for n, outcome in enumerate(ORDER)}
    ordered = sorted(groups.items(), key=lambda item: (rank.get(item[0][0], len(ORDER)), -len(item[1]), item[0][1]))
    return [(outcome, reason, sorted(names, key=natural_key)) for (outcome, reason), names in ordered]


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown if len(names) <= NAMES_SHOWN else f"{shown} (+{len(names) - NAMES_SHOWN} more)"


def short_summary_table(results: RunResults) -> Table | None:
    """The grouped table for a terminal; None when every phone passed."""
    groups = not_passed(results)
    if not groups:
        return None
    total = sum(len(names) for _, _, names in groups)
    table = Table(title=f"{results.procedure} {results.run_id}: {total} of {len(results.phones)} "
                        "did not pass", title_justify="left")
    for column in ("outcome", "phones", "reason", "which"):
        table.add_column(column, overflow="fold")
    for outcome, reason, names in groups:
        table.add_row(f"[{STYLE.get(outcome, '')}]{outcome}[/]", str(len(names)), reason, _names(names))
    return table


def short_summary_lines(results: RunResults) -> list[str]:
    """The same, one plain line per group (piped output: easy to grep)."""
    return [f"{outcome} {len(names)}: {reason} [{_names(names)}]" for outcome, reason, names in not_passed(results)]
