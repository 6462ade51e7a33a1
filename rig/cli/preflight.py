"""`rig preflight [PHONE...] [--json]`: is the bench ready for a run? Read-only (rig.preflight).

Exit 0 when the bench and every phone are ready, 1 when something is not (each problem says
what to fix), 2 for a bad config or phone name.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer
from rich.console import Console

from rig.bench.build import open_bench
from rig.cli.app import ConfigOption, app, config_path
from rig.cli.job_screen import WIDE_OUTPUT
from rig.cli.jobs import AsJson, Phones
from rig.config.systems import named_system
from rig.errors import RigError
from rig.preflight import preflight as run_preflight
from rig.preflight.render import bench_lines, migration_lines, phone_table, summary


@app.command()
def preflight(
    ctx: typer.Context,
    phones: Phones = None,
    as_json: AsJson = False,
    source: Annotated[Optional[str], typer.Option(
        "--from", help="Also check a migration from this system (with --to).", show_default=False)] = None,
    target: Annotated[Optional[str], typer.Option(
        "--to", help="The system a migration moves the phones to.", show_default=False)] = None,
    config: ConfigOption = None,
) -> None:
    """Check the bench and its phones before a run (never powers a port, presses a key or writes
    to a phone): each check says what it saw and, when it fails, what to fix."""
    if (source is None) != (target is None):
        raise RigError("rig preflight: give --from and --to together (a migration's checks)")
    path = config_path(ctx, config)
    with open_bench(path, check_credentials=False) as bench:  # unset variables are a finding here
        migration = None
        if source is not None and target is not None:
            named_system(bench.config, source), named_system(bench.config, target)  # one line, exit 2
            migration = (source, target)
        report = run_preflight(bench, phones or [], source=str(path), migration=migration)
        title = f"preflight of bench {bench.config.bench}"
    if as_json:
        sys.stdout.write(json.dumps(report.document()) + "\n")
    else:
        out = Console(width=None if sys.stdout.isatty() else WIDE_OUTPUT)
        for line in [*bench_lines(report), *migration_lines(report)]:
            out.print(line, markup=False, highlight=False, soft_wrap=True)
        out.print(phone_table(report, title))
        out.print(summary(report), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(report.exit_code)
