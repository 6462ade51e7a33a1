"""`rig diagnostics [PHONE...] --out FILE.zip`: a redacted bundle of what the bench's devices
answered (docs/diagnostics.md). Read-only, like `rig preflight`: it never powers a port,
presses a key or writes to a phone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rig.bench.build import open_bench
from rig.cli.app import ConfigOption, app, config_path
from rig.cli.jobs import Phones, RunsDir
from rig.diagnostics import collect, write_bundle
from rig.jobs.service import DEFAULT_RUNS


@app.command()
def diagnostics(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="The bundle to write (a .zip).")],
    phones: Phones = None,
    runs_dir: RunsDir = DEFAULT_RUNS,
    screenshots: Annotated[bool, typer.Option(
        "--screenshots", help="Also take each phone's screenshot (its pixels are not redacted).")] = False,
    config: ConfigOption = None,
) -> None:
    """Write a redacted diagnostics bundle of the phones (all when none are named): their pages,
    switch port, the last run's console and fetched files; MACs, IPs, host names, serials and
    user names replaced, credentials never collected. Read-only."""
    path = config_path(ctx, config)
    with open_bench(path, check_credentials=False) as bench:
        selected = bench.config.select(list(phones or []))
        found = collect(bench, selected, runs_dir, screenshots=screenshots)
    manifest = write_bundle(found, out, screenshots=screenshots)
    removed = ", ".join(f"{c['values']} {kind}" for kind, c in manifest["redacted"].items()) or "nothing"
    typer.echo(f"{out}: {len(manifest['files'])} files of {len(selected)} phones, "
               f"{len(manifest['missing'])} not collected; redacted: {removed}")
