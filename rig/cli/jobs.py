"""`rig erase`, `rig verify`, `rig factory-reset`, `rig report`, `rig config check`: the jobs and
their run directory.

The commands and their options; rig.cli.job_screen runs a job on the terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.table import Table

from rig.bench.build import open_bench
from rig.cli.app import ConfigOption, app, complete_phones, config_path
from rig.cli.job_screen import console, run_job
from rig.report.results import closing_lines
from rig.config.lab import LabConfig, load_config
from rig.config.checks import check_secrets
from rig.jobs import DEFAULT_RUNS
from rig.jobs.rundir import read_state
from rig.phone.keyscript import scripts_for
from rig.report import render
from rig.errors import RigError
from rig.procedures.migrate import Migration

Phones = Annotated[Optional[list[str]], typer.Argument(
    help="Phone names (default: every phone).", show_default=False, metavar="PHONE",
    autocompletion=complete_phones)]
RunsDir = Annotated[Path, typer.Option("--runs-dir", help="Where run directories are created.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print a JSON summary on stdout (nothing else).")]
Resume = Annotated[Optional[Path], typer.Option(
    "--resume", help="Finish an earlier run of this job (RUN_DIR): redo every phone that did not pass; "
    "without --config, with the config it ran with.", show_default=False, metavar="RUN_DIR")]
Cluster = Annotated[Optional[str], typer.Option(
    "--cluster", help="Dask scheduler address: run on every bench of the site file given as --config.",
    show_default=False)]

Screenshots = Annotated[Optional[bool], typer.Option(
    "--screenshots/--no-screenshots", help="Keep the phone's screen after each key of the erase (web access and "
    "an http_execute keypad's credentials needed); default: for a single phone only.", show_default=False)]
TryVariants = Annotated[bool, typer.Option(
    "--try-variants", help="When the keypad script's key path is not confirmed, try its other published variants, "
    "one at a time from the screen the phone boots to, and record which one confirmed.")]

config_app = typer.Typer(no_args_is_help=True)
app.add_typer(config_app, name="config", help="Check the lab config.")


@app.command()
def erase(
    ctx: typer.Context,
    phones: Phones = None,
    resume: Resume = None,
    runs_dir: RunsDir = DEFAULT_RUNS,
    as_json: AsJson = False,
    cluster: Cluster = None,
    screenshots: Screenshots = None,
    try_variants: TryVariants = False,
    config: ConfigOption = None,
) -> None:
    """Erase the ITL of each phone, restart it, and verify what it fetches."""
    if cluster:
        if screenshots is not None or try_variants:
            raise typer.BadParameter("runs on this bench only, not with --cluster",
                                     param_hint="--screenshots/--try-variants")
        _dispatch(ctx, config, "erase", phones or [], resume, runs_dir, as_json, cluster)
    run_job(ctx, config, "erase", phones or [], resume, runs_dir, as_json, screenshots=screenshots,
            try_variants=try_variants)


@app.command()
def verify(
    ctx: typer.Context,
    phones: Phones = None,
    resume: Resume = None,
    runs_dir: RunsDir = DEFAULT_RUNS,
    as_json: AsJson = False,
    cluster: Cluster = None,
    config: ConfigOption = None,
) -> None:
    """Restart each phone and verify what it fetches (no erase)."""
    _dispatch(ctx, config, "verify", phones or [], resume, runs_dir, as_json, cluster)


@app.command()
def migrate(
    ctx: typer.Context,
    phones: Phones = None,
    source: Annotated[Optional[str], typer.Option(
        "--from", help="The system the phones leave (`cucm`, or a name under systems:).", show_default=False)] = None,
    target: Annotated[Optional[str], typer.Option(
        "--to", help="The system the phones move to.", show_default=False)] = None,
    no_erase: Annotated[bool, typer.Option(
        "--no-erase", help="Fail a phone that did not take the rollback ITL instead of erasing its ITL by keys.")] = False,
    resume: Resume = None,
    runs_dir: RunsDir = DEFAULT_RUNS,
    as_json: AsJson = False,
    config: ConfigOption = None,
) -> None:
    """Move phones from one call-control system to another through the TFTP tap (docs/migrate.md):
    the rollback ITL where the old system serves one, else an erase by keys; then verify on the new one."""
    if resume is None and (source is None or target is None):
        raise RigError("rig migrate needs --from and --to (or --resume RUN_DIR)")
    if resume is not None and (source is not None or target is not None or no_erase):
        raise RigError("--resume migrates as the run did: give no --from, --to or --no-erase")
    migration = Migration(source, target, no_erase) if source is not None and target is not None else None
    run_job(ctx, config, "migrate", phones or [], resume, runs_dir, as_json, migration=migration)


@app.command("factory-reset")
def factory_reset(
    ctx: typer.Context,
    phones: Annotated[Optional[list[str]], typer.Argument(
        help="Phone names (required: a factory reset never runs on every phone by default).",
        show_default=False)] = None,
    resume: Resume = None,
    runs_dir: RunsDir = DEFAULT_RUNS,
    as_json: AsJson = False,
    config: ConfigOption = None,
) -> None:
    """Factory-reset the named phones (every setting, ITL and CTL), then verify what they fetch."""
    run_job(ctx, config, "factory_reset", phones or [], resume, runs_dir, as_json)


def _dispatch(ctx: typer.Context, config: Path | None, procedure: str, names: list[str], resume: Path | None,
              runs_dir: Path, as_json: bool, cluster: str | None) -> NoReturn:
    """The job on this bench, or with --cluster on every bench of the site file (rig.cluster)."""
    if cluster:
        from rig.cluster import run_on_cluster

        raise typer.Exit(run_on_cluster(cluster, config_path(ctx, config), procedure, names, runs_dir,
                                        json_out=as_json, resume=resume))
    run_job(ctx, config, procedure, names, resume, runs_dir, as_json)


@app.command()
def report(run_dir: Annotated[Path, typer.Argument(help="A run directory (runs/<run-id>).")]) -> None:
    """Re-render results.json, junit.xml and report.html from a run's journal."""
    read_state(run_dir)  # one clear error when it is not a run directory
    results = render(run_dir)
    typer.echo("\n".join(closing_lines(results, run_dir)))


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
    console().print(table)
