"""The ITL read of preflight and the bench gate is bounded (issue 29, M3): an endless file ends
at the trust-file size bound, a file sent a block just inside each packet timeout ends at the
total time, and both are one TftpFetchError naming server and file."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from rig.drivers import bounded
from rig.drivers.tftp_client import TRUST_FILE_LIMIT, TftpFetchError, tftp_get
from tests.trickle import BYTE_EVERY_S, guarded
from tests.waiting import wait_for


@dataclass
class Endless:
    """What a never-ending TFTP server sends: full blocks, each `delay` seconds after the ACK of
    the one before, `blocks` of them (None: no end)."""

    delay: float
    blocks: int | None = None
    sent: int = 0


@contextlib.contextmanager
def tftp_server(file: Endless) -> Iterator[int]:
    """A TFTP server on 127.0.0.1 answering one read request with `file`'s blocks (RFC 1350:
    DATA is opcode 3, block number, 512 bytes; no options acknowledged, so the client takes
    512-byte blocks); yields its port."""
    stop = threading.Event()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(BYTE_EVERY_S)

        def serve() -> None:
            client = None
            while not stop.is_set() and (file.blocks is None or file.sent < file.blocks):
                try:
                    _, client = sock.recvfrom(2048)  # the read request, then each ACK
                except TimeoutError:
                    continue
                if stop.wait(file.delay):
                    return
                file.sent += 1
                sock.sendto(struct.pack("!HH", 3, file.sent % 65536) + b"\x01" * 512, client)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield sock.getsockname()[1]
        finally:
            stop.set()
            thread.join()


def test_a_file_past_the_trust_file_bound_is_refused_naming_server_file_and_bound():
    with tftp_server(Endless(0.0, blocks=4 * TRUST_FILE_LIMIT // 512)) as port:
        error = guarded(lambda: tftp_get("127.0.0.1", port, "ITLSEP001D705F0000.tlv", seconds=60.0,
                                         limit=TRUST_FILE_LIMIT))
    assert isinstance(error, TftpFetchError)
    assert str(error) == f"TFTP 127.0.0.1:{port} ITLSEP001D705F0000.tlv: answer larger than {TRUST_FILE_LIMIT} bytes"


def test_a_file_trickled_a_block_at_a_time_ends_at_the_total_time():
    with tftp_server(Endless(BYTE_EVERY_S)) as port:
        error = guarded(lambda: tftp_get("127.0.0.1", port, "ITLSEP001D705F0000.tlv", seconds=1.0,
                                         limit=1024 * 1024 * 1024))
    assert isinstance(error, TftpFetchError)
    assert str(error) == f"TFTP 127.0.0.1:{port} ITLSEP001D705F0000.tlv: no complete answer within 1 s"


def test_a_transfer_abandoned_on_ctrl_c_ends_at_its_next_packet():
    outcome: list[BaseException] = []
    file = Endless(BYTE_EVERY_S)

    def read() -> None:
        try:
            tftp_get("127.0.0.1", port, "ITLSEP001D705F0000.tlv", seconds=100.0, limit=1024 * 1024 * 1024)
        except TftpFetchError as error:
            outcome.append(error)

    with tftp_server(file) as port:
        threading.Thread(target=read, daemon=True).start()
        wait_for(lambda: file.sent, what="the transfer to start")
        bounded.abandon_in_flight()
        wait_for(lambda: outcome, timeout=10.0, what="the abandoned transfer to end")
    assert "abandoned" in str(outcome[0])
