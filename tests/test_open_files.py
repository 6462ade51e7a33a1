"""rig's processes lift their limit on open descriptors: Linux's default soft limit (1024) is below
what a controller of 1000 phones, or its tap relaying to all of them, holds."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rig.drivers.tftp_tap import TftpTap
from tests.descriptors import held_past
from tests.test_tftp_tap_blocks import phone_reads
from tests.test_tftp_tap_cache import IMAGES, LOADS, bench  # noqa: F401 - fixture

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no RLIMIT_NOFILE")

LOWERED = """
import resource, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
"""


def run(script: str) -> str:
    return subprocess.run([sys.executable, "-c", LOWERED + script], capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


def test_a_process_lifts_its_soft_limit_to_the_hard_one():
    out = run("from rig.drivers.open_files import lift_open_files_limit\n"
              "now = lift_open_files_limit()\n"
              "print(now == resource.getrlimit(resource.RLIMIT_NOFILE)[0] > 256)")
    assert out == "True"


def test_the_tap_child_lifts_its_limit_whatever_the_controller_had():
    out = run("import psutil\n"
              "from rig.drivers.tftp_tap_process import TftpTapProcess\n"
              "with TftpTapProcess(('127.0.0.1', 0), ('127.0.0.1', 9)) as tap:\n"
              "    child = psutil.Process().children()[0]\n"
              "    print(child.rlimit(psutil.RLIMIT_NOFILE)[0] > 256)")
    assert out == "True"


def test_the_rig_command_lifts_its_limit_before_anything_else(monkeypatch):
    import resource

    from rig import cli

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lifted: list[bool] = []
    monkeypatch.setattr(cli, "lift_open_files_limit", lambda: lifted.append(True))
    monkeypatch.setattr(sys, "argv", ["rig", "--help"])
    with pytest.raises(SystemExit):
        cli.main()
    assert lifted == [True]


def test_the_tap_relays_and_serves_its_cache_on_descriptors_past_1024(bench):
    server, _, images = bench  # upstream in a process of its own, below the held descriptors
    with held_past(1100), TftpTap(("127.0.0.1", 0), server.address, cache_bytes=1 << 24) as tap:
        assert tap._sock is not None and tap._sock.fileno() > 1024
        phone_reads(tap.address, b"\0\1" + LOADS.encode() + b"\0octet\0")  # relayed
        _, blocks = phone_reads(tap.address, b"\0\1" + IMAGES[1].encode() + b"\0octet\0blksize\x001428\0")
    assert b"".join(b[4:] for b in blocks) == images[IMAGES[1]]
    assert [r.source for r in tap.transfers()] == ["relayed", "fill", "cache"]
