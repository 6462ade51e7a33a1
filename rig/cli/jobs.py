"""`rig erase`, `rig verify`, `rig factory-reset`, `rig report`, `rig config check`: the jobs and
their run directory.

The job itself is rig.jobs' (input checked before any phone is touched, leases, restore, run,
reports); this module shows it: a live table or one line per phone, then the summary or the
`--json` document, and the exit code of rig.jobs.result.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.console import Console
from rich.table import Table

from rig.bench import open_bench
from rig.cli.app import ConfigOption, app, config_path
from rig.config import LabConfig, load_config
from rig.config_checks import check_secrets
from rig.jobs import DEFAULT_RUNS, JobRequest, JobResult, JobService
from rig.jobs.interrupts import interrupts
from rig.jobs.result import EXIT_INTERRUPTED
from rig.jobs.rundir import read_state
from rig.keyscript import scripts_for
from rig.cli.progress import Progress, summary_line, summary_table
from rig.report import render

WIDE_OUTPUT = 200  # columns when piped

Phones = Annotated[Optional[list[str]], typer.Argument(help="Phone names (default: every phone).", show_default=False)]
RunsDir = Annotated[Path, typer.Option("--runs-dir", help="Where run directories are created.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print a JSON summary on stdout (nothing else).")]
Cluster = Annotated[Optional[str], typer.Option(
    "--cluster", help="Dask scheduler address: run on every bench of the site file given as --config.",
    show_default=False)]

config_app = typer.Typer(no_args_is_help=True)
app.add_typer(config_app, name="config", help="Check the lab config.")


@app.command()
def erase(
    ctx: typer.Context,
    phones: Phones = None,
    resume: Annotated[Optional[Path], typer.Option(
        "--resume", help="Finish an earlier run: redo every phone that did not pass.", show_default=False)] = None,
    runs_dir: RunsDir = DEFAULT_RUNS,
    as_json: AsJson = False,
    cluster: Cluster = None,
    config: ConfigOption = None,
) -> None:
    """Erase the ITL of each phone, restart it, and verify what it fetches."""
    _dispatch(config_path(ctx, config), "erase", phones or [], resume, runs_dir, as_json, cluster)


@app.command()
def verify(
    ctx: typer.Context,
    phones: Phones = None,
    runs_dir: RunsDir = DEFAULT_RUNS,
    as_json: AsJson = False,
    cluster: Cluster = None,
    config: ConfigOption = None,
) -> None:
    """Restart each phone and verify what it fetches (no erase)."""
    _dispatch(config_path(ctx, config), "verify", phones or [], None, runs_dir, as_json, cluster)


@app.command("factory-reset")
def factory_reset(
    ctx: typer.Context,
    phones: Annotated[Optional[list[str]], typer.Argument(
        help="Phone names (required: a factory reset never runs on every phone by default).",
        show_default=False)] = None,
    resume: Annotated[Optional[Path], typer.Option(
        "--resume", help="Finish an earlier factory-reset run: redo every phone that did not pass.",
        show_default=False)] = None,
    runs_dir: RunsDir = DEFAULT_RUNS,
    as_json: AsJson = False,
    config: ConfigOption = None,
) -> None:
    """Factory-reset the named phones (every setting, ITL and CTL), then verify what they fetch."""
    _job(config_path(ctx, config), "factory_reset", phones or [], resume, runs_dir, as_json)


def _dispatch(path: Path, procedure: str, names: list[str], resume: Path | None, runs_dir: Path, as_json: bool,
              cluster: str | None) -> NoReturn:
    """The job on this bench, or with --cluster on every bench of the site file `path` (rig.cluster)."""
    if cluster:
        from rig.cluster import run_on_cluster

        raise typer.Exit(run_on_cluster(cluster, path, procedure, names, runs_dir, json_out=as_json, resume=resume))
    _job(path, procedure, names, resume, runs_dir, as_json)


@app.command()
def report(run_dir: Annotated[Path, typer.Argument(help="A run directory (runs/<run-id>).")]) -> None:
    """Re-render results.json, junit.xml and report.html from a run's journal."""
    read_state(run_dir)  # one clear error when it is not a run directory
    results = render(run_dir)
    typer.echo(f"{summary_line(results)}\nreport: {run_dir / 'report.html'}")


@config_app.command("check")
def config_check(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Validate the lab config (and the keypad scripts it needs) and print the bench."""
    path = config_path(ctx, config)
    cfg = load_config(path)
    if cfg.simulation is None:
        check_secrets(cfg, str(path))
        scripts_for(cfg.phones, "itl_erase", str(path))
        _print_bench(cfg, str(path))
        return
    with open_bench(path) as bench:  # a simulated bench's phones exist once it has started
        scripts_for(bench.config.phones, "itl_erase", str(path))
        _print_bench(bench.config, f"{path} (simulated bench, as started)")


def _print_bench(cfg: LabConfig, source: str) -> None:
    table = Table(title=f"bench {cfg.bench} — {source}")
    for column in ("phone", "mac", "model", "switch port", "ip", "keypad", "console", "meter"):
        table.add_column(column, overflow="fold")
    for p in cfg.phones:
        meter = f"{p.power_meter.instrument} ch{p.power_meter.channel}" if p.power_meter else ""
        table.add_row(
            p.name, p.mac, f"{p.model} {p.firmware}", f"{p.switch} {p.port}" if p.switch else "field mode",
            str(p.ip or ""),
            ", ".join(k.backend for k in p.keypad), p.console or "", meter,
        )
    switches = ", ".join(f"{name} {sw.host}:{sw.port}" for name, sw in cfg.switches.items())
    table.caption = f"switches: {switches}"
    _console().print(table)


def _console(stderr: bool = False) -> Console:
    """Rich output; piped output is not folded to 80 columns."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, width=None if stream.isatty() else WIDE_OUTPUT)


def _job(path: Path, procedure: str, names: list[str], resume: Path | None, runs_dir: Path, as_json: bool) -> NoReturn:
    request = JobRequest(procedure, tuple(names), resume, runs_dir, source=str(path))
    tty = sys.stdout.isatty() and not as_json
    out = _console(stderr=as_json)
    stop = threading.Event()
    # Until the bench's last device is closed, Ctrl-C only asks the run to stop
    # (rig.jobs.interrupts): a second one while the simulator shuts down must not cut the exit short.
    with interrupts(stop), open_bench(path) as bench:
        service = JobService(bench)
        plan = service.plan(request)
        if stop.is_set():  # Ctrl-C while the bench started: nothing touched, no run directory
            raise typer.Exit(EXIT_INTERRUPTED)
        with Progress([p.name for p in plan.todo], out, live=tty, quiet=as_json) as progress:
            result = service.run(plan, observer=progress, stop=stop)
        _print_summary(result, tty=tty, as_json=as_json, out=out)
    raise typer.Exit(result.exit_code)


def _print_summary(result: JobResult, *, tty: bool, as_json: bool, out: Console) -> None:
    for port in result.results.get("ports_left_off", []):  # first, before anything else (issue 29)
        out.print(f"PORT LEFT OFF: {port['phone']} ({port['switch']} {port['port']}): rig turned it off and could "
                  f"not turn it back on; rig power --resume {result.run_dir}", markup=False, highlight=False,
                  soft_wrap=True)
    for phone in result.restored:
        out.print(f"{phone}: port turned back on (a crashed run had left it off)", markup=False, highlight=False)
    if as_json:
        sys.stdout.write(json.dumps(result.document()) + "\n")
        sys.stdout.flush()
        return
    if tty:
        out.print(summary_table(result.results))
    out.print(summary_line(result.results), markup=False, highlight=False, soft_wrap=True)
    out.print(f"report: {result.run_dir / 'report.html'}", markup=False, highlight=False, soft_wrap=True)
