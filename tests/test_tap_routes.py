"""The tap relays each phone (by its IP) to the call-control system rig routes it to."""

from __future__ import annotations

import threading

import pytest
import tftpy

from rig.drivers.tftp_tap import TftpTap
from rig.drivers.tftp_tap_process import TftpTapProcess
from tests.test_tftp_tap import fetch

ITL_A, ITL_B = b"A" * 700, b"B" * 900


def _server(root):
    server = tftpy.TftpServer(str(root))
    thread = threading.Thread(target=server.listen, args=("127.0.0.1", 0), kwargs={"timeout": 1}, daemon=True)
    thread.start()
    assert server.is_running.wait(5)
    return server, thread


@pytest.fixture(scope="module")
def systems(tmp_path_factory):
    servers = []
    for content in (ITL_A, ITL_B):
        root = tmp_path_factory.mktemp("tftpboot")
        (root / "ITLSEP001D705F0000.tlv").write_bytes(content)
        servers.append(_server(root))
    yield tuple(("127.0.0.1", server.listenport) for server, _ in servers)
    for server, thread in servers:
        server.stop(now=True)
        thread.join(5)


@pytest.mark.parametrize("relay", [TftpTap, TftpTapProcess], ids=["in-process", "child-process"])
def test_a_routed_phone_fetches_from_its_system_and_others_from_the_tap_upstream(systems, relay):
    a, b = systems
    with relay(("127.0.0.1", 0), a, timeout=1.0) as tap:
        tap.route("127.0.1.2", b)
        assert fetch(tap.address, "ITLSEP001D705F0000.tlv", localip="127.0.1.2") == ITL_B
        assert fetch(tap.address, "ITLSEP001D705F0000.tlv", localip="127.0.1.3") == ITL_A
        tap.route("127.0.1.2", None)
        assert fetch(tap.address, "ITLSEP001D705F0000.tlv", localip="127.0.1.2") == ITL_A


def test_a_route_the_child_cannot_resolve_is_refused_with_its_reason(systems):
    with TftpTapProcess(("127.0.0.1", 0), systems[0], timeout=1.0) as tap:
        with pytest.raises(OSError, match="cannot route 127.0.1.2"):
            tap.route("127.0.1.2", ("no-such-host.invalid", 69))
