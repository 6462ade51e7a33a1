"""`rig sim`: serve the simulated bench in the foreground.

With `--write-config OUT.yaml` the running bench is written out as a real bench's config (plus its
known_hosts file and the CUCM trust anchor beside it), so any rig command, or anyone else's tool,
can drive the simulator exactly as it would hardware; what the source config says about the run
(`timeouts:` fields given, `parallel:`, `retries:`) is kept in it. Those three files are only ever written
over when rig wrote them (their first line says so): written to `~/.ssh/bench.yaml` it would
otherwise replace the user's own known_hosts. The config holds the simulator's passwords, so it
is created readable by its owner only (0600).
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Optional

import typer
import yaml
from rich.console import Console
from rich.table import Table

from rig.cli.app import ConfigOption, app, config_path
from rig.config.lab import LabConfig, dump_config, load_config, with_run_settings
from rig.errors import ConfigError

WriteConfigOption = Annotated[
    Optional[Path],
    typer.Option("--write-config", help="Write the running bench's config (real-bench form) here."),
]


WriteSeedOption = Annotated[
    Optional[Path],
    typer.Option("--write-seed", help="Also write it without its phones: a seed for `rig discover` "
                 "(beside --write-config, which it needs)."),
]


@app.command("sim")
def sim(ctx: typer.Context, config: ConfigOption = None, write_config: WriteConfigOption = None,
        write_seed: WriteSeedOption = None) -> None:
    """Serve the simulated bench of the config's `simulation:` section until Ctrl-C."""
    from rig.sim.bench import GENERATED_FILES, WRITTEN_BY, SimBench

    source = config_path(ctx, config)
    lab = load_config(source)
    if lab.simulation is None:
        raise ConfigError(f"{source}: simulation: is required to serve a simulated bench")
    if write_seed and not write_config:
        raise ConfigError("--write-seed: needs --write-config (the seed names the files written beside it)")
    if write_config:
        target = write_config.resolve()
        for path in (target, *(target.parent / name for name in GENERATED_FILES),
                     *([write_seed.resolve()] if write_seed else [])):
            _refuse_foreign(path, WRITTEN_BY)
    with tempfile.TemporaryDirectory(prefix="rig-sim-") as scratch:
        workdir = write_config.resolve().parent if write_config else Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        with SimBench(lab.simulation, lab.bench, workdir) as bench:
            generated = with_run_settings(bench.lab_config(), lab)  # the source's timeouts, parallel, retries
            if write_config:
                _write_private(write_config, _as_yaml(generated, WRITTEN_BY))
            if write_seed:
                _write_private(write_seed, _seed_yaml(generated, WRITTEN_BY))
            _show(generated, write_config)
            _wait_for_interrupt()


def _refuse_foreign(path: Path, marker: str) -> None:
    """Exit 2 naming `path` when it exists and rig did not write it."""
    try:
        with path.open("rb") as existing:
            first = existing.readline(256)
    except FileNotFoundError:
        return
    except OSError as error:
        raise ConfigError(f"{path}: cannot check it before writing over it ({error.strerror})") from None
    if not first.startswith(marker.encode()):
        raise ConfigError(f"{path}: exists and was not written by rig sim; refusing to overwrite it")


def _write_private(path: Path, text: str) -> None:
    """Write `path` readable and writable by its owner only, in one step: a reader waiting for
    the file never sees it half written (mkstemp creates it 0600, os.replace puts it in place)."""
    fd, temporary = tempfile.mkstemp(dir=path.resolve().parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _as_yaml(config: LabConfig, marker: str) -> str:
    header = f"{marker}: the running simulated bench, in a real bench's form.\n"
    return header + yaml.safe_dump(dump_config(config), sort_keys=False)


def _seed_yaml(config: LabConfig, marker: str) -> str:
    """The bench without its phones: what `rig discover` starts from."""
    header = f"{marker}: the running simulated bench without its phones, a seed for rig discover.\n"
    doc = {**dump_config(config), "phones": []}
    return header + yaml.safe_dump(doc, sort_keys=False)


def _show(config: LabConfig, written: Path | None) -> None:
    out = Console()
    table = Table(title=f"simulated bench {config.bench}")
    for column in ("phone", "mac", "switch port", "http", "console"):
        table.add_column(column)
    for phone in config.phones:
        table.add_row(
            phone.name,
            phone.mac,
            f"{phone.switch} {phone.port}",
            f"{phone.ip}:{phone.http_port}",
            phone.console or "-",
        )
    out.print(table)
    for name, sw in config.switches.items():
        out.print(f"switch {name}: ssh -p {sw.port} {sw.username}@{sw.host}")
    assert config.cucm is not None
    out.print(f"CUCM TFTP: {config.cucm.tftp.host}:{config.cucm.tftp.port}")
    for name, inst in config.instruments.items():
        out.print(f"instrument {name}: {inst.resource}")
    if written:
        out.print(f"config written to {written}")
    out.print("serving; Ctrl-C to stop")


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
