"""The tap asks upstream for blocks larger than the phone's where the path carries them whole, and
the phone still gets exactly the transfer it negotiated."""

from __future__ import annotations

import os
import socket
import struct
import threading

import pytest

from rig.drivers.tftp_tap import TftpTap
from rig.drivers.tftp_tap_packets import options, strings
from rig.drivers.tftp_tap_transfer import larger_blksize, path_mtu
from tests.test_tftp_tap import CONFIG, ITL, cucm, serve_once, tftp_root, upstream_and_phone  # noqa: F401 - fixtures
from tests.waiting import wait_for

RRQ_1428 = b"\0\1SEP001D705F9EA8.cnf.xml.sgn\0octet\0tsize\x000\0blksize\x001428\0"


def oack(**values: int) -> bytes:
    return b"\0\6" + b"".join(f"{name}\0{value}\0".encode() for name, value in values.items())


def option(packet: bytes, name: str, first: int) -> str | None:
    """An RRQ's (`first` = 2) or OACK's (`first` = 0) option."""
    return options(strings(packet[2:])[first:]).get(name)


def phone_reads(address: tuple[str, int], rrq: bytes) -> tuple[bytes | None, list[bytes]]:
    """A phone acknowledging everything once: the OACK it was sent (None without), its DATA packets."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone:
        phone.bind(("127.0.0.1", 0))
        phone.settimeout(2)
        phone.sendto(rrq, address)
        got_oack, blocks, blksize = None, [], 512
        while not blocks or len(blocks[-1]) - 4 == blksize:
            packet, server = phone.recvfrom(65536)
            opcode, number = struct.unpack("!HH", packet[:4])
            if opcode == 6 and got_oack is None and not blocks:
                got_oack, blksize = packet, int(option(packet, "blksize", 0) or 512)
                phone.sendto(struct.pack("!HH", 4, 0), server)
            elif opcode == 3 and number == len(blocks) + 1:
                blocks.append(packet)
                phone.sendto(struct.pack("!HH", 4, number), server)
            else:
                assert opcode in (3, 6), f"unexpected packet {packet[:40]!r}"
    return got_oack, blocks


def relay(rrq: bytes, body: bytes, *, answer: bytes | None, blksize: int, **tap_options: object
          ) -> tuple[bytes, bytes | None, list[bytes]]:
    """`rrq` through a tap to a scripted upstream answering `answer` and blocks of `blksize`: the
    request upstream saw, the phone's OACK and DATA packets (the record checked against `body`)."""
    requests: list[bytes] = []
    finished = threading.Event()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
        upstream.bind(("127.0.0.1", 0))
        upstream.settimeout(0.5)
        with TftpTap(("127.0.0.1", 0), upstream.getsockname(), timeout=2.0, **tap_options) as tap:
            threading.Thread(target=serve_once, args=(upstream, body, finished), daemon=True,
                             kwargs={"blksize": blksize, "oack": answer, "requests": requests}).start()
            got_oack, blocks = phone_reads(tap.address, rrq)
            wait_for(lambda: tap.transfers(), 5.0, "the tap's record of the transfer")
    (record,) = tap.transfers()
    assert record.ok and record.bytes == len(body) and record.content == body
    return requests[0], got_oack, blocks


def numbers_and_sizes(blocks: list[bytes]) -> list[tuple[int, int]]:
    return [(struct.unpack("!H", b[2:4])[0], len(b) - 4) for b in blocks]


@pytest.mark.parametrize("size", [0, 100, 1428 * 3, 11424, 11424 * 2 + 5])
def test_upstream_is_asked_for_eight_phone_blocks_at_once_on_loopback_and_the_phone_gets_its_own(size):
    body = os.urandom(size)
    asked, got_oack, blocks = relay(RRQ_1428, body, answer=oack(tsize=size, blksize=11424), blksize=11424)
    assert option(asked, "blksize", 2) == "11424" and option(asked, "tsize", 2) == "0"
    assert got_oack == oack(tsize=size, blksize=1428)
    full, last = divmod(size, 1428)  # a multiple of 1428 ends with an empty block
    assert numbers_and_sizes(blocks) == [(n, 1428) for n in range(1, full + 1)] + [(full + 1, last)]
    assert b"".join(b[4:] for b in blocks) == body


def test_an_upstream_granting_less_than_asked_is_cut_as_one_stream():
    body = os.urandom(4000 * 3 + 7)
    _, got_oack, blocks = relay(RRQ_1428, body, answer=oack(blksize=4000), blksize=4000)
    assert got_oack == oack(blksize=1428)
    assert [size for _, size in numbers_and_sizes(blocks)] == [1428] * 8 + [12007 - 8 * 1428]
    assert b"".join(b[4:] for b in blocks) == body


@pytest.mark.parametrize("answer, blksize", [(oack(blksize=1024), 1024), (oack(tsize=3000), 512), (None, 512)],
                         ids=["smaller than the phone's", "no blksize in the OACK", "no OACK"])
def test_an_upstream_block_no_larger_than_the_phones_is_relayed_as_it_comes(answer, blksize):
    body = os.urandom(3000)
    _, got_oack, blocks = relay(RRQ_1428, body, answer=answer, blksize=blksize)
    assert got_oack == answer
    assert {size for _, size in numbers_and_sizes(blocks)[:-1]} == {blksize}


@pytest.mark.parametrize("rrq, tap_options", [
    (RRQ_1428, {"upstream_blksize": 0}),
    (RRQ_1428, {"upstream_blksize": 1428}),
    (b"\0\1SEP001D705F9EA8.cnf.xml.sgn\0octet\0", {}),
    (b"\0\1SEP001D705F9EA8.cnf.xml.sgn\0octet\0tsize\x000\0", {}),
], ids=["option 0", "option the phone's", "no options", "no blksize"])
def test_the_phones_request_goes_upstream_unchanged_when_the_tap_may_not_or_need_not_ask_more(rrq, tap_options):
    asked, _, _ = relay(rrq, CONFIG, answer=oack(blksize=1428) if b"blksize" in rrq else None,
                        blksize=1428 if b"blksize" in rrq else 512, **tap_options)
    assert asked == rrq


def test_the_upstream_blksize_option_is_asked_for_as_given():
    asked, got_oack, _ = relay(RRQ_1428, CONFIG, answer=oack(blksize=2000), blksize=2000, upstream_blksize=2000)
    assert option(asked, "blksize", 2) == "2000" and got_oack == oack(blksize=1428)


def test_a_cut_block_the_phone_lost_is_sent_again_unchanged(cucm):  # noqa: F811
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone, \
            TftpTap(("127.0.0.1", 0), cucm, timeout=1.0) as tap:
        phone.bind(("127.0.0.1", 0))
        phone.settimeout(2)
        phone.sendto(b"\0\1ITLSEP001D705F9EA8.tlv\0octet\0blksize\x001428\0", tap.address)
        got_oack, server = phone.recvfrom(65536)
        assert option(got_oack, "blksize", 0) == "1428"
        phone.sendto(struct.pack("!HH", 4, 0), server)
        first, _ = phone.recvfrom(65536)  # "lost": not acknowledged
        again, _ = phone.recvfrom(65536)
        assert again == first == struct.pack("!HH", 3, 1) + ITL[:1428]
        phone.sendto(struct.pack("!HH", 4, 1), server)
        while (second := phone.recvfrom(65536)[0]) == first:
            pass  # sent again while the phone was not acknowledging
        assert second == struct.pack("!HH", 3, 2) + ITL[1428:2856]


@pytest.mark.parametrize("asked, mtu, forced, larger", [
    (1428, 1500, None, None),  # an Ethernet LAN: the phone's own blocks
    (1428, 65535, None, 11424),  # loopback: 8 blocks, the most asked
    (1428, 9000, None, 8568),  # jumbo frames: the 6 blocks that fit
    (512, 1500, None, 1024),  # a phone without blksize... that asked 512 explicitly
    (None, 65535, None, None),  # a phone that negotiates nothing is never answered an OACK
    (1428, None, None, None),  # no path MTU known
    (1428, 1500, 8192, 8192),
    (1428, 65535, 1000, None),
    (1428, 65535, 100000, 65464),
])
def test_larger_blocks_are_asked_only_where_the_path_mtu_carries_two_whole_or_the_option_says(
        asked, mtu, forced, larger):
    assert larger_blksize(asked, mtu, forced) == larger


@pytest.mark.skipif(not os.uname().sysname == "Linux", reason="IP_MTU is Linux's")
def test_the_path_mtu_toward_loopback_is_known():
    assert path_mtu(("127.0.0.1", 69)) >= 65535 - 1


def test_a_phones_error_during_a_cut_transfer_reaches_upstream_and_is_recorded():
    with upstream_and_phone() as (upstream, phone):
        with TftpTap(("127.0.0.1", 0), upstream.getsockname(), timeout=2.0) as tap:
            phone.sendto(RRQ_1428, tap.address)
            _, relay_port = upstream.recvfrom(2048)
            upstream.sendto(oack(blksize=11424), relay_port)
            assert upstream.recvfrom(2048)[0] == struct.pack("!HH", 4, 0)  # the tap reads ahead
            upstream.sendto(struct.pack("!HH", 3, 1) + bytes(11424), relay_port)
            assert upstream.recvfrom(2048)[0] == struct.pack("!HH", 4, 1)
            _, server = phone.recvfrom(65536)  # the OACK
            phone.sendto(struct.pack("!HH", 4, 0), server)
            assert phone.recvfrom(65536)[0] == struct.pack("!HH", 3, 1) + bytes(1428)
            phone.sendto(b"\0\5\0\0Disk full\0", server)
            assert upstream.recvfrom(2048)[0] == b"\0\5\0\0Disk full\0"
            wait_for(lambda: tap.transfers(), 5.0, "the tap's record of the transfer")
    (record,) = tap.transfers()
    assert not record.ok and record.error == "client error 0: Disk full"
