"""Hands-on bench commands: `rig power`, `rig press`, `rig console`, `rig status`.

A port is never powered until the switch shows the configured phone on it (rig.identify). The
one exception is `rig power on` of a port whose PoE is administratively off: an unpowered phone
has no link and sends no CDP, so it cannot be seen; turning it on is allowed when the switch
sees no other device on that port.
Device trouble (switch, keypad, console, phone web) ends a command with one line and exit 1.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import Enum
from typing import Annotated, Optional, TypeVar

import typer
from rich.console import Console as RichConsole
from rich.table import Table

from drivers.console import ConsoleError
from drivers.ios_parsers import canonical_interface
from drivers.ios_switch import PoePort, SwitchError
from drivers.keypad import KeypadAuthError, KeypadError
from drivers.phone_web import PhoneWebError
from drivers.power_meter import PowerMeterError
from rig.bench import Bench, open_bench
from rig.cli.app import ConfigOption, app, config_path
from rig.config import PhoneConfig
from rig.errors import RigError
from rig.identify import Identity, identify, identify_unpowered
from rig.keyscript import canonical_key

DEVICE_ERRORS = (SwitchError, KeypadError, ConsoleError, PhoneWebError, PowerMeterError)
PhoneArg = Annotated[str, typer.Argument(help="Phone name from the lab config.", show_default=False)]
T = TypeVar("T")


class PowerAction(str, Enum):
    on = "on"
    off = "off"
    cycle = "cycle"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"rig: {message}", err=True)
    return typer.Exit(1)


@app.command()
def power(
    ctx: typer.Context,
    action: Annotated[PowerAction, typer.Argument(help="on, off or cycle.", show_default=False)],
    phone: PhoneArg,
    off_seconds: Annotated[Optional[float], typer.Option(
        "--off-seconds", help="Cycle: how long the port stays off (default: timeouts.power_off).",
        show_default=False)] = None,
    config: ConfigOption = None,
) -> None:
    """Switch a phone's PoE port, after the switch has shown that phone is on it."""
    with open_bench(config_path(ctx, config)) as bench:
        cfg = bench.config.phone(phone)
        try:
            switch = bench.switch(cfg.switch)
            identity = identify(switch, cfg)
            if not identity.ok and action is PowerAction.on:
                unpowered = identify_unpowered(switch, cfg)
                identity = unpowered if unpowered.ok else Identity(False, f"{identity.evidence}; {unpowered.evidence}")
            if not identity.ok:
                raise _fail(f"refusing to power {action.value} {cfg.name}: {identity.evidence}")
            if action is PowerAction.on:
                switch.power_on(cfg.port)
            elif action is PowerAction.off:
                switch.power_off(cfg.port)
            else:
                seconds = bench.config.timeouts.power_off if off_seconds is None else off_seconds
                switch.power_cycle(cfg.port, seconds)
        except DEVICE_ERRORS as error:
            raise _fail(f"error: {error}") from None
        typer.echo(f"{cfg.name}: power {action.value} on {cfg.switch} {cfg.port} ({identity.evidence})")


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
    with open_bench(config_path(ctx, config)) as bench:
        cfg = bench.config.phone(phone)
        backends = bench.keypads(cfg)
        if not backends:
            raise RigError(f"phone {cfg.name}: no keypad backend configured")
        pause = bench.config.timeouts.key_gap if gap is None else gap
        for index, keypad in enumerate(backends):
            try:
                keypad.press(names, gap=pause)
            except KeypadAuthError as error:
                typer.echo(f"rig: {error}", err=True)
                if index + 1 < len(backends):
                    typer.echo(f"rig: {cfg.name}: trying the next keypad backend", err=True)
                continue
            except KeypadError as error:
                raise _fail(f"error: {error}") from None
            typer.echo(f"{cfg.name}: pressed {' '.join(names)} ({type(keypad).__name__})")
            return
        raise _fail(f"{cfg.name}: every keypad backend refused the keys")


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
            raise _fail(f"error: {error}") from None


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


def _or_dash(read: Callable[[], T], errors: tuple[type[Exception], ...] = DEVICE_ERRORS) -> T | str:
    try:
        return read()
    except errors:
        return "-"


def _phone_row(bench: Bench, phone: PhoneConfig, poe: dict[str, PoePort]) -> list[str]:
    port = poe.get(canonical_interface(phone.port))
    power = f"{port.oper} {port.watts:.1f} W" if port else "?"
    web = bench.web(phone)
    load = _or_dash(lambda: web.device_info().app_load_id) if web else "-"
    messages = _or_dash(web.status_messages) if web else "-"
    last = messages[-1] if isinstance(messages, list) and messages else "-"
    metered = bench.meter(phone)
    watts = _or_dash(lambda: f"{metered[0].measure_watts(metered[1]):.2f} W") if metered else "-"
    return [phone.name, phone.mac, f"{phone.switch} {phone.port}", power, str(load), last, str(watts)]


@app.command()
def status(ctx: typer.Context, config: ConfigOption = None) -> None:
    """A table of the bench's phones: port, PoE, load, last status message, meter reading."""
    with open_bench(config_path(ctx, config)) as bench:
        poe: dict[str, dict[str, PoePort]] = {}
        problems: list[str] = []
        for name in sorted({p.switch for p in bench.config.phones}):
            try:
                poe[name] = {p.interface: p for p in bench.switch(name).poe_status()}
            except SwitchError as error:
                problems.append(str(error))
        with ThreadPoolExecutor(max_workers=8) as pool:
            rows = list(pool.map(lambda p: _phone_row(bench, p, poe.get(p.switch, {})), bench.config.phones))
    table = Table(title=f"bench {bench.config.bench}")
    for column in ("phone", "MAC", "switch port", "PoE", "load", "last status message", "meter"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    out = RichConsole(width=160)
    out.print(table)
    for problem in problems:
        out.print(f"[red]{problem}[/red]")
