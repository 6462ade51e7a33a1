"""The simulator's TFTP server as other people's clients see it: tftpy's client with and without
options, and raw packets for what a client library hides (which address answers, a stranger's
packet, the OACK that is sent once)."""

from __future__ import annotations

import io
import socket
import struct
from collections.abc import Iterator

import pytest
import tftpy

from rig.sim.tftp import MemoryTftpServer

HOST = "127.0.0.2"  # not 127.0.0.1: the answers must come from the address the client asked
BODY = bytes(range(256)) * 8  # 2048 bytes: four full blocks of 512 and an empty fifth


def lookup(name: str, client_ip: str) -> bytes | None:
    """The server's one file (module level: the server runs in its own process)."""
    return BODY if name == "SEP001D705F9EA8.cnf.xml" else None


@pytest.fixture(scope="module")
def server() -> Iterator[MemoryTftpServer]:
    served = MemoryTftpServer(lookup, host=HOST)
    served.start()
    yield served
    served.stop()


def tftpy_get(server: MemoryTftpServer, options: dict[str, int]) -> tuple[bytes, dict[str, object]]:
    """The file and the options tftpy's client ended up with."""
    out = io.BytesIO()
    client = tftpy.TftpClient(*server.address, options=options, localip="127.0.4.1")
    client.download("SEP001D705F9EA8.cnf.xml", out, timeout=1.0)
    return out.getvalue(), client.context.options


def test_tftpy_gets_the_file_with_blksize_and_tsize_acknowledged(server: MemoryTftpServer) -> None:
    body, options = tftpy_get(server, {"blksize": 1428, "tsize": 0})
    assert body == BODY
    assert {k: str(v) for k, v in options.items()} == {"blksize": "1428", "tsize": str(len(BODY))}


def test_a_plain_rfc1350_client_gets_512_byte_blocks_ending_with_an_empty_one(server: MemoryTftpServer) -> None:
    body, _ = tftpy_get(server, {})
    assert body == BODY


@pytest.fixture
def raw() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.4.2", 0))
    sock.settimeout(1.0)
    yield sock
    sock.close()


def rrq(name: str, **options: int) -> bytes:
    fields = [name, "octet", *(str(x) for pair in options.items() for x in pair)]
    return b"\0\x01" + b"".join(f.encode() + b"\0" for f in fields)


def test_answers_come_from_the_servers_address_on_a_port_of_the_transfer(server: MemoryTftpServer,
                                                                         raw: socket.socket) -> None:
    raw.sendto(rrq("nosuch.bin"), server.address)
    answer, source = raw.recvfrom(2048)
    assert answer[:4] == struct.pack("!HH", 5, 1) and source[0] == HOST and source[1] != server.address[1]
    raw.sendto(rrq("SEP001D705F9EA8.cnf.xml"), server.address)
    answer, source = raw.recvfrom(2048)
    assert answer == struct.pack("!HH", 3, 1) + BODY[:512] and source[0] == HOST


def test_a_strangers_packet_is_told_unknown_transfer_id_and_the_transfer_goes_on(server: MemoryTftpServer,
                                                                                 raw: socket.socket) -> None:
    raw.sendto(rrq("SEP001D705F9EA8.cnf.xml"), server.address)
    _, transfer = raw.recvfrom(2048)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
        stranger.bind(("127.0.4.3", 0))
        stranger.settimeout(1.0)
        stranger.sendto(struct.pack("!HH", 4, 1), transfer)
        assert stranger.recvfrom(2048)[0][:4] == struct.pack("!HH", 5, 5)
    raw.sendto(struct.pack("!HH", 4, 1), transfer)
    assert raw.recvfrom(2048)[0] == struct.pack("!HH", 3, 2) + BODY[512:1024]


def test_the_oack_is_sent_once_and_a_data_block_is_resent_after_silence(server: MemoryTftpServer,
                                                                       raw: socket.socket) -> None:
    raw.sendto(rrq("SEP001D705F9EA8.cnf.xml", blksize=1024), server.address)
    oack, transfer = raw.recvfrom(2048)
    assert oack == b"\0\x06blksize\x001024\0"
    with pytest.raises(TimeoutError):
        raw.recvfrom(2048)  # a second of silence from us: no second OACK
    raw.sendto(struct.pack("!HH", 4, 0), transfer)
    first = raw.recvfrom(2048)[0]
    assert first == struct.pack("!HH", 3, 1) + BODY[:1024]
    assert raw.recvfrom(2048)[0] == first  # not acknowledged: resent


def test_a_write_is_refused_with_access_violation(server: MemoryTftpServer, raw: socket.socket) -> None:
    raw.sendto(b"\0\x02SEP001D705F9EA8.cnf.xml\0octet\0", server.address)
    assert raw.recvfrom(2048)[0][:4] == struct.pack("!HH", 5, 2)
