"""The fleet chart's time axis: labels never closer than the gap a label needs, from 0 to the end."""

from __future__ import annotations

import pytest

from rig.record.steps import STEP_NAMES
from rig.report.fleet import CHART_WIDTH, MIN_LABEL_GAP, OTHER_STEP, STEP_COLOURS, axis_ticks, step_colour


@pytest.mark.parametrize("seconds", [0.4, 3.0, 9.9, 17.0, 61.0, 250.0, 1800.0, 7300.0])
@pytest.mark.parametrize("width", [CHART_WIDTH, 760.0, 200.0])
def test_axis_labels_never_overlap_and_cover_the_run(seconds, width):
    ticks = axis_ticks(seconds, width)
    gaps = [b.x - a.x for a, b in zip(ticks, ticks[1:])]
    assert ticks[0].x == 0 and ticks[0].label.startswith("0")
    assert all(gap >= MIN_LABEL_GAP - 0.1 for gap in gaps)
    assert ticks[-1].x <= width and width - ticks[-1].x <= max(gaps, default=width)
    assert len({t.label for t in ticks}) == len(ticks)


def test_long_runs_are_labelled_in_minutes():
    assert [t.label for t in axis_ticks(600.0)][:3] == ["0 min", "1 min", "2 min"]


@pytest.mark.parametrize("name, family", [
    ("verify_itl", "verify"), ("verify_registration", "verify"), ("erase", "erase"), ("recover", "recover"),
    ("factory_reset", "factory_reset"), ("observe", "observe"),
])
def test_every_step_is_drawn_in_its_familys_legend_colour(name, family):
    assert step_colour(name) == STEP_COLOURS[family]


def test_a_step_of_no_family_is_grey():
    assert step_colour("calibrate") == OTHER_STEP


def test_every_declared_step_family_has_its_own_legend_colour():
    assert {s.family for s in STEP_NAMES.values()} == set(STEP_COLOURS)
