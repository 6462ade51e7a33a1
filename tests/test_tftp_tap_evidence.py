"""What the tap keeps of a phone's request as evidence for `rig facts`: the options it asked, as
it asked them (before the tap changes any blksize), and when it asked again, unanswered (its TFTP
timeout); both survive the tap's child process and its sharing with other runs."""

from __future__ import annotations

import pickle
import socket
from datetime import datetime, timezone

from rig.drivers.tftp_records import TftpTransfer
from rig.drivers.tftp_tap import TftpTap
from rig.drivers.tftp_tap_share import record_fields, record_of
from tests.waiting import wait_for

RRQ = b"\0\1SEP001D705F9EA8.cnf.xml.sgn\0octet\0BLKSIZE\x001428\0tsize\x000\0"


def test_a_request_upstream_leaves_unanswered_is_kept_with_its_options_and_each_time_the_phone_asked_again():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as hole, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone:
        hole.bind(("127.0.0.1", 0))  # a TFTP server that never answers
        hole.settimeout(5)
        phone.bind(("127.0.1.15", 0))
        with TftpTap(("127.0.0.1", 0), hole.getsockname(), timeout=0.5, upstream_blksize=0) as tap:
            for _ in range(3):  # the request, then twice again as its timeouts pass
                phone.sendto(RRQ, tap.address)
                assert hole.recv(2048).startswith(b"\0\1SEP001D705F9EA8")  # relayed upstream
            wait_for(lambda: tap.transfers(), 10.0, "the tap giving up on upstream")
    (record,) = tap.transfers(client="127.0.1.15")
    assert not record.ok and record.options == (("blksize", "1428"), ("tsize", "0"))
    assert len(record.resent) == 2 and 0 <= record.resent[0] <= record.resent[1]


def test_the_evidence_survives_the_taps_child_process_and_its_sharing():
    moment = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
    record = TftpTransfer("127.0.1.1", "ITLSEP001D705F9EA8.tlv", 10, True, None, moment, moment, b"x" * 10,
                          (("blksize", "1428"),), (4.0, 8.0))
    assert pickle.loads(pickle.dumps(record)) == record
    assert record_of(record_fields(record, content=True)) == record
