"""`rig discover --cucm`: a bench config built from what CUCM and the switches already know.

RisPort70 (`cucm.risport` of the seed config) lists the phones of a model with their device
name, IP address, registration status and ActiveLoadID; a phone's MAC is its device name's
`SEP<MAC>` (CUCM's naming rule for phones). Where the seed config has switches, each phone's
port is the local interface of its CDP entry (`Device ID: SEP<MAC>`) on one of them. A phone
seen on no switch is written without switch and port: a field-mode entry, identified by its own
answer at run time. Phones the seed already lists (same MAC) are kept as written.

With `cucm.axl` configured, the phones come from AXL `listPhone` instead (what the administrator
configured: also phones that never registered, each with its device pool, so `--device-pool`
selects one site's phones), and RisPort adds their IP and status. A phone with no IP (never
registered) and no CDP entry cannot be written: nothing would find it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
import yaml
from pydantic import ValidationError, model_validator
from rich.console import Console
from rich.table import Table

from rig.drivers.axl import Axl, AxlError
from rig.drivers.risport import RisPortError, newest
from rig.drivers.ios_switch import SwitchError
from rig.bench.build import Bench
from rig.cli.app import ConfigOption, app, config_path
from rig.cli.sim import _write_private
from rig.config.lab import LabConfig, _resolve_paths, load_config, parse_config
from rig.config.errors import one_line
from rig.errors import ConfigError
from rig.procedures.registration import Registration
from rig.config.yaml_input import read_yaml

RISPORT_MODEL = {"7942": 434}
"""RisPort `Model` numbers (source: a public RisPort client's model table, find_string
`434: return('Cisco 7942')`); other models are added with their source."""
AXL_MODEL = {"7942": "Cisco 7942"}
"""AXL model names (source: AXLEnums.xsd of the AXL 12.5 schema, XModel)."""
SEP_NAME = re.compile(r"SEP([0-9A-F]{12})", re.IGNORECASE)
PATH_FIELDS = (("switches", "*", "known_hosts"), ("switches", "*", "key_file"), ("cucm", "trust_anchor"),
               ("cucm", "risport", "ca_bundle"))


class _Seed(LabConfig):
    """The config discovery starts from: it may list no phone yet, and needs cucm.risport."""

    @model_validator(mode="after")
    def _references(self) -> "_Seed":
        if self.cucm is None or self.cucm.risport is None:
            raise ValueError("cucm.risport: required by rig discover --cucm (host, username, password_env)")
        if self.simulation is not None:
            raise ValueError("simulation: discover a running bench's config (rig sim --write-config writes one)")
        if self.phones:
            LabConfig.model_validate(self.model_dump())
        return self


def _seed(path: Path) -> tuple[dict[str, Any], LabConfig]:
    doc = read_yaml(path)
    try:
        return doc, _resolve_paths(_Seed.model_validate(doc), path.parent)  # a non-mapping fails here too
    except ValidationError as error:
        raise ConfigError(f"{path}: {one_line(error, doc, _Seed)}") from None


def _ports(bench: Bench) -> dict[str, tuple[str, str]]:
    """MAC -> (switch, local interface) from every switch's CDP table, then its LLDP table (a switch
    with CDP off answers no CDP neighbours; rig.drivers.ios_lldp reads a neighbour's MAC)."""
    found: dict[str, tuple[str, str]] = {}
    for name in bench.config.switches:
        try:
            neighbours = bench.switch(name).cdp_neighbors()
            lldp = bench.switch(name).lldp_neighbors()
        except SwitchError as error:
            raise ConfigError(f"switch {name}: {error}") from None
        for n in neighbours:
            match = SEP_NAME.fullmatch(n.device_id.split(".")[0])
            if match:
                found[match.group(1).upper()] = (name, n.local_interface)
        for neighbour in lldp:
            if neighbour.mac is not None and neighbour.local_interface is not None:
                found.setdefault(neighbour.mac, (name, neighbour.local_interface))
    return found


Found = tuple[Registration, Optional[str]]
"""A phone as CUCM knows it (RisPort's word; NotFound when RisPort does not list it) and its
device pool (known through AXL only)."""


def _from_cucm(bench: Bench, seed: LabConfig, model: str, name: str, pool: str | None) -> list[Found]:
    risport = bench.risport()
    assert risport is not None and seed.cucm is not None
    if seed.cucm.axl is None:
        listed = newest(risport.select([name], model=RISPORT_MODEL[model])).values()
        return [(Registration.of(d.name, d), None) for d in listed]
    ax = seed.cucm.axl
    axl = Axl(ax.host, port=ax.port, username=ax.username, password=ax.secret() or "", version=ax.version,
              verify=ax.tls_verify(), timeout=seed.timeouts.http)
    listed = [p for p in axl.list_phones(name.replace("*", "%"), pool) if p.model == AXL_MODEL[model]]
    seen = newest(risport.select([p.name for p in listed])) if listed else {}
    return [(Registration.of(p.name, seen.get(p.name.upper())), p.device_pool) for p in listed]


def _keypads(user: str | None, password_env: str) -> list[dict[str, str]]:
    """The phone's web key presses first (with `--keypad-user`), then the technician: a phone
    stuck on a stale ITL refuses the web's (docs/field.md), and rig falls back to asking."""
    web = [{"backend": "http_execute", "username": user, "password_env": password_env}] if user else []
    return [*web, {"backend": "operator"}]


def _entry(found: Registration, mac: str, model: str, port: tuple[str, str] | None,
           keypad: list[dict[str, str]]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": f"SEP{mac}", "mac": mac, "model": model}
    if port is not None:
        entry.update(switch=port[0], port=port[1])
    if found.ip:
        entry["ip"] = found.ip
    entry["keypad"] = keypad
    return entry


def _verdict(found: Registration, mac: str | None, known: set[str], port: tuple[str, str] | None) -> str:
    if mac is None:
        return "skipped: not a SEP<MAC> name"
    if mac in known:
        return "kept (already listed)"
    if port is None and found.ip is None:
        return "skipped: no IP (never registered) and no CDP entry"
    return "added"


def _absolute_paths(doc: dict[str, Any], seed: LabConfig) -> None:
    """Paths the seed gave relative to itself, made absolute: OUT may live elsewhere."""
    dumped = seed.model_dump(mode="json")
    for path in PATH_FIELDS:
        sections = [(doc, dumped)]
        for key in path[:-1]:
            sections = [(d[k], v[k]) for d, v in sections for k in (d if key == "*" else [key])
                        if isinstance(d, dict) and isinstance(d.get(k), dict) and v.get(k) is not None]
        for written, resolved in sections:
            if written.get(path[-1]) is not None:
                written[path[-1]] = resolved[path[-1]]


@app.command("discover")
def discover(
    ctx: typer.Context,
    write_config: Annotated[Path, typer.Option("--write-config", help="Where to write the bench config.")],
    cucm: Annotated[bool, typer.Option("--cucm", help="Ask CUCM's RisPort70 (cucm.risport of the config).")] = False,
    model: Annotated[str, typer.Option("--model", help="Phone model, e.g. 7942.")] = "7942",
    name: Annotated[str, typer.Option("--name", help="Device name pattern, * wildcards (CUCM's).")] = "SEP*",
    device_pool: Annotated[Optional[str], typer.Option(
        "--device-pool", help="Only this device pool's phones (needs cucm.axl).")] = None,
    keypad_user: Annotated[Optional[str], typer.Option(
        "--keypad-user", help="Give new phones the http_execute keypad (before operator) as this user "
        "(a CUCM user the phones' authentication URL accepts).", show_default=False)] = None,
    keypad_password_env: Annotated[str, typer.Option(
        "--keypad-password-env", help="The variable holding that user's password.")] = "RIG_PHONE_PASSWORD",
    config: ConfigOption = None,
) -> None:
    """Write a bench config of the phones CUCM knows (and their switch ports, from CDP)."""
    if not cucm:
        raise ConfigError("rig discover: name a source: --cucm (the only one so far)")
    if model not in RISPORT_MODEL or model not in AXL_MODEL:
        raise ConfigError(f"--model {model}: no RisPort model number known (known: {', '.join(RISPORT_MODEL)})")
    source = config_path(ctx, config)
    doc, seed = _seed(source)
    if device_pool is not None and seed.cucm.axl is None:  # type: ignore[union-attr]
        raise ConfigError(f"{source}: cucm.axl: required by --device-pool (AXL listPhone knows device pools)")
    bench = Bench(seed)
    try:
        found = _from_cucm(bench, seed, model, name, device_pool)
        ports = _ports(bench)
    except RisPortError as error:
        raise ConfigError(f"{source}: cucm.risport: {error}") from None
    except AxlError as error:
        raise ConfigError(f"{source}: cucm.axl: {error}") from None
    finally:
        bench.close()
    known = {p.mac for p in seed.phones}
    phones = list(doc.get("phones") or [])
    table = Table(title=f"CUCM {seed.cucm.risport.host}: {model} phones named {name}")  # type: ignore[union-attr]
    for column in ("device", "device pool", "status", "ActiveLoadID", "ip", "switch port", "config"):
        table.add_column(column)
    for phone, pool in sorted(found, key=lambda f: f[0].device):
        match = SEP_NAME.fullmatch(phone.device)
        mac = match.group(1).upper() if match else None
        port = ports.get(mac) if mac else None
        verdict = _verdict(phone, mac, known, port)
        if verdict == "added" and mac is not None:
            phones.append(_entry(phone, mac, model, port, _keypads(keypad_user, keypad_password_env)))
        where = f"{port[0]} {port[1]}" if port else "no CDP entry (field mode)"
        table.add_row(phone.device, pool or "", phone.status, phone.load or "", phone.ip or "", where, verdict)
    if not phones:
        raise ConfigError(f"CUCM lists no {model} phone named {name}: nothing to write")
    _absolute_paths(doc, seed)
    out = {**doc, "phones": phones}
    parse_config(out, str(write_config))  # refused before anything is written
    _write_private(write_config, f"# Written by `rig discover --cucm` from {source}\n"
                   + yaml.safe_dump(out, sort_keys=False))
    load_config(write_config)  # what was written passes `rig config check`'s validation
    console = Console(width=None if Console().is_terminal else 160)
    console.print(table)
    console.print(f"config written to {write_config}")
