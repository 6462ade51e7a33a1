"""A job on the terminal: which config, the live display, the technician's prompts, the summary.

The job itself is rig.jobs' (input checked before any phone is touched, leases, restore, run,
reports); this module shows it: a live table or one line per phone (none with `-q` or
`--json`), the prompts of rig.terminal_operator, then the short summary (rig.cli.summary) or
the `--json` document, and the exit code of rig.jobs.result.

`--resume RUN_DIR` without `--config` uses the config the run ran with: its run_started event
records the file and its sha256 (rig.bench.build.ConfigSource).
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

from rig.bench.build import ConfigSource, open_bench
from rig.cli.app import config_path, quiet
from rig.cli.progress import Progress
from rig.cli.summary import short_summary_lines, short_summary_table
from rig.report.results import closing_lines
from rig.errors import RigError
from rig.procedures.migrate import Migration
from rig.jobs import JobRequest, JobResult, JobService
from rig.jobs.interrupts import interrupts
from rig.jobs.result import EXIT_INTERRUPTED
from rig.jobs.rundir import read_state
from rig.terminal_operator import TerminalOperator

WIDE_OUTPUT = 200  # columns when piped


def console(stderr: bool = False) -> Console:
    """Rich output; piped output is not folded to 80 columns."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, width=None if stream.isatty() else WIDE_OUTPUT)


def job_config(ctx: typer.Context, option: Path | None, resume: Path | None) -> Path:
    """The config named (on the command or before it); else, resuming, the one the run ran with
    (a note when it changed since); else ./lab_config.yaml."""
    named = option or (ctx.find_root().obj or {}).get("config")
    if named is not None or resume is None:
        return config_path(ctx, option)
    state = read_state(resume)
    if state.config_file is None:  # a run from before run directories recorded their config
        return config_path(ctx, option)
    recorded = Path(state.config_file)
    if not recorded.is_file():
        raise RigError(f"{resume}: ran with {recorded} (sha256 {state.config_sha256}), which is not there "
                       "any more: give --config")
    if ConfigSource.of(recorded).sha256 != state.config_sha256:
        typer.echo(f"rig: note: {recorded} changed since {resume.name} ran (sha256 was {state.config_sha256})",
                   err=True)
    return recorded


def run_job(ctx: typer.Context, option: Path | None, procedure: str, names: list[str], resume: Path | None,
            runs_dir: Path, as_json: bool, *, screenshots: bool | None = None, try_variants: bool = False,
            migration: Migration | None = None) -> NoReturn:
    path = job_config(ctx, option, resume)
    request = JobRequest(procedure, tuple(names), resume, runs_dir, source=str(path), screenshots=screenshots,
                         try_variants=try_variants, migration=migration)
    tty = sys.stdout.isatty() and not as_json
    out = console(stderr=as_json)
    stop = threading.Event()
    # Until the bench's last device is closed, Ctrl-C only asks the run to stop
    # (rig.jobs.interrupts): a second one while the simulator shuts down must not cut the exit short.
    with interrupts(stop), open_bench(path) as bench:
        service = JobService(bench)
        plan = service.plan(request)
        if stop.is_set():  # Ctrl-C while the bench started: nothing touched, no run directory
            raise typer.Exit(EXIT_INTERRUPTED)
        progress = Progress([p.name for p in plan.todo], out, live=tty, quiet=as_json or quiet(ctx))
        bench.operator = TerminalOperator(stop, sys.stderr if as_json else sys.stdout, hold=progress.held)
        with progress:
            result = service.run(plan, observer=progress, stop=stop)
        _print_summary(result, tty=tty, as_json=as_json, out=out)
    raise typer.Exit(result.exit_code)


def _print_summary(result: JobResult, *, tty: bool, as_json: bool, out: Console) -> None:
    for port in result.results.ports_left_off:  # first, before anything else (issue 29)
        out.print(f"PORT LEFT OFF: {port.phone} ({port.switch} {port.port}): rig turned it off and could "
                  f"not turn it back on; rig power --resume {result.run_dir}", markup=False, highlight=False,
                  soft_wrap=True)
    for phone in result.restored:
        out.print(f"{phone}: port turned back on (a crashed run had left it off)", markup=False, highlight=False)
    if as_json:
        sys.stdout.write(json.dumps(result.document()) + "\n")
        sys.stdout.flush()
        return
    if tty:
        table = short_summary_table(result.results)
        if table is not None:
            out.print(table)
    else:
        for line in short_summary_lines(result.results):
            out.print(line, markup=False, highlight=False, soft_wrap=True)
    for line in closing_lines(result.results, result.run_dir):  # the fix counts: desks left to visit
        out.print(line, markup=False, highlight=False, soft_wrap=True)
