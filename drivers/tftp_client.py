"""Fetch one file over TFTP (a read request only): how rig reads what CUCM serves a phone.

tftpy's client, told to stay quiet: its own log lines report every retry at INFO/WARNING level.
"""

from __future__ import annotations

import io
import logging

import tftpy

logging.getLogger("tftpy").setLevel(logging.CRITICAL)


class TftpFetchError(Exception):
    """The file could not be read; the message names server, file and why (`File not found`...)."""

    def __init__(self, message: str, *, not_found: bool = False) -> None:
        super().__init__(message)
        self.not_found = not_found


def tftp_get(host: str, port: int, name: str, *, timeout: float = 2.0, retries: int = 2) -> bytes:
    """`name` read from the TFTP server at host:port (blksize 1428, as phones ask)."""
    out = io.BytesIO()
    where = f"TFTP {host}:{port} {name}"
    try:
        tftpy.TftpClient(host, port, options={"blksize": 1428}).download(
            name, out, timeout=timeout, retries=retries)
    except tftpy.TftpException as error:
        text = str(error)
        raise TftpFetchError(f"{where}: {text}", not_found="not found" in text.lower()) from None
    except OSError as error:
        raise TftpFetchError(f"{where}: {error}") from None
    return out.getvalue()
