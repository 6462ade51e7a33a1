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
import struct

from tftpy import TftpException, TftpFileNotFoundError, TftpTimeout

CLIENT_BLKSIZE = 1428
"""What a 7942 asks for: the largest block that fits a 1500-byte Ethernet frame."""
DEFAULT_BLKSIZE = 512
"""RFC 1350's block size, used when the server ignores the blksize option."""
MIN_BLKSIZE, MAX_BLKSIZE = 8, 65464
"""RFC 2348's range: an OACK outside it is a failed negotiation."""

RRQ, DATA, ACK, ERROR, OACK = 1, 3, 4, 5, 6
FILE_NOT_FOUND, ILLEGAL_OPERATION, FAILED_NEGOTIATION = 1, 4, 8
_HEADER = struct.Struct("!HH")


def packet(opcode: int, number: int, payload: bytes = b"") -> bytes:
    """A DATA, ACK or ERROR packet (opcode, block or error code, payload)."""
    return _HEADER.pack(opcode, number) + payload


def error_packet(code: int, message: str) -> bytes:
    return packet(ERROR, code, message.encode("ascii") + b"\0")


def request(opcode: int, name: str, options: dict[str, int]) -> bytes:
    """An RRQ (or WRQ) in octet mode with `options` (RFC 2347)."""
    fields = [name, "octet"] + [str(item) for pair in options.items() for item in pair]
    return struct.pack("!H", opcode) + b"".join(f.encode("ascii") + b"\0" for f in fields)


def parse_options(body: bytes) -> dict[str, str]:
    """The name/value pairs of an OACK or request body (names lower-cased, as RFC 2347 allows)."""
    fields = body.split(b"\0")[:-1]
    return {fields[i].decode("ascii", "replace").lower(): fields[i + 1].decode("ascii", "replace")
            for i in range(0, len(fields) - 1, 2)}


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
            opcode, number = _HEADER.unpack_from(data)
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
            if source != self._peer or len(data) < _HEADER.size:
                continue
            return data

    def _send(self, data: bytes) -> None:
        self._last = data
        self._sock.sendto(data, self._peer or self._server)

    def _fail(self, code: int, reason: str) -> None:
        """Tell the server the transfer is over (RFC 1350: an error ends it), then raise."""
        self._sock.sendto(error_packet(code, reason), self._peer or self._server)
        raise TftpException(reason)
