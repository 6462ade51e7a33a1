"""Command-line entry point: `rig` and `python -m rig`.

Exit codes (DESIGN.md): 0 every phone passed, 1 a phone failed or was skipped, 2 bad
usage/config/input (one line, no traceback), 130 interrupted (journal kept).
"""

from __future__ import annotations

import sys

import click

from rig.cli import cluster, hardware, itl, jobs, sim, tap  # noqa: F401  (commands register on import)
from rig.cli.app import app
from rig.errors import RigError

EXIT_INTERRUPTED = 130


def main() -> None:
    try:
        code = app(standalone_mode=False)
    except RigError as error:
        print(f"rig: error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        print("rig: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
