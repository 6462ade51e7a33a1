"""The TFTP download a simulated 7942 does: RFC 1350 read with the RFC 2348 blksize option.

Written for the phone rather than borrowed from tftpy's client, because a bench of simulated
phones runs thousands of downloads at once and tftpy's client builds objects and log records for
every packet: measured on a 16 KB file (12 blocks), 1.6 ms of CPU per download with tftpy, 0.9 ms
here, most of it the kernel's share of 25 datagrams. What the phone does on the wire is unchanged: one socket on the phone's own address,
`RRQ name octet blksize 1428`, ACK 0 for the OACK, an ACK for every block, the last packet resent
after each silent `timeout`, and the tftpy exceptions the phone's provisioning already handles:
TftpTimeout after `retries` silent waits, TftpFileNotFoundError for ERROR 1 in answer to the
request, TftpException for any other error or protocol violation.
"""

from __future__ import annotations

import socket
from typing import NoReturn

from tftpy import TftpException, TftpFileNotFoundError, TftpTimeout

from rig.sim.tftp_packets import (
    ACK, DATA, DEFAULT_BLKSIZE, ERROR, FAILED_NEGOTIATION, FILE_NOT_FOUND, HEADER, ILLEGAL_OPERATION, MIN_BLKSIZE,
    OACK, RRQ, error_packet, packet, parse_options, request,
)

CLIENT_BLKSIZE = 1428
"""The largest block a 1500-byte Ethernet frame carries. Unconfirmed: no public source found says
whether a 7942 asks for a block size or which one (README, "Not confirmed on hardware")."""


def download(host: str, port: int, name: str, *, localip: str, timeout: float, retries: int) -> bytes:
    """Fetch `name` into memory from the phone's own address `localip` (so a relay can tell
    phones apart); raises TftpTimeout, TftpFileNotFoundError or TftpException."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((localip, 0))
        sock.settimeout(timeout)
        return _Download(sock, (host, port), retries).run(name)


class _Download:
    """One read transfer on its own socket; `peer` is the server's transfer ID once it answers."""

    def __init__(self, sock: socket.socket, server: tuple[str, int], retries: int) -> None:
        self._sock = sock
        self._server = server
        self._retries = retries
        self._peer: tuple[str, int] | None = None
        self._last = b""
        self._blksize: int | None = None  # None until the server has answered OACK or DATA

    def run(self, name: str) -> bytes:
        self._send(request(RRQ, name, {"blksize": CLIENT_BLKSIZE}))
        blocks: list[bytes] = []
        while True:
            data = self._receive()
            opcode, number = HEADER.unpack_from(data)
            body = data[4:]
            if opcode == DATA:
                if self._blksize is None:
                    self._blksize = DEFAULT_BLKSIZE  # the server ignored the option
                expected = (len(blocks) + 1) & 0xFFFF
                ahead = (number - expected) & 0xFFFF
                if ahead == 0:
                    blocks.append(body)
                    self._send(packet(ACK, number))
                    if len(body) < self._blksize:
                        return b"".join(blocks)
                elif ahead < 0x8000 or (number == 0 and len(blocks) < 0xFFFF):
                    self._fail(ILLEGAL_OPERATION, f"DATA block {number} while expecting {expected}")
                else:
                    self._send(packet(ACK, number))  # a resent block: our ACK was lost, say it again
            elif opcode == OACK and self._blksize is None:
                self._blksize = self._negotiated(data[2:])
                self._send(packet(ACK, 0))
            elif opcode == OACK:
                if not blocks:
                    self._send(packet(ACK, 0))  # the server resent its OACK: our ACK 0 was lost
            elif opcode == ERROR:
                message = body.rstrip(b"\0").decode("ascii", "replace")
                if number == FILE_NOT_FOUND and self._blksize is None:
                    raise TftpFileNotFoundError("File not found")
                raise TftpException(f"Received ERR from server: errorcode = {number}, msg = {message}")
            else:
                self._fail(ILLEGAL_OPERATION, f"unexpected packet with opcode {opcode}")

    def _negotiated(self, body: bytes) -> int:
        options = parse_options(body)
        size = options.get("blksize", str(DEFAULT_BLKSIZE))
        if not options or not size.isdigit() or not MIN_BLKSIZE <= int(size) <= CLIENT_BLKSIZE:
            self._fail(FAILED_NEGOTIATION, f"OACK options not acceptable: {options}")
        return int(size)

    def _receive(self) -> bytes:
        """The next packet from the server's transfer ID, resending the last packet after each
        silent timeout; packets from any other address or port are not this transfer's."""
        silent = 0
        while True:
            try:
                data, source = self._sock.recvfrom(65536)
            except socket.timeout:
                silent += 1
                if silent >= self._retries:
                    raise TftpTimeout("Timed-out waiting for traffic") from None
                self._send(self._last)
                continue
            if self._peer is None:
                self._peer = source
            if source != self._peer or len(data) < HEADER.size:
                continue
            return data

    def _send(self, data: bytes) -> None:
        self._last = data
        self._sock.sendto(data, self._peer or self._server)

    def _fail(self, code: int, reason: str) -> NoReturn:
        """Tell the server the transfer is over (RFC 1350: an error ends it), then raise."""
        self._sock.sendto(error_packet(code, reason), self._peer or self._server)
        raise TftpException(reason)
