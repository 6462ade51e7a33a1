"""The terminal for a fleet: a progress bar over a table of the phones that need attention."""

from __future__ import annotations

import io

from rich.console import Console

from rig.cli.progress import Progress
from rig.record.events import PhoneDone, PhoneStarted, StepStarted


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _screen(progress: Progress) -> list[str]:
    out = Console(file=io.StringIO(), width=120, color_system=None)
    out.print(progress.view())
    return out.file.getvalue().splitlines()  # type: ignore[attr-defined]


def test_the_bar_counts_outcomes_and_the_table_hides_passed_and_waiting_phones_and_shows_reasons():
    clock = Clock()
    phones = [f"desk-{i:02d}" for i in range(1, 9)]
    progress = Progress(phones, Console(file=io.StringIO()), live=False, quiet=True, clock=clock)
    for name in phones[:4]:
        progress(PhoneStarted(phone=name))
    progress(StepStarted(phone="desk-04", name="erase"))
    clock.now += 60
    progress(PhoneDone(phone="desk-01", outcome="passed"))
    progress(PhoneDone(phone="desk-02", outcome="failed", reason="never fetched its load"))

    bar, *table = _screen(progress)
    assert "2/8" in bar and "passed 1" in bar and "failed 1" in bar and "elapsed 1:00" in bar
    shown = [line.split("│")[1].strip() for line in table if line.startswith("│") and "desk-" in line]
    assert shown == ["desk-02", "desk-03", "desk-04"]  # the failure first, then the phones in flight
    assert any("erase" in line for line in table if "desk-04" in line)
    assert any("never fetched its load" in line for line in table if "desk-02" in line)  # as it happens


def test_the_time_left_comes_from_step_durations_not_from_the_first_phones_done():
    """240 phones side by side: 4 done after 7 s say little about the 236 nearly done (issue 22:
    the old estimate, elapsed / done x left, said ~6:51 here when about a second remained)."""
    clock = Clock()
    phones = [f"desk-{i:03d}" for i in range(1, 241)]
    progress = Progress(phones, Console(file=io.StringIO()), live=False, quiet=True, clock=clock)
    for name in phones:
        progress(PhoneStarted(phone=name))
        progress(StepStarted(phone=name, name="identify"))
    clock.now += 1
    for name in phones:
        progress(StepStarted(phone=name, name="erase"))
    clock.now += 6
    for name in phones[:4]:
        progress(PhoneDone(phone=name, outcome="passed"))
    bar = _screen(progress)[0]
    assert "4/240" in bar and "left ~0:00" in bar


def test_phones_not_started_owe_every_step_shared_by_the_phones_that_run_at_once():
    clock = Clock()
    progress = Progress(["a", "b", "c", "d"], Console(file=io.StringIO()), live=False, quiet=True, clock=clock)
    for name in ("a", "b", "c"):  # three at a time
        progress(PhoneStarted(phone=name))
        progress(StepStarted(phone=name, name="erase"))
    clock.now += 30
    for name in ("a", "b", "c"):
        progress(StepStarted(phone=name, name="verify"))
    clock.now += 30
    for name in ("a", "b"):
        progress(PhoneDone(phone=name, outcome="passed"))
    # c is at the end of its verify (30 s, as a and b took); d owes 60 s, shared by three at once
    assert "left ~0:20" in _screen(progress)[0]


def test_phones_that_finished_no_longer_count_among_those_running_at_once():
    clock = Clock()
    progress = Progress(["a", "b", "c", "d"], Console(file=io.StringIO()), live=False, quiet=True, clock=clock)
    for name in ("a", "b"):  # two at a time
        progress(PhoneStarted(phone=name))
        progress(StepStarted(phone=name, name="erase"))
    clock.now += 30
    for name in ("a", "b"):
        progress(PhoneDone(phone=name, outcome="passed"))
    progress(PhoneStarted(phone="c"))
    progress(StepStarted(phone="c", name="erase"))
    # c owes its whole erase (30 s), d its whole run (30 s): shared by two at once, not three
    assert "left ~0:30" in _screen(progress)[0]


def test_a_run_where_every_phone_passed_ends_on_the_bar_alone():
    progress = Progress(["a", "b"], Console(file=io.StringIO()), live=False, quiet=True, clock=Clock())
    for name in ("a", "b"):
        progress(PhoneStarted(phone=name))
        progress(PhoneDone(phone=name, outcome="passed"))
    assert len(_screen(progress)) == 1


def test_a_step_tried_again_shows_its_attempt_while_it_runs():
    progress = Progress(["desk-01"], Console(file=io.StringIO(), width=150), live=False, quiet=True, clock=Clock())
    progress(PhoneStarted(phone="desk-01"))
    progress(StepStarted(phone="desk-01", name="erase", attempt=2))
    _, *table = _screen(progress)
    assert any("erase (attempt 2)" in line for line in table if "desk-01" in line)
