"""The `rig` Typer application and the options every command shares.

`--config` may be given before the command (`rig --config b.yaml status`) or after it
(`rig status --config b.yaml`); the later one wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="rig",
    help="Bench controller for Cisco IP phone labs: power, keys, consoles, ITL erase, verified fetch.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEFAULT_CONFIG = Path("lab_config.yaml")

ConfigOption = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="Lab config (default ./lab_config.yaml).", show_default=False),
]


@app.callback()
def _root(ctx: typer.Context, config: ConfigOption = None) -> None:
    ctx.obj = {"config": config}


def config_path(ctx: typer.Context, option: Path | None) -> Path:
    """The config named on this command, else before it, else ./lab_config.yaml."""
    root = ctx.find_root().obj or {}
    return option or root.get("config") or DEFAULT_CONFIG
