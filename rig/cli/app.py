"""The `rig` Typer application and the options every command shares.

`--config` may be given before the command (`rig --config b.yaml status`) or after it
(`rig status --config b.yaml`); the later one wins. `-v`/`-q`/`--log-file` go before the
command (rig.cli.logs). Help is click's plain layout (no `<bool>` placeholders), commands in
sections, the ones a run needs first.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from rig.cli.logs import configure_logging
from rig.errors import RigError
from rig.config.yaml_input import read_yaml

SECTIONS = {
    "Runs": ("erase", "preflight", "verify", "status", "factory-reset", "report", "runs"),
    "Hands-on": ("power", "press", "console"),
    "Set-up and tools": ("init", "config", "discover", "sim", "tap", "itl", "diagnostics", "facts", "worker"),
}
"""Help's sections, in order; a command no section names is listed under "Other"."""
SHORT_HELP = 200
"""Characters of a command's first sentence kept in the list (the list wraps them)."""


class SectionedGroup(TyperGroup):
    """Commands listed in SECTIONS' order, under their section's heading."""

    def list_commands(self, ctx: Any) -> list[str]:
        known = super().list_commands(ctx)
        ordered = [name for names in SECTIONS.values() for name in names if name in known]
        return ordered + [name for name in known if name not in ordered]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        names = self.list_commands(ctx)
        grouped = {**{title: list(members) for title, members in SECTIONS.items()},
                   "Other": [n for n in names if not any(n in m for m in SECTIONS.values())]}
        for title, members in grouped.items():
            rows = [(n, self.commands[n].get_short_help_str(SHORT_HELP)) for n in members
                    if n in self.commands and not self.commands[n].hidden]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


app = typer.Typer(
    name="rig",
    cls=SectionedGroup,
    help="Bench controller for Cisco IP phone labs: power, keys, consoles, ITL erase, verified fetch.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

DEFAULT_CONFIG = Path("lab_config.yaml")

ConfigOption = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="Lab config (default ./lab_config.yaml).", show_default=False),
]


def _version(shown: bool) -> None:
    if shown:
        try:
            typer.echo(f"rig {version('rig')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("rig (not installed)")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    config: ConfigOption = None,
    verbose: Annotated[int, typer.Option(
        "--verbose", "-v", count=True, show_default=False,
        help="More on stderr: -v rig's progress notes, -vv every library's too.")] = 0,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Only warnings, errors and each command's result (no live table).")] = False,
    log_file: Annotated[Optional[Path], typer.Option(
        "--log-file", help="Also write a full debug log here (libraries' tracebacks included).",
        show_default=False)] = None,
    _show_version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print rig's version and exit.")] = False,
) -> None:
    if verbose and quiet:
        raise typer.BadParameter("-v and -q: choose one", param_hint="--verbose/--quiet")
    ctx.obj = {"config": config, "quiet": quiet}
    configure_logging(verbosity=-1 if quiet else verbose, log_file=log_file)


def config_path(ctx: typer.Context, option: Path | None) -> Path:
    """The config named on this command, else before it, else ./lab_config.yaml."""
    root = ctx.find_root().obj or {}
    return option or root.get("config") or DEFAULT_CONFIG


def complete_phones(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of phone names: those the config (as written, not validated) lists."""
    path = ctx.params.get("config") or (ctx.find_root().params.get("config")) or DEFAULT_CONFIG
    try:
        doc = read_yaml(Path(path))
    except RigError:
        return []
    phones = doc.get("phones") if isinstance(doc, dict) else None
    names = [p.get("name") for p in phones or [] if isinstance(p, dict)]
    return [n for n in names if isinstance(n, str) and n.startswith(incomplete)]


def quiet(ctx: typer.Context) -> bool:
    """`rig -q ...`: no live table, no line per phone; the summary only."""
    return bool((ctx.find_root().obj or {}).get("quiet"))
