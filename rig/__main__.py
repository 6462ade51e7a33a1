"""`rig` and `python -m rig`: the command line, with Ctrl-C honoured from the first instant.

Importing the command line (typer, rich, paramiko, pydantic, netmiko) takes about a second. A
Ctrl-C in that second must end rig as it does later, one line and exit 130 with nothing touched,
not with the traceback of whichever module was being imported (the randomized-fault harness,
bench/chaos.py, found it: seed 138).
"""

from __future__ import annotations

import sys

INTERRUPTED = 130  # rig.jobs.result.EXIT_INTERRUPTED, not imported: this module must stay light


def run() -> None:
    try:
        from rig.cli import main
    except KeyboardInterrupt:
        print("rig: interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED)
    main()


if __name__ == "__main__":
    run()
