"""`rig diagnostics [PHONE...] --out FILE.zip`: a redacted bundle of what the bench's devices
answered; `rig facts [RUN_DIR | BUNDLE]`: what that evidence says about the facts no public
source confirms (docs/diagnostics.md). Both are read-only: `rig diagnostics` never powers a
port, presses a key or writes to a phone, `rig facts` reads files only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from rig.bench.build import open_bench
from rig.cli.app import ConfigOption, app, config_path
from rig.cli.jobs import AsJson, Phones, RunsDir
from rig.diagnostics import collect, write_bundle
from rig.diagnostics.evidence import read_evidence
from rig.diagnostics.facts import judge, render
from rig.errors import RigError
from rig.jobs.history import past_runs
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


@app.command()
def facts(
    source: Annotated[Optional[Path], typer.Argument(
        help="A run directory or a diagnostics bundle (default: the newest run).", show_default=False)] = None,
    runs_dir: RunsDir = DEFAULT_RUNS,
    as_json: AsJson = False,
) -> None:
    """What a run or a bundle shows about each fact no public source confirms: confirmed,
    contradicted or not seen, with the lines that show it and how many phones."""
    if source is None:
        runs = past_runs(runs_dir)
        if not runs:
            raise RigError(f"{runs_dir}: no run here; name a run directory or a bundle")
        source = runs[0].path
    evidence = read_evidence(source)
    reports = judge(evidence)
    if as_json:
        sys.stdout.write(json.dumps({"source": evidence.source, "phones": len(evidence.phones),
                                     "facts": [r.document() for r in reports]}) + "\n")
        return
    for line in render(reports, evidence.source):
        typer.echo(line)
