"""Hands-on bench commands: `rig press`, `rig console`, `rig status` (`rig power`: rig.cli.power).

Front ends only: the policies are rig.actions'. Keys go through the phone's keypad backends
with fallback; a phone that a live run leases is refused (exit 2, naming the holder) unless this
command runs inside that run.
Device trouble (switch, keypad, console, phone web) ends a command with one line and exit 1;
`rig status` exits 1 when a switch refuses it (host key, login) or does not answer.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Optional, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console as RichConsole
from rich.table import Table

from rig.drivers.bounded import abandoning_on_interrupt
from rig.drivers.console import ConsoleError
from rig.drivers.errors import DeviceError
from rig.drivers.ios_parsers import canonical_interface
from rig.drivers.ios_switch import PoePort, SwitchError
from rig.drivers.keypad import KeypadError
from rig.drivers.phone_web import PhoneWeb
from rig.actions.keys import EveryBackendRefused, KeypadChain
from rig.actions.lease_guard import command_lease
from rig.bench.build import Bench, open_bench
from rig.cli.app import ConfigOption, app, config_path
from rig.config.lab import PhoneConfig, Timeouts
from rig.config.errors import one_line
from rig.errors import RigError
from rig.phone.keyscript import canonical_key
from rig.phone.profiles import profile_for
from rig.terminal_operator import TerminalOperator
from rig.phone.witness import current_load

PhoneArg = Annotated[str, typer.Argument(help="Phone name from the lab config.", show_default=False)]
T = TypeVar("T")


def checked_duration(option: str, field: str, value: float | None) -> float | None:
    """A command-line duration bounded like the config's `timeouts.<field>` (finite, within the
    same bounds for the same reasons); a bad one is one line, exit 2, before the bench is opened."""
    if value is None:
        return None
    try:
        return float(getattr(Timeouts.model_validate({field: value}), field))
    except ValidationError as error:
        raise RigError(f"{option} {value:g}: {one_line(error).removeprefix(f'{field}: ')} "
                       f"(as timeouts.{field})") from None


def fail(message: str) -> typer.Exit:
    typer.echo(f"rig: {message}", err=True)
    return typer.Exit(1)


@app.command()
def press(
    ctx: typer.Context,
    phone: PhoneArg,
    keys: Annotated[list[str], typer.Argument(
        help="Key names (Settings, KeyPad4 or 4, KeyPadStar or '*', Soft2, ...).", show_default=False)],
    gap: Annotated[Optional[float], typer.Option(
        "--gap", help="Seconds between keys (default: timeouts.key_gap).", show_default=False)] = None,
    config: ConfigOption = None,
) -> None:
    """Press keys on a phone, trying its keypad backends in config order."""
    try:
        names = [canonical_key(k) for k in keys]
    except ValueError as error:
        raise RigError(f"rig press {phone}: {error}") from None
    gap = checked_duration("--gap", "key_gap", gap)
    with open_bench(config_path(ctx, config)) as bench:
        cfg = bench.config.phone(phone)
        if not cfg.keypad:
            raise RigError(f"phone {cfg.name}: no keypad backend configured")
        bench.operator = TerminalOperator(threading.Event(), sys.stdout)  # Ctrl-C raises here: no job to stop
        chain = KeypadChain([k.backend for k in cfg.keypad], bench.keypads(cfg))
        pause = bench.config.timeouts.key_gap if gap is None else gap
        with command_lease(bench.config.bench, cfg.name, "press", bench.config.timeouts.lease):
            try:
                chain.press(names, pause)
            except EveryBackendRefused as refused:
                raise fail(f"{cfg.name}: {refused}") from None
            except KeypadError as error:
                raise fail(f"error: {error}") from None
            finally:
                for fallback in chain.fallbacks:
                    typer.echo(f"rig: {cfg.name}: {fallback.backend}: {fallback.reason}", err=True)
        typer.echo(f"{cfg.name}: pressed {' '.join(names)} ({chain.backend})")


@app.command()
def console(
    ctx: typer.Context,
    phone: PhoneArg,
    duration: Annotated[Optional[float], typer.Option(
        "--for", help="Stop after this many seconds (default: until Ctrl-C).", show_default=False)] = None,
    config: ConfigOption = None,
) -> None:
    """Follow a phone's serial console, printing lines as they arrive, until Ctrl-C."""
    with open_bench(config_path(ctx, config)) as bench:
        cfg = bench.config.phone(phone)
        capture = bench.console(cfg)
        if capture is None:
            raise RigError(f"phone {cfg.name}: no console configured")
        try:
            with capture:
                typer.echo(f"following the console of {cfg.name} ({capture.url}); Ctrl-C to stop", err=True)
                _follow(capture.lines_since, duration)
        except ConsoleError as error:
            raise fail(f"error: {error}") from None


def _follow(lines_since: Callable[[int], list[str]], duration: float | None) -> None:
    """Print every line since the console was opened, as it arrives."""
    end = None if duration is None else time.monotonic() + duration
    seen = 0
    try:
        while end is None or time.monotonic() < end:
            lines = lines_since(seen)
            seen += len(lines)
            for line in lines:
                typer.echo(line)
            sys.stdout.flush()
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a follow ends


def _or_dash(read: Callable[[], T]) -> T | str:
    try:
        return read()
    except DeviceError:
        return "-"


def _load(web: PhoneWeb, phone: PhoneConfig) -> str:
    """The load the phone's web pages name, read as its profile says (decoration removed)."""
    info = web.device_info()
    return current_load(version_id=info.version_id, app_load_id=info.app_load_id, cdp_version=None,
                        witnesses=profile_for(phone.model, phone.firmware).load_witnesses) or "-"


def _phone_row(bench: Bench, phone: PhoneConfig, poe: dict[str, PoePort]) -> list[str]:
    port = poe.get(canonical_interface(phone.port)) if phone.port is not None else None
    power = f"{port.oper} {port.watts:.1f} W" if port else "?"
    web = bench.web(phone)
    shown = _or_dash(lambda: _load(web, phone)) if web else "-"
    messages = _or_dash(web.status_messages) if web else "-"
    last = messages[-1] if isinstance(messages, list) and messages else "-"
    metered = bench.meter(phone)
    watts = _or_dash(lambda: f"{metered[0].measure_watts(metered[1]):.2f} W") if metered else "-"
    where = f"{phone.switch} {phone.port}" if phone.switch is not None else "field mode"
    return [phone.name, phone.mac, where, power, str(shown), last, str(watts)]


@app.command()
def status(ctx: typer.Context, config: ConfigOption = None) -> None:
    """A table of the bench's phones: port, PoE, load, last status message, meter reading.

    Exits 1 when a switch could not be read (refused host key or login, no answer)."""
    with open_bench(config_path(ctx, config)) as bench:
        poe: dict[str, dict[str, PoePort]] = {}
        problems: list[str] = []
        for name in sorted({p.switch for p in bench.config.phones if p.switch is not None}):
            try:
                poe[name] = {p.interface: p for p in bench.switch(name).poe_status()}
            except SwitchError as error:
                problems.append(str(error))
        with ThreadPoolExecutor(max_workers=8) as pool, abandoning_on_interrupt():  # Ctrl-C ends the page reads
            rows = list(pool.map(lambda p: _phone_row(bench, p, poe.get(p.switch, {})), bench.config.phones))
    table = Table(title=f"bench {bench.config.bench}")
    for column in ("phone", "MAC", "switch port", "PoE", "load", "last status message", "meter"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    out = RichConsole(width=160)
    out.print(table)
    for problem in problems:
        typer.echo(f"rig: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
