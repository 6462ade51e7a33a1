"""What the terminal shows, and when a bench part is taken out of service."""

from __future__ import annotations

import io

from rich.console import Console

from rig.record.events import PhoneDone, PhoneStarted, StepStarted
from rig.jobs.health import PartHealth
from rig.cli.progress import Progress
from rig.report.results import summary_line
from tests.results import phone_result, run_results


def test_without_a_terminal_each_finished_phone_is_one_plain_line():
    out = io.StringIO()
    progress = Progress(["desk-01", "desk-02"], Console(file=out, width=200), live=False)
    with progress:
        progress(PhoneStarted(phone="desk-01"))
        progress(StepStarted(phone="desk-01", name="erase"))
        progress(PhoneDone(phone="desk-01", outcome="failed", reason="never fetched its load"))
        progress(PhoneDone(phone="desk-02", outcome="passed"))
    assert out.getvalue().splitlines() == ["desk-01 failed: never fetched its load", "desk-02 passed"]


def test_quiet_progress_prints_nothing():
    out = io.StringIO()
    with Progress(["desk-01"], Console(file=out), live=False, quiet=True) as progress:
        progress(PhoneDone(phone="desk-01", outcome="passed"))
    assert out.getvalue() == ""


def test_the_summary_line_counts_every_outcome():
    results = run_results([phone_result(f"desk-{i}") for i in range(7)] + [phone_result("desk-7", "failed")])
    assert summary_line(results) == "passed 7, failed 1, error 0, skipped 0"


def test_a_bench_part_is_out_of_service_once_errors_hit_two_different_phones():
    health = PartHealth()
    assert not health.record_error("switch sw1", "desk-01", "sw1: timeout")
    assert not health.record_error("switch sw1", "desk-01", "sw1: timeout again")
    assert health.unhealthy_reason(["switch sw1"]) is None
    assert health.record_error("switch sw1", "desk-02", "sw1: refused")
    assert health.unhealthy_reason(["console 10.0.0.5", "switch sw1"]) == "switch sw1 unhealthy: sw1: timeout"
