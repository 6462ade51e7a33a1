"""The tap's image cache: each image a relayed `.loads` file names is read from upstream once and
served to every phone, and each phone's record proves it got exactly what upstream sent."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from collections import Counter
from functools import partial
from pathlib import Path

import pytest

from rig.drivers.tftp_tap import TftpTap, TftpTransfer
from rig.drivers.tftp_tap_cache import image_names
from rig.sim.tftp import MemoryTftpServer
from tests.test_tftp_tap import fetch, serve_once, upstream_and_phone
from tests.test_tftp_tap_blocks import phone_reads
from tests.waiting import wait_for

LOADS = "SCCP42.9-4-2SR3-1S.loads"
IMAGES = ("apps42.9-4-2ES26.sbn", "cnu42.9-4-2ES26.sbn")
ITL = "ITLSEP001D705F9EA8.tlv"
CONFIG = "SEP001D705F9EA8.cnf.xml.sgn"


def lookup_in(root: str, name: str, client_ip: str) -> bytes | None:
    """Upstream serves the files of `root` as they are at each request (module level: the server
    runs in a process of its own)."""
    path = Path(root, name)
    return path.read_bytes() if path.is_file() else None


def write_load(root: Path, images: dict[str, bytes]) -> None:
    """A `.loads` file in the simulator's format naming `images` (and, wrongly, the phone's ITL:
    a per-phone name is never cached whatever a load file says)."""
    lines = ["load SCCP42.9-4-2SR3-1S", f"image {ITL} 1 00"]
    lines += [f"image {name} {len(body)} {hashlib.sha1(body).hexdigest()}" for name, body in images.items()]
    (root / LOADS).write_text("\n".join(lines) + "\n")
    for name, body in images.items():
        (root / name).write_bytes(body)


@pytest.fixture
def bench(tmp_path):
    """Upstream serving a load of two images (300 KB and 70 KB), an ITL and a config."""
    images = {IMAGES[0]: os.urandom(300_000), IMAGES[1]: os.urandom(70_000)}
    write_load(tmp_path, images)
    (tmp_path / ITL).write_bytes(os.urandom(5000))
    (tmp_path / CONFIG).write_bytes(b"<device/>" * 100)
    server = MemoryTftpServer(partial(lookup_in, str(tmp_path)))
    server.start()
    yield server, tmp_path, images
    server.stop()


def upstream_reads(server: MemoryTftpServer) -> Counter[str]:
    return Counter(name for _, name, _ in server.requests)


def boot(address: tuple[str, int], phone_ip: str, files: tuple[str, ...] = (CONFIG, ITL, LOADS, *IMAGES)
         ) -> dict[str, bytes]:
    """A phone's fetches in the order a 7942 makes them, each with blksize 1428."""
    return {name: fetch(address, name, localip=phone_ip, options={"blksize": 1428}) for name in files}


def boot_all(tap: TftpTap, phones: int) -> list[dict[str, bytes]]:
    got: list[dict[str, bytes]] = [{} for _ in range(phones)]

    def phone(n: int) -> None:
        got[n] = boot(tap.address, f"127.0.0.{10 + n}")

    threads = [threading.Thread(target=phone, args=(n,)) for n in range(phones)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return got


def settled(tap: TftpTap, count: int) -> list[TftpTransfer]:
    wait_for(lambda: len(tap.transfers()) >= count, 10, f"{count} records")
    return tap.transfers()


def test_each_image_is_read_from_upstream_once_for_many_phones_and_every_phone_gets_its_bytes(bench):
    server, root, images = bench
    with TftpTap(("127.0.0.1", 0), server.address, cache_bytes=1 << 24, timeout=3.0) as tap:
        got = boot_all(tap, 6)
        records = settled(tap, 6 * 5 + 2)
    assert all(phone[name] == body for phone in got for name, body in images.items())
    reads = upstream_reads(server)
    assert [reads[name] for name in IMAGES] == [1, 1]
    assert reads[LOADS] == 6 and reads[ITL] == 6 and reads[CONFIG] == 6  # per-phone and load files: fresh
    fills = {r.file: r for r in records if r.source == "fill"}
    assert set(fills) == set(IMAGES) and all(f.ok and f.client == "127.0.0.1" for f in fills.values())
    assert {name: f.bytes for name, f in fills.items()} == {name: len(body) for name, body in images.items()}
    served = [r for r in records if r.file in IMAGES and r.source == "cache"]
    assert len(served) == 12
    for record in served:
        body = images[record.file]
        assert record.ok and record.bytes == len(body) and record.client.startswith("127.0.0.")
        assert record.sha256 == record.upstream_sha256 == fills[record.file].sha256 == hashlib.sha256(body).hexdigest()
    relayed = [r for r in records if r.file not in IMAGES]
    assert {r.source for r in relayed} == {"relayed"} and all(r.sha256 == r.upstream_sha256 for r in relayed)
    kept = [r.content for r in served if r.file == IMAGES[1]]  # 70 KB: under keep_bytes, kept
    assert kept[0] == images[IMAGES[1]] and all(content is kept[0] for content in kept)  # held once for all


def test_per_phone_files_are_relayed_every_time_even_when_a_load_file_names_them(bench):
    server, _, _ = bench
    with TftpTap(("127.0.0.1", 0), server.address, cache_bytes=1 << 24) as tap:
        for n in range(3):
            boot(tap.address, f"127.0.0.{10 + n}", (LOADS, ITL, CONFIG))
        records = settled(tap, 9)
    reads = upstream_reads(server)
    assert reads[ITL] == 3 and reads[CONFIG] == 3 and reads[LOADS] == 3
    assert all(r.source == "relayed" for r in records)
    assert image_names(b"image ITLSEP001D705F9EA8.tlv 1 00\nimage SEP1.cnf.xml.sgn\nimage a.sbn") == {"a.sbn"}


def test_with_the_cache_off_every_image_is_relayed_from_upstream(bench):
    server, _, images = bench
    with TftpTap(("127.0.0.1", 0), server.address, cache_bytes=0) as tap:
        for n in range(3):
            assert boot(tap.address, f"127.0.0.{10 + n}", (LOADS, *IMAGES))[IMAGES[0]] == images[IMAGES[0]]
        records = settled(tap, 9)
    assert [upstream_reads(server)[name] for name in IMAGES] == [3, 3]
    assert {r.source for r in records} == {"relayed"}


def test_an_image_changed_upstream_with_its_load_file_is_read_again_never_served_stale(bench):
    server, root, images = bench
    with TftpTap(("127.0.0.1", 0), server.address, cache_bytes=1 << 24) as tap:
        before = boot(tap.address, "127.0.0.10", (LOADS, *IMAGES))
        changed = {**images, IMAGES[0]: os.urandom(200_000)}
        write_load(root, changed)  # the new image and the load file that names it
        after = boot(tap.address, "127.0.0.11", (LOADS, *IMAGES))
        again = boot(tap.address, "127.0.0.12", (LOADS, *IMAGES))
        records = settled(tap, 9 + 3)
    assert before[IMAGES[0]] == images[IMAGES[0]]
    assert after[IMAGES[0]] == again[IMAGES[0]] == changed[IMAGES[0]]
    reads = upstream_reads(server)
    assert reads[IMAGES[0]] == 2 and reads[IMAGES[1]] == 2  # both under the new load file's hash
    served = [r for r in records if r.file == IMAGES[0] and r.source == "cache"]
    assert [r.sha256 for r in served] == [hashlib.sha256(b).hexdigest() for b in
                                          (images[IMAGES[0]], changed[IMAGES[0]], changed[IMAGES[0]])]


def test_an_image_upstream_does_not_have_fails_each_phone_and_is_asked_for_again(bench):
    server, root, _ = bench
    (root / IMAGES[1]).unlink()
    with TftpTap(("127.0.0.1", 0), server.address, cache_bytes=1 << 24) as tap:
        fetch(tap.address, LOADS)
        for _ in range(2):
            with pytest.raises(Exception, match="File not found"):
                fetch(tap.address, IMAGES[1])
        records = settled(tap, 1 + 2 * 2)
    assert upstream_reads(server)[IMAGES[1]] == 2
    failed = [r for r in records if r.file == IMAGES[1]]
    assert all(not r.ok and "File not found" in (r.error or "") for r in failed)


def test_an_image_larger_than_the_cache_is_served_then_dropped(bench):
    server, _, images = bench
    with TftpTap(("127.0.0.1", 0), server.address, cache_bytes=200_000) as tap:  # the 70 KB image and its blocks fit
        fetch(tap.address, LOADS)
        for _ in range(2):
            assert fetch(tap.address, IMAGES[0], options={"blksize": 1428}) == images[IMAGES[0]]
            assert fetch(tap.address, IMAGES[1], options={"blksize": 1428}) == images[IMAGES[1]]
        settled(tap, 1 + 4 + 3)  # the load file, four phone reads, three fills
    reads = upstream_reads(server)
    assert reads[IMAGES[0]] == 2 and reads[IMAGES[1]] == 1


def test_a_phone_without_options_gets_512_byte_blocks_and_no_oack_from_the_cache(bench):
    server, _, images = bench
    with TftpTap(("127.0.0.1", 0), server.address, cache_bytes=1 << 24) as tap:
        fetch(tap.address, LOADS)
        fetch(tap.address, IMAGES[1], options={"blksize": 1428})
        oack, blocks = phone_reads(tap.address, b"\0\1" + IMAGES[1].encode() + b"\0octet\0")
        settled(tap, 3)
    assert oack is None and all(len(b) == 516 for b in blocks[:-1])
    assert b"".join(b[4:] for b in blocks) == images[IMAGES[1]]
    assert upstream_reads(server)[IMAGES[1]] == 1


def test_an_image_asked_for_before_any_load_file_is_relayed(bench):
    server, _, images = bench
    with TftpTap(("127.0.0.1", 0), server.address, cache_bytes=1 << 24) as tap:
        assert fetch(tap.address, IMAGES[1]) == images[IMAGES[1]]
        (record,) = settled(tap, 1)
    assert record.source == "relayed" and record.sha256 == hashlib.sha256(images[IMAGES[1]]).hexdigest()


def test_a_load_file_is_learnt_once_upstream_has_sent_it_before_the_phone_acknowledges_it(bench):
    """A phone asks for its first image right after the load file's last block: the tap must know
    the images by then, not only once that block's ACK has crossed it."""
    server, _, images = bench
    with TftpTap(("127.0.0.1", 0), server.address, cache_bytes=1 << 24) as tap, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone:
        phone.bind(("127.0.0.10", 0))
        phone.settimeout(2)
        phone.sendto(b"\0\1" + LOADS.encode() + b"\0octet\0", tap.address)
        packet, _ = phone.recvfrom(65536)
        assert packet[:4] == b"\0\3\0\1" and len(packet) < 516  # the whole load file, not acknowledged
        assert fetch(tap.address, IMAGES[1], localip="127.0.0.11") == images[IMAGES[1]]
        wait_for(lambda: tap.transfers(client="127.0.0.11"), 5, "the phone's record of the image")
        (record,) = tap.transfers(client="127.0.0.11")
    assert record.source == "cache"


def test_a_finished_fill_acknowledges_upstream_s_last_block_again_when_upstream_resends_it():
    """Upstream that missed the fill's last ACK resends its last block: the tap answers it again
    instead of leaving upstream to time out."""
    with upstream_and_phone() as (upstream, phone), \
            TftpTap(("127.0.0.1", 0), upstream.getsockname(), cache_bytes=1 << 20) as tap:
        finished = threading.Event()
        threading.Thread(target=serve_once, args=(upstream, b"image a.sbn 3 00\n", finished), daemon=True).start()
        assert fetch(tap.address, "x.loads") == b"image a.sbn 3 00\n"
        assert finished.wait(5)
        phone.sendto(b"\0\1a.sbn\0octet\0", tap.address)
        rrq, fill = upstream.recvfrom(2048)
        assert rrq.startswith(b"\0\1a.sbn\0")
        for _ in range(2):
            upstream.sendto(b"\0\3\0\1abc", fill)
            assert upstream.recvfrom(2048)[0] == b"\0\4\0\1"
        packet, served = phone.recvfrom(2048)
        assert packet == b"\0\3\0\1abc"
        phone.sendto(b"\0\4\0\1", served)
        wait_for(lambda: len(tap.transfers()) == 3, 5, "the load file's, the fill's and the phone's records")
    assert [r.source for r in tap.transfers()] == ["relayed", "fill", "cache"]


@pytest.mark.skipif(not Path("/proc/sys/net/core/rmem_max").exists(), reason="Linux's receive buffer limit")
def test_the_listening_socket_has_room_for_a_fleet_asking_at_once():
    """Phones served from the cache ask for their next image in step; the default buffer dropped
    requests of the 1000-phone benchmark. Linux caps the size at net.core.rmem_max."""
    from rig.drivers.tftp_tap_listen import LISTEN_BUFFER

    limit = int(Path("/proc/sys/net/core/rmem_max").read_text())
    with TftpTap(("127.0.0.1", 0), ("127.0.0.1", 9), cache_bytes=1 << 20) as tap:
        assert tap._sock is not None
        assert tap._sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) >= min(LISTEN_BUFFER, limit)
