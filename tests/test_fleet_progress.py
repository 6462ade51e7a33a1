"""The terminal for a fleet: a progress bar over a table of the phones that need attention."""

from __future__ import annotations

import io

from rich.console import Console

from rig.cli.progress import Progress
from rig.events import PhoneDone, PhoneStarted, StepStarted


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_counts_outcomes_and_estimates_time_left_and_the_table_hides_passed_and_waiting_phones():
    clock = Clock()
    phones = [f"desk-{i:02d}" for i in range(1, 9)]
    progress = Progress(phones, Console(file=io.StringIO()), live=False, quiet=True, clock=clock)
    for name in phones[:4]:
        progress(PhoneStarted(phone=name))
    progress(StepStarted(phone="desk-04", name="erase"))
    clock.now += 60
    progress(PhoneDone(phone="desk-01", outcome="passed"))
    progress(PhoneDone(phone="desk-02", outcome="failed", reason="never fetched its load"))

    out = Console(file=io.StringIO(), width=120, color_system=None)
    out.print(progress.view())
    screen = out.file.getvalue()  # type: ignore[attr-defined]
    bar, table = screen.splitlines()[0], screen.splitlines()[1:]
    assert "2/8" in bar and "passed 1" in bar and "failed 1" in bar
    assert "elapsed 1:00" in bar and "left ~3:00" in bar  # 60 s for 2 phones, 6 to go
    shown = [line.split("│")[1].strip() for line in table if line.startswith("│") and "desk-" in line]
    assert shown == ["desk-02", "desk-03", "desk-04"]  # the failure first, then the phones in flight
    assert any("erase" in line for line in table if "desk-04" in line)
