"""Fetch one file over TFTP (a read request only): how rig reads what CUCM serves a phone.

tftpy's client, told to stay quiet: its own log lines report every retry at INFO/WARNING level.
A per-packet timeout bounds a silent server, not a talkative one: an endless file, or one sent a
block just inside each timeout, was read for ever (issue 29, M3: 1.76 GB in 110 s). So every
packet received is checked against a rig.drivers.bounded budget (total time, total bytes, abandoned
on Ctrl-C), and each wait for a packet is at most a budget slice.
"""

from __future__ import annotations

import io
import logging

import tftpy
from tftpy.TftpPacketTypes import TftpPacket, TftpPacketDAT

from rig.drivers.bounded import SLICE_S, Budget
from rig.drivers.errors import DeviceError

logging.getLogger("tftpy").setLevel(logging.CRITICAL)

TRUST_FILE_LIMIT = 256 * 1024
"""Bytes of an ITL or CTL file rig reads. source: Cisco's Security Guide for Cisco Unified
Communications Manager (Release 15), Security by Default, Interactions and Restrictions: past 39
certificates the ITL exceeds 64 kilobytes and the phone no longer loads it. Four times that
leaves room for a CTL's extra records; anything larger is not a trust file a phone would use."""


class TftpFetchError(DeviceError):
    """The file could not be read; the message names server, file and why (`File not found`...)."""

    part = "tftp"

    def __init__(self, message: str, *, not_found: bool = False) -> None:
        super().__init__(message)
        self.not_found = not_found


def tftp_get(host: str, port: int, name: str, *, seconds: float, limit: int, retries: int = 4) -> bytes:
    """`name` read from the TFTP server at host:port (blksize 1428, as phones ask), the whole
    transfer within `seconds` and `limit` bytes; a silent server fails after `retries` waits of
    SLICE_S each."""
    out = io.BytesIO()
    where = f"TFTP {host}:{port} {name}"
    budget = Budget(seconds, limit)

    def check(packet: TftpPacket) -> None:
        budget.slice()
        if isinstance(packet, TftpPacketDAT):
            budget.count(len(packet.data))

    try:
        tftpy.TftpClient(host, port, options={"blksize": 1428}).download(
            name, out, packethook=check, timeout=min(SLICE_S, seconds), retries=retries)
    except tftpy.TftpException as error:
        text = str(error)
        raise TftpFetchError(f"{where}: {text}", not_found="not found" in text.lower()) from None
    except OSError as error:
        raise TftpFetchError(f"{where}: {error}") from None
    return out.getvalue()
