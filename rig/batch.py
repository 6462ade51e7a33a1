"""One job on an open bench, for callers that are not the CLI: the pytest plugin and a Dask worker.

The steps are the CLI's (key scripts validated and phones leased before anything is touched,
then a Runner, then the reports rendered from the journal); what differs is who watches the
events and where the results go. `phone_slots` names a bench's phones without starting it, so
tests can be parametrized and a cluster run can list a bench whose worker never answers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rig.config import LabConfig

if TYPE_CHECKING:
    from rig.bench import Bench
    from rig.runner import Observer


@dataclass(frozen=True)
class PhoneSlot:
    """What is known of a phone before its bench starts (a simulated phone has no config yet)."""

    name: str
    mac: str
    model: str
    switch: str
    port: str
    scenario: str | None
    """The simulated phone's scenario; None on a real bench."""


def phone_slots(config: LabConfig) -> list[PhoneSlot]:
    """The bench's phones in config order, read from the file alone (a simulation is not started)."""
    if config.simulation is None:
        return [PhoneSlot(p.name, p.mac, p.model, p.switch, p.port, None) for p in config.phones]
    from rig.sim.bench import layout

    return [PhoneSlot(s.name, s.mac, "7942", s.switch, s.port, s.scenario) for s in layout(config.simulation)]


def run_job(
    bench: "Bench",
    procedure: str,
    names: list[str],
    run_dir: Path,
    *,
    source: str,
    observer: "Observer | None" = None,
    stop: threading.Event | None = None,
) -> dict[str, Any]:
    """Run `procedure` on the named phones (all when empty) and return results.json's content.

    `source` (the config file) is what a bad key script's error names. Leases are taken for the
    run, so a nightly suite and a person at the bench never drive the same phone at once.
    """
    from rig.keyscript import scripts_for
    from rig.lease import LeaseSet
    from rig.procedures import KEY_SCRIPT_FOR
    from rig.report import render
    from rig.runner import Runner

    config = bench.config
    phones = config.select(names)
    script_job = KEY_SCRIPT_FOR[procedure]
    only = [p.name for p in phones]
    scripts = scripts_for(config.phones, script_job, source, only=only) if script_job else {}
    with LeaseSet(config.bench, only, run_dir.name, config.timeouts.lease):
        Runner(bench, procedure, phones, run_dir, scripts=scripts, stop=stop, observer=observer).run()
    return render(run_dir)
