"""The simulated phone's TFTP download against tftpy's server, the simulator's server (with loss)
and scripted servers that misbehave: the bytes arrive whole, the wire shows what a 7942 sends,
and failures raise the tftpy exceptions the phone's provisioning handles."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import tftpy

from rig.sim.tftp import MemoryTftpServer
from rig.sim.tftp_client import download

BODY = bytes(range(256)) * 23 + b"tail"  # 5892 bytes: four blocks of 1428, a short fifth
PHONE_IP = "127.0.1.9"


def lookup(name: str, client_ip: str) -> bytes | None:
    """The simulator server's files (module level: that server runs in its own process)."""
    return BODY if name == "SEP001D705F9EA8.cnf.xml" else None


def fetch(address: tuple[str, int], name: str, *, timeout: float = 1.0, retries: int = 3) -> bytes:
    return download(address[0], address[1], name, localip=PHONE_IP, timeout=timeout, retries=retries)


@pytest.fixture(scope="module")
def sim_server() -> Iterator[MemoryTftpServer]:
    server = MemoryTftpServer(lookup, loss=0.3, seed=3)
    server.start()
    yield server
    server.stop()


def test_tftpys_server_delivers_the_file_and_says_file_not_found(tmp_path: Path) -> None:
    (tmp_path / "SEP001D705F9EA8.cnf.xml").write_bytes(BODY)
    server = tftpy.TftpServer(str(tmp_path))
    thread = threading.Thread(target=server.listen, args=("127.0.0.1", 0), daemon=True)
    thread.start()
    assert server.is_running.wait(5)
    try:
        assert fetch(("127.0.0.1", server.listenport), "SEP001D705F9EA8.cnf.xml") == BODY
        with pytest.raises(tftpy.TftpFileNotFoundError):
            fetch(("127.0.0.1", server.listenport), "CTLSEP001D705F9EA8.tlv")
    finally:
        server.stop(now=True)
        thread.join(5)


def test_the_simulators_lossy_server_delivers_whole_files(sim_server: MemoryTftpServer) -> None:
    for _ in range(5):
        assert fetch(sim_server.address, "SEP001D705F9EA8.cnf.xml", timeout=0.3, retries=20) == BODY
    with pytest.raises(tftpy.TftpFileNotFoundError):
        fetch(sim_server.address, "nosuch.bin")
    assert (PHONE_IP, "nosuch.bin", False) in sim_server.requests


# -- scripted servers: what the client sends, and how it takes what it should not get ---------

Script = Callable[[socket.socket, bytes, tuple[str, int]], None]


class Scripted:
    """Servers that each hand the first request to `script(sock, request, client)`."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []

    def start(self, script: Script) -> tuple[str, int]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        self._sockets.append(sock)

        def serve() -> None:
            request, client = sock.recvfrom(2048)
            script(sock, request, client)

        self._threads.append(threading.Thread(target=serve, daemon=True))
        self._threads[-1].start()
        return sock.getsockname()

    def join(self) -> None:
        """Wait until every script has run to its end."""
        for thread in self._threads:
            thread.join(5)

    def close(self) -> None:
        self.join()
        for sock in self._sockets:
            sock.close()


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    servers = Scripted()
    yield servers
    servers.close()


def data(number: int, payload: bytes) -> bytes:
    return struct.pack("!HH", 3, number) + payload


def test_the_request_is_a_7942s_from_the_phones_address(scripted: Scripted) -> None:
    seen: list[tuple[bytes, str]] = []

    def answer_not_found(sock: socket.socket, request: bytes, client: tuple[str, int]) -> None:
        seen.append((request, client[0]))
        sock.sendto(struct.pack("!HH", 5, 1) + b"File not found\0", client)

    with pytest.raises(tftpy.TftpFileNotFoundError):
        fetch(scripted.start(answer_not_found), "ITLSEP001D705F9EA8.tlv")
    assert seen == [(b"\0\x01ITLSEP001D705F9EA8.tlv\0octet\0blksize\x001428\0", PHONE_IP)]


def test_a_server_that_ignores_blksize_is_read_in_512_byte_blocks_and_lost_acks_are_repeated(scripted: Scripted) -> None:
    acks: list[int] = []

    def plain_rfc1350(sock: socket.socket, request: bytes, client: tuple[str, int]) -> None:
        blocks = [BODY[i:i + 512] for i in range(0, len(BODY) + 1, 512)]
        for number, block in enumerate(blocks, start=1):
            sends = 2 if number == 2 else 1  # block 2 twice, as if our ACK of it was lost
            for _ in range(sends):
                sock.sendto(data(number, block), client)
                acks.append(struct.unpack("!HH", sock.recvfrom(16)[0])[1])

    assert fetch(scripted.start(plain_rfc1350), "f") == BODY
    scripted.join()
    assert acks == [1, 2, 2] + list(range(3, len(BODY) // 512 + 2))


def test_silence_raises_timeout_after_the_given_number_of_waits(scripted: Scripted) -> None:
    requests: list[bytes] = []

    def silent(sock: socket.socket, request: bytes, client: tuple[str, int]) -> None:
        requests.append(request)
        sock.settimeout(1.0)
        try:
            while True:
                requests.append(sock.recvfrom(2048)[0])
        except TimeoutError:
            pass

    with pytest.raises(tftpy.TftpTimeout):
        fetch(scripted.start(silent), "f", timeout=0.1, retries=3)
    assert len(requests) == 3 and len(set(requests)) == 1  # the request, resent after each of two silences


def test_an_error_other_than_not_found_is_a_tftp_exception(scripted: Scripted) -> None:
    def refuse(sock: socket.socket, request: bytes, client: tuple[str, int]) -> None:
        sock.sendto(struct.pack("!HH", 5, 2) + b"Access violation\0", client)

    with pytest.raises(tftpy.TftpException, match="errorcode = 2") as raised:
        fetch(scripted.start(refuse), "f")
    assert not isinstance(raised.value, tftpy.TftpFileNotFoundError)


def test_a_block_from_the_future_ends_the_transfer_with_an_error_to_the_server(scripted: Scripted) -> None:
    told: list[bytes] = []

    def skip_ahead(sock: socket.socket, request: bytes, client: tuple[str, int]) -> None:
        sock.sendto(data(2, b"x" * 512), client)
        told.append(sock.recvfrom(2048)[0])

    with pytest.raises(tftpy.TftpException, match="DATA block 2 while expecting 1"):
        fetch(scripted.start(skip_ahead), "f")
    scripted.join()
    assert told[0][:4] == struct.pack("!HH", 5, 4)
