"""restart: power the phone off and on through its PoE port, inside the switch's power budget.

Power-on holds the switch's power-up semaphore until the port draws power again (or a short
settle time passes): a switch powering dozens of phones at once can exceed its PoE budget. Once
the port has been turned off it is always turned back on, even when the run is interrupted.
"""

from __future__ import annotations

from typing import Any

from rig.journal import iso, utc_now
from rig.procedures.job import POWER_SETTLE, PhoneJob
from rig.procedures.steps import Interrupted, Step


def _drawing(job: PhoneJob) -> dict[str, object] | None:
    reading = job.draw()
    return reading if (_watts(reading) or 0.0) > 0 else None


def power_cycle(job: PhoneJob, step: Step) -> None:
    """Off, wait `timeouts.power_off`, on; draw before and after go into the step's evidence."""
    timeouts = job.config.timeouts
    step.data["draw_before"] = job.draw()
    job.switch.power_off(job.phone.port)
    try:
        job.sleep(timeouts.power_off)
        step.data["draw_off"] = job.draw()
    finally:
        with job.powerup:
            job.power_on_at = utc_now()
            job.switch.power_on(job.phone.port)
            step.data["power_on_at"] = iso(job.power_on_at)
            if job.stop.is_set():
                raise Interrupted("run interrupted (port powered back on)")
            after = job.poll(lambda: _drawing(job), min(POWER_SETTLE, timeouts.boot))
    step.data["draw_after"] = after if after is not None else job.draw()
    before = step.data["draw_before"]
    step.detail = (
        f"powered off {timeouts.power_off:g}s; draw {_watts(before)} W before, "
        f"{_watts(step.data['draw_after'])} W after"
    )


def _watts(reading: dict[str, Any]) -> float | None:
    """The meter's reading when the phone has one (finer than the switch's), else PoE."""
    return reading.get("meter_watts", reading.get("poe_watts"))


def run(job: PhoneJob) -> None:
    if job.console is not None and job.console_mark is None:
        job.console_mark = job.console.mark()
    with job.steps.step("restart") as step:
        power_cycle(job, step)
