"""The end of a run on the terminal, like pytest's short summary: only phones that did not pass,
grouped by outcome and reason with counts, phone names in natural order."""

from __future__ import annotations

import io
from rich.console import Console

from rig.cli.summary import short_summary_lines, short_summary_table
from rig.report.model import RunResults
from tests.results import phone_result, run_results


def _results(outcomes: dict[str, tuple[str, str | None]]) -> RunResults:
    return run_results([phone_result(n, o, r) for n, (o, r) in outcomes.items()])


def test_a_fleet_that_all_passed_gets_no_table_and_no_lines():
    results = _results({f"desk-{i}": ("passed", None) for i in range(240)})
    assert short_summary_table(results) is None
    assert short_summary_lines(results) == []


def test_phones_that_did_not_pass_are_grouped_by_reason_with_counts_most_frequent_first():
    outcomes: dict[str, tuple[str, str | None]] = {f"desk-{i}": ("passed", None) for i in range(1, 200)}
    for i in (100, 11, 10, 2):
        outcomes[f"desk-{i}"] = ("failed", "never fetched its load")
    outcomes["desk-7"] = ("failed", "ITL not erased")
    outcomes["desk-50"] = ("error", "switch sw1: no answer")
    lines = short_summary_lines(_results(outcomes))
    assert lines == [
        "failed 4: never fetched its load [desk-2, desk-10, desk-11, desk-100]",
        "failed 1: ITL not erased [desk-7]",
        "error 1: switch sw1: no answer [desk-50]",
    ]
    out = Console(file=io.StringIO(), width=150, color_system=None)
    out.print(short_summary_table(_results(outcomes)))
    screen = out.file.getvalue()  # type: ignore[attr-defined]
    assert "6 of 199 did not pass" in screen
    assert "desk-1 " not in screen and screen.count("never fetched its load") == 1
