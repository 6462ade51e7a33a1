"""The tap relayed by a child process: same records as the in-process tap, and a child that never
outlives the controller or keeps its port."""

from __future__ import annotations

import pickle
import socket
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timedelta, timezone
from multiprocessing.connection import Connection

import pytest
import tftpy

from rig.drivers.tftp_records import TftpTransfer
from rig.drivers.tftp_tap_process import TftpTapProcess
from rig.drivers.tftp_tap_worker import _ChildTap, _send_record
from tests.test_tftp_tap import CONFIG, ITL, cucm, fetch, serve_once, tftp_root  # noqa: F401 - fixtures
from tests.waiting import wait_for


def test_every_fetch_through_the_child_comes_back_as_a_record_with_its_content(cucm):  # noqa: F811
    seen = []
    with TftpTapProcess(("127.0.0.1", 0), cucm, on_transfer=seen.append, keep_bytes=65536, timeout=1.0) as tap:
        assert fetch(tap.address, "ITLSEP001D705F9EA8.tlv", localip="127.0.0.3") == ITL
        assert fetch(tap.address, "SEP001D705F9EA8.cnf.xml.sgn", localip="127.0.0.4") == CONFIG
        wait_for(lambda: len(tap.transfers()) == 2, 5, "both records")
        mine = tap.transfers(client="127.0.0.3")
    assert [(t.file, t.ok, t.content) for t in mine] == [("ITLSEP001D705F9EA8.tlv", True, ITL)]
    assert [t.file for t in seen] == ["ITLSEP001D705F9EA8.tlv", "SEP001D705F9EA8.cnf.xml.sgn"]


@pytest.mark.parametrize("started, ended", [
    (datetime(2026, 12, 2, 17, 36, 16, 999999, timezone.utc), datetime(1969, 12, 31, 23, 59, 59, 1, timezone.utc)),
    (datetime(2026, 12, 2, 17, 36, 16, 5), datetime(2026, 12, 2, 18, 36, 16, 5, timezone(timedelta(hours=1)))),
], ids=["utc", "naive-and-other-zone"])
def test_a_record_crosses_a_pickle_with_every_field_as_it_was(started, ended):
    record = TftpTransfer("127.0.0.3", "ITLSEP001D705F9EA8.tlv", 5000, True, None, started, ended, ITL)
    again = pickle.loads(pickle.dumps(record, pickle.HIGHEST_PROTOCOL))
    assert again == record and (again.started.tzinfo, again.ended.tzinfo) == (started.tzinfo, ended.tzinfo)


def test_the_childs_relay_sends_each_record_and_keeps_none():
    ours, theirs = socket.socketpair()
    receiver, sender = Connection(ours.detach()), Connection(theirs.detach())
    record = TftpTransfer("127.0.0.3", "a.cnf", 1, False, "1: File not found", datetime.now(timezone.utc),
                          datetime.now(timezone.utc), None)
    tap = _ChildTap(("127.0.0.1", 0), ("127.0.0.1", 69), on_transfer=lambda r: _send_record(sender, r))
    tap._keep(record)
    assert receiver.recv() == ("transfer", record) and tap.transfers() == []
    receiver.close()
    _send_record(sender, record)  # the controller is gone (EPIPE): nothing is raised into the relay
    sender.close()


def test_a_missing_file_is_recorded_with_upstreams_error(cucm):  # noqa: F811
    with TftpTapProcess(("127.0.0.1", 0), cucm, timeout=1.0) as tap:
        with pytest.raises(tftpy.TftpException):
            fetch(tap.address, "CTLSEP001D705F9EA8.tlv")
        wait_for(lambda: tap.transfers(), 5, "the failed transfer's record")
        record = tap.transfers()[0]
    assert (record.file, record.ok) == ("CTLSEP001D705F9EA8.tlv", False)
    assert "File not found" in (record.error or "")


def test_a_port_already_taken_fails_start_with_the_childs_reason(cucm):  # noqa: F811
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{taken.getsockname()[1]}"):
            TftpTapProcess(taken.getsockname(), cucm).start()


@pytest.mark.parametrize("upstream_blksize, asked", [(None, b"11424"), (0, b"1428")])
def test_the_upstream_blksize_option_reaches_the_child(upstream_blksize, asked):
    requests: list[bytes] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
        upstream.bind(("127.0.0.1", 0))
        upstream.settimeout(0.5)
        with TftpTapProcess(("127.0.0.1", 0), upstream.getsockname(), upstream_blksize=upstream_blksize) as tap:
            threading.Thread(target=serve_once, args=(upstream, CONFIG, threading.Event()), daemon=True, kwargs={
                "blksize": int(asked), "oack": b"\0\6blksize\0" + asked + b"\0", "requests": requests}).start()
            assert fetch(tap.address, "SEP001D705F9EA8.cnf.xml.sgn", options={"blksize": 1428}) == CONFIG
    assert requests[0].endswith(b"blksize\0" + asked + b"\0")


KILLED_CONTROLLER = textwrap.dedent("""
    import os, signal, sys
    from rig.drivers.tftp_tap_process import TftpTapProcess
    tap = TftpTapProcess(("127.0.0.1", 0), ("127.0.0.1", int(sys.argv[1])))
    tap.start()
    print(tap.address[1], tap._workers[0].child.pid, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_a_killed_controller_leaves_no_tap_behind_and_its_port_free(cucm):  # noqa: F811
    out = subprocess.run([sys.executable, "-c", KILLED_CONTROLLER, str(cucm[1])], capture_output=True, text=True)
    port, child = (int(x) for x in out.stdout.split())

    def gone() -> bool:
        try:
            with open(f"/proc/{child}/status") as status:
                return "State:\tZ" in status.read()  # a zombie until init reaps it
        except FileNotFoundError:
            return True

    wait_for(gone, 10, f"tap process {child} to exit")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind(("127.0.0.1", port))
