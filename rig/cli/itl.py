"""`rig itl show FILE`: parse and verify an ITL/CTL .tlv or a signed .sgn file.

Exit 0 when the signature verifies, 1 when the file parses but is not trusted, 2 when it cannot
be read or is malformed (one line on stderr, via RigError), 3 when the signature was not checked:
a signed .sgn file names no certificate of its own, so without `--cert` or `--itl` nothing says
whether it verifies, and that must not read as a failure.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from cryptography import x509
from rich.console import Console

from rig.cli.app import app
from rig.errors import RigError
from rig.trust import TrustFile, TrustFileError, parse, verify
from rig.trust.model import Verdict
from rig.trust.parse import MAX_SGN_SIZE
from rig.trust.render import report, table

itl_app = typer.Typer(no_args_is_help=True)
app.add_typer(itl_app, name="itl", help="Inspect Cisco trust files: ITL/CTL .tlv and signed .sgn.")

WIDE_OUTPUT = 220  # columns when piped, so hashes and serials are not folded
EXIT_UNCHECKED = 3
UNCHECKED = "signature not checked: a signed file needs --cert PEM or --itl ITL to be checked"


@itl_app.command("show")
def show(
    file: Annotated[Path, typer.Argument(help="ITL/CTL .tlv or signed .sgn file.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")] = False,
    cert: Annotated[Optional[Path], typer.Option(
        "--cert", help="PEM (or DER) certificate to check the signature with instead of the file's SAST.",
        show_default=False)] = None,
    itl: Annotated[Optional[Path], typer.Option(
        "--itl", help="A trusted ITL: its TFTP records check a .sgn file, its SAST records a new ITL.",
        show_default=False)] = None,
) -> None:
    """Show a trust file's header and records and say whether its signature verifies.

    Exit 0 valid, 1 not trusted, 2 unreadable or malformed, 3 a .sgn given without --cert/--itl
    (signature not checked)."""
    tf = load_trust_file(file)
    if tf.kind == "SGN" and cert is None and itl is None:
        verdict = Verdict(False, UNCHECKED, checked=False)
    else:
        verdict = verify(tf, cert=load_certificate(cert) if cert else None, itl=load_trust_file(itl) if itl else None)
    if as_json:
        typer.echo(json.dumps(report(tf, verdict), indent=2))
    else:
        Console(width=None if sys.stdout.isatty() else WIDE_OUTPUT).print(table(tf, verdict))
    if not verdict.checked:
        raise typer.Exit(EXIT_UNCHECKED)
    if not verdict.valid:
        raise typer.Exit(1)


def load_trust_file(path: Path) -> TrustFile:
    try:
        return parse(_read(path, MAX_SGN_SIZE + 1))
    except TrustFileError as error:
        raise RigError(f"{path}: {error}") from None


def load_certificate(path: Path) -> x509.Certificate:
    data = _read(path, 1024 * 1024)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise RigError(f"{path}: not a PEM or DER X.509 certificate") from None


def _read(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(limit)
    except OSError as error:
        raise RigError(f"{path}: {error.strerror or error}") from None
