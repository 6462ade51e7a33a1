"""The TFTP tap between tftpy clients (the phones) and a tftpy server (CUCM), all on loopback."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import select
import socket
import struct
import threading
from collections.abc import Iterator

import pytest
import tftpy

from rig.drivers import tftp_tap
from rig.drivers.tftp_tap import TftpTap, TftpTransfer
from rig.drivers.poller import Poller
from tests.waiting import wait_for


@contextlib.contextmanager
def upstream_and_phone(upstream_host: str = "127.0.0.1", phone_host: str = "127.0.0.1",
                       upstream_timeout: float = 2.0) -> Iterator[tuple[socket.socket, socket.socket]]:
    """A stand-in TFTP server's socket and a stand-in phone's, bound on loopback; the phone's
    reads wait at most 2 s."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone:
        upstream.bind((upstream_host, 0))
        upstream.settimeout(upstream_timeout)
        phone.bind((phone_host, 0))
        phone.settimeout(2)
        yield upstream, phone

logging.getLogger("tftpy").setLevel(logging.CRITICAL)

ITL = os.urandom(5000)
CONFIG = b"<device><loadInformation>SCCP42.9-4-2SR3-1S</loadInformation></device>\n" * 20


@pytest.fixture(scope="module")
def tftp_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("tftpboot")
    (root / "ITLSEP001D705F9EA8.tlv").write_bytes(ITL)
    (root / "SEP001D705F9EA8.cnf.xml.sgn").write_bytes(CONFIG)
    (root / "exact.bin").write_bytes(b"x" * 1024)  # a multiple of the block size: ends with an empty block
    (root / "big.sbn").write_bytes(os.urandom(2 * 1024 * 1024))
    return root


@pytest.fixture(scope="module")
def cucm(tftp_root):
    server = tftpy.TftpServer(str(tftp_root))
    thread = threading.Thread(target=server.listen, args=("127.0.0.1", 0), kwargs={"timeout": 1}, daemon=True)
    thread.start()
    assert server.is_running.wait(5)
    yield ("127.0.0.1", server.listenport)
    server.stop(now=True)
    thread.join(5)


@pytest.fixture
def tap(cucm):
    seen: list[TftpTransfer] = []
    with TftpTap(("127.0.0.1", 0), cucm, on_transfer=seen.append, keep_bytes=65536, timeout=1.0) as t:
        t.seen = seen
        yield t


def fetch(address, name: str, *, localip: str = "127.0.0.1", options: dict | None = None, timeout: float = 2) -> bytes:
    out = io.BytesIO()
    tftpy.TftpClient(address[0], address[1], options=options or {}, localip=localip, flock=False).download(
        name, out, timeout=timeout, retries=2
    )
    return out.getvalue()


def test_relayed_file_is_faithful_and_recorded_with_its_client(tap):
    assert fetch(tap.address, "ITLSEP001D705F9EA8.tlv", localip="127.0.1.12") == ITL
    wait_for(lambda: tap.transfers(), 5.0, "the tap's record of the transfer")
    (record,) = tap.transfers()
    assert (record.client, record.file, record.bytes, record.ok, record.error) == (
        "127.0.1.12", "ITLSEP001D705F9EA8.tlv", len(ITL), True, None)
    assert record.content == ITL and record.started <= record.ended
    assert tap.seen == [record]


@pytest.mark.parametrize("options", [{}, {"blksize": 1428}, {"blksize": 1428, "tsize": 0}])
def test_options_pass_through_and_content_is_intact(tap, options):
    assert fetch(tap.address, "SEP001D705F9EA8.cnf.xml.sgn", options=options) == CONFIG
    assert fetch(tap.address, "exact.bin", options=options) == b"x" * 1024
    wait_for(lambda: len(tap.transfers()) == 2, 5.0, "the tap's records of 2 transfers")
    assert all(t.ok for t in tap.transfers())


def test_large_transfers_are_counted_but_not_kept(tap, tftp_root):
    fetch(tap.address, "big.sbn", options={"blksize": 1428})
    wait_for(lambda: tap.transfers(), 5.0, "the tap's record of the transfer")
    record = tap.transfers()[0]
    assert record.ok and record.bytes == 2 * 1024 * 1024 and record.content is None


@pytest.mark.parametrize("options", [{}, {"blksize": 1428}])
def test_file_not_found_passes_through_and_is_recorded_failed(tap, options):
    with pytest.raises(tftpy.TftpException, match="File not found"):
        fetch(tap.address, "CTLSEP001D705F9EA8.tlv", localip="127.0.1.13", options=options)
    wait_for(lambda: tap.transfers(), 5.0, "the tap's record of the transfer")
    record = tap.transfers(client="127.0.1.13")[0]
    assert not record.ok and "File not found" in record.error and record.bytes == 0


def test_upstream_down_fails_the_transfer_with_a_reason():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as hole:
        hole.bind(("127.0.0.1", 0))  # a port nobody answers on
        with TftpTap(("127.0.0.1", 0), hole.getsockname(), timeout=0.5) as tap:
            with pytest.raises(tftpy.TftpException):
                fetch(tap.address, "SEP001D705F9EA8.cnf.xml.sgn", localip="127.0.1.14", timeout=0.3)
            wait_for(lambda: tap.transfers(), 5.0, "the tap's record of the transfer")
    (record,) = tap.transfers(client="127.0.1.14")
    assert not record.ok and "upstream did not answer" in record.error


def test_write_requests_are_refused(tap):
    with pytest.raises(tftpy.TftpException, match="errorcode = 2"):
        tftpy.TftpClient(*tap.address, flock=False).upload("evil.cnf.xml", io.BytesIO(b"x"), timeout=1, retries=1)


def test_twenty_concurrent_phones_are_each_attributed_their_own_fetches(tap):
    results: dict[str, bytes] = {}

    def phone(n: int) -> None:
        ip = f"127.0.2.{n}"
        results[ip] = fetch(tap.address, "ITLSEP001D705F9EA8.tlv", localip=ip, options={"blksize": 1428})

    threads = [threading.Thread(target=phone, args=(n,)) for n in range(1, 21)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(results) == 20 and all(body == ITL for body in results.values())
    wait_for(lambda: len(tap.transfers()) == 20, 5.0, "the tap's records of 20 transfers")
    for n in range(1, 21):
        (record,) = tap.transfers(client=f"127.0.2.{n}")
        assert record.ok and record.bytes == len(ITL)


def test_a_failing_observer_does_not_stop_the_relay(cucm):
    def explode(_: TftpTransfer) -> None:
        raise RuntimeError("observer bug")

    with TftpTap(("127.0.0.1", 0), cucm, on_transfer=explode) as tap:
        assert fetch(tap.address, "exact.bin") == b"x" * 1024
        assert fetch(tap.address, "exact.bin") == b"x" * 1024


def lossy_content(name: str, client_ip: str) -> bytes | None:
    """Upstream content for the loss test (module level: the server runs in its own process)."""
    return bytes(range(256)) * 40 if name == "SEP001D705F9EA8.cnf.xml.sgn" else None


@pytest.mark.parametrize("upstream_blksize", [0, None], ids=["the phone's blocks", "8 phone blocks a datagram"])
def test_retransmissions_cross_the_tap_when_upstream_loses_packets(upstream_blksize):
    from rig.sim.tftp import MemoryTftpServer

    upstream = MemoryTftpServer(lossy_content, loss=0.3, seed=7)
    upstream.start()
    try:
        with TftpTap(("127.0.0.1", 0), upstream.address, timeout=3.0, upstream_blksize=upstream_blksize) as tap:
            body = fetch(tap.address, "SEP001D705F9EA8.cnf.xml.sgn", options={"blksize": 512}, timeout=1.0)
            wait_for(lambda: tap.transfers(), 5.0, "the tap's record of the transfer")
    finally:
        upstream.stop()
    assert body == bytes(range(256)) * 40
    (record,) = tap.transfers()
    assert record.ok and record.bytes == len(body) and record.content == body


def serve_once(sock: socket.socket, body: bytes, finished: threading.Event, *, blksize: int = 512,
               oack: bytes | None = None, requests: list[bytes] | None = None) -> None:
    """A lock-step TFTP server for one RRQ (kept in `requests`): `oack` first when given, then
    blocks of `blksize`, setting `finished` at the final ACK."""
    rrq, client = sock.recvfrom(2048)
    if requests is not None:
        requests.append(rrq)
    steps = [] if oack is None else [(oack, 0)]
    steps += [(struct.pack("!HH", 3, number) + body[at:at + blksize], number)
              for number, at in enumerate(range(0, len(body) + 1, blksize), start=1)]
    for packet, number in steps:
        while True:
            sock.sendto(packet, client)
            try:
                answer, _ = sock.recvfrom(2048)
            except TimeoutError:
                continue
            if struct.unpack("!HH", answer[:4]) == (4, number):
                break
    finished.set()


def test_the_tap_reads_ahead_so_upstream_finishes_while_the_phone_is_still_reading():
    body = os.urandom(512 * 10 + 100)
    finished = threading.Event()
    with upstream_and_phone(upstream_timeout=0.5) as (upstream, phone):
        threading.Thread(target=serve_once, args=(upstream, body, finished), daemon=True).start()
        with TftpTap(("127.0.0.1", 0), upstream.getsockname(), timeout=5.0) as tap:
            phone.sendto(b"\0\1ITLSEP001D705F9EA8.tlv\0octet\0", tap.address)
            received, number = b"", 0
            while True:
                packet, server = phone.recvfrom(2048)
                if struct.unpack("!H", packet[2:4])[0] != number + 1:
                    continue  # a block sent again
                number += 1
                if number == 1:  # the phone holds its first ACK until upstream has sent everything
                    assert finished.wait(5), "upstream did not finish before the phone acknowledged block 1"
                received += packet[4:]
                phone.sendto(struct.pack("!HH", 4, number), server)
                if len(packet) < 4 + 512:
                    break
            wait_for(lambda: tap.transfers(), 5.0, "the tap's record of the transfer")
    assert received == body
    (record,) = tap.transfers()
    assert record.ok and record.bytes == len(body) and record.content == body


def test_a_block_the_phone_lost_is_sent_again_by_the_tap(cucm):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone, \
            TftpTap(("127.0.0.1", 0), cucm, timeout=1.0) as tap:
        phone.bind(("127.0.0.1", 0))
        phone.settimeout(2)
        phone.sendto(b"\0\1SEP001D705F9EA8.cnf.xml.sgn\0octet\0", tap.address)
        first, server = phone.recvfrom(2048)  # "lost": not acknowledged
        again, _ = phone.recvfrom(2048)
        assert again == first and struct.unpack("!HH", first[:4]) == (3, 1)
        phone.sendto(struct.pack("!HH", 4, 1), server)
        second, _ = phone.recvfrom(2048)
        assert struct.unpack("!HH", second[:4]) == (3, 2) and second[4:] == CONFIG[512:1024]


def test_a_repeated_read_request_gets_what_the_phone_missed_and_never_an_oack_it_took(cucm):
    rrq = b"\0\1SEP001D705F9EA8.cnf.xml.sgn\0octet\0blksize\x001428\0"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone, \
            TftpTap(("127.0.0.1", 0), cucm, timeout=5.0) as tap:
        phone.bind(("127.0.0.1", 0))
        phone.settimeout(2)
        phone.sendto(rrq, tap.address)
        oack, server = phone.recvfrom(2048)
        phone.sendto(rrq, tap.address)  # as if the OACK were lost
        assert struct.unpack("!H", oack[:2])[0] == 6 and phone.recvfrom(2048)[0] == oack
        phone.sendto(struct.pack("!HH", 4, 0), server)
        block, _ = phone.recvfrom(2048)
        phone.sendto(rrq, tap.address)  # a late repeat: the phone already took the OACK
        again, _ = phone.recvfrom(2048)
        assert struct.unpack("!HH", block[:4]) == (3, 1) and again == block


def test_without_epoll_the_tap_relays_through_selectors(cucm, monkeypatch):
    monkeypatch.delattr(select, "epoll")
    with TftpTap(("127.0.0.1", 0), cucm, timeout=1.0) as tap:
        assert fetch(tap.address, "SEP001D705F9EA8.cnf.xml.sgn", options={"blksize": 1428}) == CONFIG
        assert fetch(tap.address, "ITLSEP001D705F9EA8.tlv") == ITL


@pytest.mark.parametrize("epoll", [True, False], ids=["epoll", "selectors"])
def test_a_socket_removed_by_an_earlier_reader_of_the_same_wake_up_is_not_read(epoll, monkeypatch):
    if not epoll:
        monkeypatch.delattr(select, "epoll")
    poller = Poller()
    pair = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    called: list[int] = []

    def reader(n: int) -> None:
        called.append(n)
        poller.remove(pair[1 - n])  # a transfer ending: its other socket goes too

    try:
        for n, sock in enumerate(pair):
            sock.bind(("127.0.0.1", 0))
            poller.add(sock, lambda n=n: reader(n))
            sock.sendto(b"x", sock.getsockname())
        ready = poller.wait(1.0)  # loopback delivers at sendto: both are readable already
        assert len(ready) == 2
        poller.dispatch(ready)
        assert len(called) == 1
    finally:
        poller.close()
        for sock in pair:
            sock.close()


@pytest.mark.parametrize("nonblocking", [getattr(socket, "SOCK_NONBLOCK", 0), 0], ids=["at-creation", "setblocking"])
def test_a_transfer_asks_upstream_from_its_loopback_address_and_answers_from_the_taps(nonblocking, monkeypatch):
    """Upstream on 127.0.0.2 is asked from 127.0.0.2 (a server that does not bind its replies
    answers from there), the phone is answered from the tap's own address; both non-blocking."""
    monkeypatch.setattr(tftp_tap, "_NONBLOCKING", nonblocking)
    with upstream_and_phone("127.0.0.2", "127.0.0.4") as (upstream, phone):
        with TftpTap(("127.0.0.3", 0), upstream.getsockname(), timeout=2.0) as tap:
            phone.sendto(b"\0\1ITLSEP001D705F9EA8.tlv\0octet\0", tap.address)
            _, asker = upstream.recvfrom(2048)
            upstream.sendto(b"\0\3\0\1short", asker)
            block, server = phone.recvfrom(2048)
            taps = tap.address
            (transfer,) = tap._active.values()
            assert not transfer.up.getblocking() and not transfer.down.getblocking()
            phone.sendto(b"\0\4\0\1", server)
            wait_for(lambda: tap.transfers(), 5, "the transfer's record")
    assert (asker[0], server[0], server != taps, block) == ("127.0.0.2", "127.0.0.3", True, b"\0\3\0\1short")
    assert tap.transfers()[0].content == b"short"
