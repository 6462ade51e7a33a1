"""The tap's data path in several worker processes: every transfer recorded once, each image read
from upstream once whichever worker serves it, routes honoured by every worker, and no worker or
port left behind."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from pathlib import Path

import pytest

from rig.drivers.tftp_records import TftpTransfer
from rig.drivers.tftp_tap_process import TftpTapProcess
from rig.drivers.tftp_tap_shared import FILL, SharedImages
from rig.drivers.tftp_tap_worker import _ChildTap
from tests.test_tap_routes import ITL_A, ITL_B, systems  # noqa: F401 - fixture
from tests.test_tftp_tap import fetch
from tests.test_tftp_tap_cache import CONFIG, IMAGES, ITL, LOADS, bench, boot, boot_all, upstream_reads  # noqa: F401
from tests.waiting import wait_for

CACHE = 1 << 24


def in_process_workers(upstream: tuple[str, int], shared: Path, count: int = 2) -> list[_ChildTap]:
    """Workers as the worker process runs them, here on ports of their own so a test chooses
    which one a phone asks, sharing `shared` as the workers of one tap do."""
    taps = []
    for _ in range(count):
        records: list[TftpTransfer] = []
        tap = _ChildTap(("127.0.0.1", 0), upstream, on_transfer=records.append, cache_bytes=CACHE, timeout=3.0)
        tap.shared, tap.records = str(shared), records  # type: ignore[attr-defined]
        tap.start()
        taps.append(tap)
    return taps


def test_an_image_is_read_from_upstream_once_although_phones_fetch_it_from_both_workers(bench, tmp_path):
    server, _, images = bench
    a, b = in_process_workers(server.address, tmp_path)
    try:
        assert boot(a.address, "127.0.0.10", (LOADS,))  # only worker a relays the load file
        got = [boot(b.address, "127.0.0.10", IMAGES), boot(a.address, "127.0.0.11", IMAGES),
               boot(b.address, "127.0.0.12", IMAGES)]
        wait_for(lambda: len(a.records) + len(b.records) == 1 + 3 * 2 + 2, 10, "every record")
    finally:
        a.stop()
        b.stop()
    assert all(phone[name] == images[name] for phone in got for name in IMAGES)
    assert [upstream_reads(server)[name] for name in IMAGES] == [1, 1]
    records = a.records + b.records
    assert sorted(r.file for r in records if r.source == "fill") == sorted(IMAGES)
    served = [r for r in records if r.source == "cache"]
    assert len(served) == 6 and all(r.ok and r.sha256 == hashlib.sha256(images[r.file]).hexdigest() for r in served)


def test_a_worker_waits_for_the_image_another_worker_is_reading_then_serves_it_from_its_file(bench, tmp_path):
    server, _, images = bench
    a, = in_process_workers(server.address, tmp_path, 1)
    other = SharedImages(tmp_path, CACHE)  # a worker that holds the image's lock, reading it
    try:
        boot(a.address, "127.0.0.10", (LOADS,))
        key = (IMAGES[1].lower(), other.named(IMAGES[1].lower()))
        assert other.claim(key) == FILL
        got: dict[str, bytes] = {}
        thread = threading.Thread(target=lambda: got.update(boot(a.address, "127.0.0.11", (IMAGES[1],))))
        thread.start()
        wait_for(lambda: a._cached.awaited, 5, "the worker to wait for the image")  # type: ignore[union-attr]
        other.store(key, images[IMAGES[1]], {"blksize": "1428", "tsize": str(len(images[IMAGES[1]]))})
        thread.join(10)
    finally:
        a.stop()
    assert got[IMAGES[1]] == images[IMAGES[1]]
    assert upstream_reads(server)[IMAGES[1]] == 0


def test_a_worker_reads_the_image_itself_when_the_one_reading_it_gives_up(bench, tmp_path):
    server, _, images = bench
    a, = in_process_workers(server.address, tmp_path, 1)
    other = SharedImages(tmp_path, CACHE)
    try:
        boot(a.address, "127.0.0.10", (LOADS,))
        key = (IMAGES[1].lower(), other.named(IMAGES[1].lower()))
        assert other.claim(key) == FILL
        other.release(key)  # its read failed (or it died: the kernel releases a dead process's lock)
        assert boot(a.address, "127.0.0.11", (IMAGES[1],))[IMAGES[1]] == images[IMAGES[1]]
    finally:
        a.stop()
    assert upstream_reads(server)[IMAGES[1]] == 1


def test_two_worker_processes_record_every_transfer_once_and_read_each_image_once(bench):
    server, _, images = bench
    with TftpTapProcess(("127.0.0.1", 0), server.address, workers=2, cache_bytes=CACHE, timeout=3.0) as tap:
        got = boot_all(tap, 8)
        wait_for(lambda: len(tap.transfers()) >= 8 * 5 + 2, 10, "every record")
        records = tap.transfers()
    assert all(phone[name] == body for phone in got for name, body in images.items())
    assert [upstream_reads(server)[name] for name in IMAGES] == [1, 1]
    phones = [r for r in records if r.source != "fill"]
    assert Counter((r.client, r.file) for r in phones) == Counter(
        {(f"127.0.0.{10 + n}", name): 1 for n in range(8) for name in (*IMAGES, LOADS, ITL, CONFIG)})
    for record in phones:
        assert record.ok and record.sha256 == record.upstream_sha256
        if record.file in images:
            assert record.bytes == len(images[record.file])
            assert record.sha256 == hashlib.sha256(images[record.file]).hexdigest()


def test_a_route_reaches_every_worker(systems):  # noqa: F811
    a, b = systems
    with TftpTapProcess(("127.0.0.1", 0), a, workers=2, timeout=1.0) as tap:
        tap.route("127.0.1.2", b)
        assert {fetch(tap.address, "ITLSEP001D705F0000.tlv", localip="127.0.1.2") for _ in range(12)} == {ITL_B}
        tap.route("127.0.1.2", None)
        assert {fetch(tap.address, "ITLSEP001D705F0000.tlv", localip="127.0.1.2") for _ in range(12)} == {ITL_A}


def test_a_second_tap_on_the_port_of_a_tap_with_workers_fails_as_with_one(systems):  # noqa: F811
    with TftpTapProcess(("127.0.0.1", 0), systems[0], workers=2) as tap:
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{tap.address[1]}"):
            TftpTapProcess(tap.address, systems[0], workers=2).start()


def test_a_stopped_tap_leaves_no_worker_its_shared_directory_or_its_port(systems):  # noqa: F811
    tap = TftpTapProcess(("127.0.0.1", 0), systems[0], workers=2, cache_bytes=CACHE)
    tap.start()
    children, shared = [w.child for w in tap._workers], tap._shared
    assert len(children) == 2 and shared is not None and os.path.isdir(shared)
    tap.stop()
    assert all(child.poll() is not None for child in children) and not os.path.exists(shared)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind(tap.address)


KILLED_CONTROLLER = textwrap.dedent("""
    import os, signal, sys
    from rig.drivers.tftp_tap_process import TftpTapProcess
    tap = TftpTapProcess(("127.0.0.1", 0), ("127.0.0.1", int(sys.argv[1])), workers=2, cache_bytes=1 << 20)
    tap.start()
    print(tap.address[1], tap._shared, *(w.child.pid for w in tap._workers), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_a_killed_controller_leaves_no_worker_its_shared_directory_or_its_port(systems):  # noqa: F811
    out = subprocess.run([sys.executable, "-c", KILLED_CONTROLLER, str(systems[0][1])], capture_output=True, text=True)
    port, shared, *children = out.stdout.split()

    def gone(pid: str) -> bool:
        try:
            return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()  # a zombie until init reaps it
        except FileNotFoundError:
            return True

    assert len(children) == 2
    wait_for(lambda: all(gone(pid) for pid in children), 10, f"tap workers {children} to exit")
    wait_for(lambda: not os.path.exists(shared), 5, "the shared directory to go")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind(("127.0.0.1", int(port)))


def test_a_worker_that_dies_leaves_the_others_serving_every_phone(systems, caplog):  # noqa: F811
    with TftpTapProcess(("127.0.0.1", 0), systems[0], workers=2, timeout=1.0) as tap:
        tap._workers[0].child.kill()
        wait_for(lambda: "a worker process ended unasked" in caplog.text, 5, "the controller to notice")
        got = [fetch(tap.address, "ITLSEP001D705F0000.tlv", localip="127.0.1.2") for _ in range(6)]
        wait_for(lambda: len(tap.transfers()) == 6, 5, "every record")
    assert got == [ITL_A] * 6 and all(r.ok for r in tap.transfers())


def test_auto_is_one_worker_per_core_this_process_may_use():
    tap = TftpTapProcess(("127.0.0.1", 0), ("127.0.0.1", 69), workers="auto")
    assert tap.workers == len(os.sched_getaffinity(0))


def test_the_shared_images_keep_within_the_cache_bound_oldest_first(tmp_path):
    images = SharedImages(tmp_path, limit=250_000)
    for n, size in enumerate((100_000, 100_000, 100_000, 300_000)):
        key = (f"image{n}.sbn", "digest")
        assert images.claim(key) == FILL
        images.store(key, bytes(size), {"blksize": "1428"})
        if images.image_path(key).exists():
            os.utime(images.image_path(key), (n, n))  # written in this order, seconds apart
    kept = {n: images.claim((f"image{n}.sbn", "digest")) for n in range(4)}
    assert kept[0] == FILL  # the oldest went to make room for the third
    assert kept[1] == kept[2] == (bytes(100_000), {"blksize": "1428"})
    assert kept[3] == FILL  # over the bound alone: never stored, read again by whoever needs it
