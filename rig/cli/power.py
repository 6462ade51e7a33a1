"""`rig power on|off|cycle PHONE` and `rig power --resume RUN_DIR`: a phone's PoE port by hand.

The policy is rig.actions.power's: the port is switched only once the switch shows the
configured phone on it (or, to turn a dark port on, shows no other device there), through the
one power primitive. Off and cycle journal like a job (`runs/<id>-power/journal.jsonl`, named in
the phone's lease), so that a port this command left dark is found again: Ctrl-C, SIGTERM and
SIGHUP end a cycle's wait early and the port comes back on before exit 130; after `kill -9`,
`rig power --resume RUN_DIR`, or the next run or command that takes over the phone's lease,
turns it back on. A plain `off` leaves the port off on purpose (`rig power on` turns it on).
"""

from __future__ import annotations

import contextlib
import threading
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from rig.actions.lease_guard import command_lease
from rig.actions.power import PowerRefused, guarded_power
from rig.actions.restore import journals_of, restore_for
from rig.bench.build import Bench, open_bench
from rig.cli.app import ConfigOption, app, config_path
from rig.cli.hardware import checked_duration, fail
from rig.drivers.errors import DeviceError
from rig.errors import ConfigError, RigError
from rig.record.events import ListedPhone, RunFinished, RunStarted
from rig.jobs import DEFAULT_RUNS
from rig.jobs.interrupts import interrupts
from rig.jobs.result import EXIT_INTERRUPTED
from rig.jobs.rundir import new_run_dir, read_state
from rig.jobs.runner import config_summary
from rig.record.journal import JOURNAL_NAME, Journal, ports_left_off
from rig.record.lease import LeaseSet


class PowerCommand(str, Enum):
    """What `rig power` is asked to do (the journal's `power` event, PowerAction, records what was done)."""

    on = "on"
    off = "off"
    cycle = "cycle"


@app.command()
def power(
    ctx: typer.Context,
    action: Annotated[Optional[PowerCommand], typer.Argument(help="on, off or cycle.", show_default=False)] = None,
    phone: Annotated[Optional[str], typer.Argument(help="Phone name from the lab config.", show_default=False)]
    = None,
    off_seconds: Annotated[Optional[float], typer.Option(
        "--off-seconds", help="Cycle: how long the port stays off (default: timeouts.power_off).",
        show_default=False)] = None,
    resume: Annotated[Optional[Path], typer.Option(
        "--resume", help="Turn back on every port this earlier run (rig power, or a job) left off.",
        show_default=False)] = None,
    runs_dir: Annotated[Path, typer.Option("--runs-dir", help="Where the journal of an off or cycle goes.")]
    = DEFAULT_RUNS,
    config: ConfigOption = None,
) -> None:
    """Switch a phone's PoE port, after the switch has shown that phone is on it."""
    if (resume is None) == (action is None or phone is None) or (resume is not None and action is not None):
        raise RigError("rig power: give ACTION PHONE (on, off or cycle), or --resume RUN_DIR alone")
    off_seconds = checked_duration("--off-seconds", "power_off", off_seconds)
    stop = threading.Event()
    with interrupts(stop), open_bench(config_path(ctx, config)) as bench:
        if resume is not None:
            _resume(bench, resume)
            return
        assert action is not None and phone is not None
        _switch(bench, action, phone, off_seconds, runs_dir, stop)
    if stop.is_set():
        typer.echo(f"rig: interrupted ({phone}'s port is on again)" if action != PowerCommand.off
                   else "rig: interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)


def _switch(bench: Bench, action: PowerCommand, name: str, off_seconds: float | None, runs_dir: Path,
            stop: threading.Event) -> None:
    cfg = bench.config.phone(name)
    if cfg.switch is None:
        raise ConfigError(f"phone {cfg.name} has no switch (field mode): rig has no power control over it")
    seconds = bench.config.timeouts.power_off if off_seconds is None else off_seconds
    with command_lease(bench.config.bench, cfg.name, f"power {action.value}", bench.config.timeouts.lease) as lease:
        restored = restore_for(bench, journals_of(lease.taken_over), [cfg.name]) if lease is not None else []
        for name in restored:
            typer.echo(f"{name}: port turned back on (a crashed run had left it off)")
        if stop.is_set() or (restored and action == PowerCommand.on):
            return  # on already (a phone just powered cannot be identified yet)
        journal = None if action == PowerCommand.on else _journal(bench, cfg.name, runs_dir, lease)
        try:
            identity = guarded_power(bench.switch(cfg.switch), cfg, action.value, off_seconds=seconds,
                                     wait=stop.wait, journal=journal)
        except PowerRefused as refused:
            raise fail(str(refused)) from None
        except DeviceError as error:
            raise fail(f"error: {error}") from None
        finally:
            if journal is not None:
                with contextlib.suppress(OSError):  # a full disk: the port is what matters now
                    journal.write(RunFinished(outcomes={}))
                journal.close()
    typer.echo(f"{cfg.name}: power {action.value} on {cfg.switch} {cfg.port} ({identity.evidence})")


def _journal(bench: Bench, name: str, runs_dir: Path, lease: LeaseSet | None) -> Journal:
    """The command's journal, opened and named in the phone's lease before the port is touched."""
    run_dir = new_run_dir(runs_dir, "power")
    if lease is not None:
        lease.attach(run_dir)
    journal = Journal(run_dir / JOURNAL_NAME)
    cfg = bench.config.phone(name)
    journal.write(RunStarted(run_id=run_dir.name, procedure="power", bench=bench.config.bench,
                             phones=[ListedPhone(cfg.name, cfg.mac, cfg.switch, cfg.port)], redo=[cfg.name],
                             config=config_summary(bench.config)))
    return journal


def _resume(bench: Bench, run_dir: Path) -> None:
    """Turn back on what the run's journal shows it left off, holding those phones' leases."""
    state = read_state(run_dir)
    if state.bench != bench.config.bench:
        raise RigError(f"{run_dir}: is a run of bench {state.bench}, not {bench.config.bench}")
    names = sorted({claim.name for claim in ports_left_off(state.events, bench.config.bench)})
    if not names:
        typer.echo(f"{run_dir}: no port left off")
        return
    with LeaseSet(bench.config.bench, names, f"rig power --resume {run_dir.name}", bench.config.timeouts.lease):
        restored = restore_for(bench, {run_dir.resolve(): state.events}, names)
    for name in restored:
        typer.echo(f"{name}: port turned back on")
    for name in sorted(set(names) - set(restored)):
        typer.echo(f"{name}: left as it is (its port is on already, or holds another device)")
