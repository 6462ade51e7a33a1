"""Command-line entry point: `rig` and `python -m rig`.

Exit codes are rig.jobs.result's (0 passed, 1 not every phone passed, 2 bad input, 130
interrupted); here a RigError becomes its one line on stderr, and Ctrl-C outside a job 130.
An OSError (a runs or lease directory rig cannot use, a full disk, a journal deleted mid-run) is
one line and exit 2 too, never a traceback. Whatever ends the command, a port rig turned off and
could not turn back on (rig.actions.power) is said first.
"""

from __future__ import annotations

import sys

import click
import typer
from typer._click.exceptions import NoArgsIsHelpError

from rig.cli import cluster, diagnostics, discover, hardware, itl, jobs, power, preflight, sim, tap  # noqa: F401  (commands register on import)
from rig.cli import init, runs  # noqa: F401  (rig init, rig runs)
from rig.cli.app import app
from rig.actions.power import left_off
from rig.drivers.open_files import lift_open_files_limit
from rig.errors import RigError, printable
from rig.jobs.result import EXIT_INTERRUPTED


def _os_error(error: OSError) -> str:
    """`<file>: <reason>` (the file an OSError names, when it names one), one line."""
    where = f"{error.filename}: " if error.filename else ""
    return printable(f"{where}{error.strerror or error}")


def _left_off_first() -> None:
    for line in left_off():
        print(f"rig: PORT LEFT OFF: {line}", file=sys.stderr)


def main() -> None:
    lift_open_files_limit()  # a controller of 1000 phones holds more than Linux's default 1024
    try:
        code = app(prog_name="rig", standalone_mode=False)
    except RigError as error:
        _left_off_first()
        print(f"rig: error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except NoArgsIsHelpError as bare:  # bare `rig`: the help, and no error line under it
        print(bare.format_message())
        sys.exit(0)
    except OSError as error:
        _left_off_first()
        print(f"rig: error: {_os_error(error)}", file=sys.stderr)
        sys.exit(RigError.exit_code)
    except (click.exceptions.Abort, typer.Abort):
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        _left_off_first()
        print("rig: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except (click.ClickException, typer.TyperException) as error:  # typer 0.29 raises its vendored click's
        print(f"rig: error: {' '.join(error.format_message().split())}", file=sys.stderr)
        sys.exit(error.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
