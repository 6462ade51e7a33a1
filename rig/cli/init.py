"""`rig init`: write a commented real-bench config from a few questions, or from flags alone.

On a terminal every answer not given as a flag is asked (with its default); otherwise the flags
are all there is, and a missing required one is exit 2 naming it. The result is validated by
rig's config schema before it is written, and an existing file is never overwritten without
`--force`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from rig.cli.app import app
from rig.config.template import QUESTIONS, REQUIRED, InitAnswers, render_config, validated
from rig.errors import RigError


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _opt(name: str) -> Any:
    default = getattr(InitAnswers(), name)
    shown = f" (default: {default})" if default not in ("", None) else " (required)" if name in REQUIRED else ""
    return typer.Option(_flag(name), help=QUESTIONS[name] + shown, show_default=False)


Text = Optional[str]


@app.command("init")
def init(
    write: Annotated[Path, typer.Option("--write", "-o", help="File to write.")] = Path("lab_config.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite the file if it exists.")] = False,
    bench: Annotated[Text, _opt("bench")] = None,
    switch_host: Annotated[Text, _opt("switch_host")] = None,
    switch_username: Annotated[Text, _opt("switch_username")] = None,
    switch_password_env: Annotated[Text, _opt("switch_password_env")] = None,
    known_hosts: Annotated[Text, _opt("known_hosts")] = None,
    cucm_tftp: Annotated[Text, _opt("cucm_tftp")] = None,
    expected_load: Annotated[Text, _opt("expected_load")] = None,
    trust_anchor: Annotated[Text, _opt("trust_anchor")] = None,
    tap_host: Annotated[Text, _opt("tap_host")] = None,
    tap_port: Annotated[Optional[int], _opt("tap_port")] = None,
    phone_name: Annotated[Text, _opt("phone_name")] = None,
    phone_mac: Annotated[Text, _opt("phone_mac")] = None,
    phone_port: Annotated[Text, _opt("phone_port")] = None,
    phone_ip: Annotated[Text, _opt("phone_ip")] = None,
    phone_username: Annotated[Text, _opt("phone_username")] = None,
    phone_password_env: Annotated[Text, _opt("phone_password_env")] = None,
) -> None:
    """Write a commented lab config for a real bench (one switch, CUCM, the tap, a first phone)."""
    given = {k: v for k, v in locals().items() if k in QUESTIONS and v is not None}
    if write.exists() and not force:
        raise RigError(f"{write}: already exists (give --force to overwrite it, or --write another file)")
    answers = _complete(replace(InitAnswers(), **given), set(given), interactive=on_terminal())
    text = render_config(answers)
    validated(text, str(write))
    write.parent.mkdir(parents=True, exist_ok=True)
    write.write_text(text, encoding="utf-8")
    os.chmod(write, 0o644)
    typer.echo(f"wrote {write}")
    typer.echo(f"next: save the CallManager certificate as {answers.trust_anchor}, "
               f"ssh-keyscan {answers.switch_host} >> {answers.known_hosts}, "
               f"then rig config check --config {write} and rig preflight --config {write}")


def on_terminal() -> bool:
    """Questions are asked only of a person at a terminal."""
    return sys.stdin.isatty()


def _complete(answers: InitAnswers, given: set[str], interactive: bool) -> InitAnswers:
    """Ask what was not given (on a terminal), or insist on the required flags (otherwise)."""
    if not interactive:
        missing = [_flag(n) for n in REQUIRED if not getattr(answers, n)]
        if missing:
            raise RigError(f"rig init: {', '.join(missing)} required (no terminal to ask on)")
        return answers
    asked: dict[str, Any] = {}
    for f in fields(InitAnswers):
        if f.name in given:
            continue
        default = getattr(answers, f.name)
        asked[f.name] = typer.prompt(QUESTIONS[f.name], default=default if default != "" or f.name not in REQUIRED
                                     else None, type=type(default))
    return replace(answers, **asked)
