"""The tap relays each phone (by its IP) to the call-control system rig routes it to."""

from __future__ import annotations

import threading

import pytest
import tftpy

from rig.actions.route import address, route
from rig.config.lab import PhoneConfig
from rig.drivers.tftp_tap import TftpTap
from rig.drivers.tftp_tap_process import TftpTapProcess
from rig.record.journal import Journal, read_events, routes_of
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


class _Tap:
    """A tap that notes what the journal held when it was told to route."""

    def __init__(self, journal_path, refuse: bool = False) -> None:
        self.path, self.refuse, self.seen = journal_path, refuse, []

    def route(self, client, upstream):
        self.seen.append([e.phase for e in read_events(self.path)])
        if self.refuse:
            raise OSError("the tap's port is held by pid 1")


def _phone(name="desk-01", ip="127.0.1.1"):
    return PhoneConfig(name=name, mac="001D705F0000", ip=ip)


def test_a_route_is_journaled_before_the_tap_hears_it_and_done_after(tmp_path):
    path = tmp_path / "journal.jsonl"
    tap = _Tap(path)
    with Journal(path) as journal:
        route(journal, tap, _phone(), "old", ("127.0.0.3", 69))
    assert tap.seen == [["intent"]]
    assert [(e.system, e.upstream, e.phase) for e in read_events(path)] == [("old", "127.0.0.3:69", "intent"),
                                                                          ("old", "127.0.0.3:69", "done")]


def test_a_route_the_tap_refuses_leaves_its_intent_and_the_last_route_counts_on_resume(tmp_path):
    path = tmp_path / "journal.jsonl"
    with Journal(path) as journal:
        route(journal, _Tap(path), _phone(), "old", ("127.0.0.3", 69))
        with pytest.raises(OSError, match="held by pid 1"):
            route(journal, _Tap(path, refuse=True), _phone(), "cucm", ("127.0.0.2", 69))
    last = routes_of(read_events(path), ["desk-01", "desk-02"])
    assert (last["desk-01"].system, last["desk-01"].phase) == ("cucm", "intent"), \
        "a route the tap may have heard is the one a resumed run restores"
    assert "desk-02" not in last
    assert address(last["desk-01"].upstream) == ("127.0.0.2", 69)


def test_a_route_that_cannot_come_back_on_a_new_relay_leaves_nothing_published(systems, tmp_path):
    """A shared tap starting its own relay gives it back this process's routes before it publishes
    its records: a route refused there must not leave a publisher serving the records of a relay
    that is gone (a later subscribe would find this process itself, relaying nothing)."""
    from rig.bench.tap_share import SharedTap

    published = tmp_path / "tap.sock"
    tap = SharedTap(("127.0.0.1", 0), systems[0], socket_path=published, subscribe=False, timeout=1.0)
    tap._routes["127.0.1.2"] = ("no-such-host.invalid", 69)  # as route() kept it before a takeover
    with pytest.raises(OSError, match="cannot route 127.0.1.2"):
        tap.start()
    assert not published.exists() and not tap.relaying
