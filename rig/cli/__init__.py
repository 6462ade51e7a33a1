"""Command-line entry point: `rig` and `python -m rig`.

Exit codes are rig.jobs.result's (0 passed, 1 not every phone passed, 2 bad input, 130
interrupted); here a RigError becomes its one line on stderr, and Ctrl-C outside a job 130.
"""

from __future__ import annotations

import sys

import click
import typer

from rig.cli import cluster, discover, hardware, itl, jobs, power, preflight, sim, tap  # noqa: F401  (commands register on import)
from rig.cli.app import app
from rig.errors import RigError
from rig.jobs.result import EXIT_INTERRUPTED


def main() -> None:
    try:
        code = app(standalone_mode=False)
    except RigError as error:
        print(f"rig: error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except (click.exceptions.Abort, typer.Abort):
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        print("rig: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except (click.ClickException, typer.TyperException) as error:  # typer 0.29 raises its vendored click's
        print(f"rig: error: {' '.join(error.format_message().split())}", file=sys.stderr)
        sys.exit(error.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
