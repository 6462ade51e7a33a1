"""`rig worker`: serve one bench to a Dask scheduler, for `rig erase --cluster` on a site of benches."""

from __future__ import annotations

import asyncio
from typing import Annotated, Optional

import typer

from rig.cli.app import ConfigOption, app, config_path


@app.command()
def worker(
    ctx: typer.Context,
    scheduler: Annotated[str, typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786.")],
    host: Annotated[Optional[str], typer.Option(
        "--host", help="Address to listen on (default: every interface, like `dask worker`; "
                  "advertised: the one that routes to the scheduler).")] = None,
    nthreads: Annotated[int, typer.Option("--nthreads", min=1, max=2, help="Jobs at once (one bench: 1 is enough).")] = 1,
    name: Annotated[Optional[str], typer.Option("--name", help="Worker name (default rig-<bench>).")] = None,
    config: ConfigOption = None,
) -> None:
    """Run a Dask worker that owns this bench (worker resource bench-<name>) until Ctrl-C."""
    from rig.cluster.worker import serve

    asyncio.run(serve(scheduler, config_path(ctx, config), host=host, nthreads=nthreads, name=name))
