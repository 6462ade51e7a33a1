"""`rig tap`: the TFTP tap as a long-lived service.

On a real bench DHCP option 150 names the rig host, so phones fetch through the tap whether or
not a job is running; this keeps phones served and their fetches on record (one line per
transfer, optionally appended as JSON lines to a file for later evidence). A `rig erase` started
meanwhile finds the port held and uses this service's records (rig.bench.tap_share); stopping the
service during such a run hands the port to the run.
"""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path
from typing import Annotated, Optional

import typer

from rig.drivers.tftp_tap import TftpTransfer
from rig.drivers.tftp_tap_share import record_fields
from rig.bench.build import open_bench
from rig.cli.app import ConfigOption, app, config_path
from rig.errors import RigError

LogOption = Annotated[
    Optional[Path], typer.Option("--log", help="Append every transfer to this file as JSON lines.")
]


SOURCES = {"cache": " (from the tap's cache)", "fill": " (read from CUCM into the tap's cache)"}
"""How a line says where its bytes came from (nothing: relayed from CUCM for that phone)."""


@app.command("tap")
def tap(ctx: typer.Context, config: ConfigOption = None, log: LogOption = None) -> None:
    """Relay and record the phones' TFTP fetches (the config's tftp_tap) until Ctrl-C."""
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(log.open("a", encoding="utf-8")) if log else None
        lock = threading.Lock()

        def record(transfer: TftpTransfer) -> None:
            status = "ok" if transfer.ok else f"FAILED ({transfer.error})"
            source = SOURCES.get(transfer.source, "")
            with lock:
                typer.echo(f"{transfer.ended:%H:%M:%S} {transfer.client} {transfer.file} {transfer.bytes} B {status}{source}")
                if sink is not None:
                    sink.write(json.dumps(record_fields(transfer, content=False)) + "\n")
                    sink.flush()

        bench = stack.enter_context(open_bench(config_path(ctx, config)))
        relay = bench.tap(on_transfer=record, subscribe=False)
        if relay is None:
            raise RigError(f"{bench.config.bench}: the config has no tftp_tap (or no cucm) section")
        try:
            stack.enter_context(relay)
        except OSError as error:
            raise RigError(f"{bench.config.bench}: TFTP tap: {error}") from None
        host, port = relay.address
        typer.echo(f"tap listening on {host}:{port}; runs on this host use its records; Ctrl-C to stop", err=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
