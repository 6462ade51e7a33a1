"""The files a phone fetched are kept under runs/<id>/files/<phone>/, never outside it, images aside."""

from __future__ import annotations

from datetime import datetime, timezone

from rig.drivers.tftp_records import TftpTransfer
from rig.procedures.kept_files import keep_fetched, kept_name

NOW = datetime(2026, 11, 25, 9, tzinfo=timezone.utc)
IMAGE = r"[\w.\-]+\.sbn"


def _transfer(file: str, content: bytes | None = b"x", ok: bool = True) -> TftpTransfer:
    return TftpTransfer(client="127.0.1.1", file=file, bytes=len(content or b""), ok=ok, error=None, started=NOW,
                        ended=NOW, content=content)


def test_a_name_from_the_phone_never_leaves_the_phones_directory():
    assert kept_name("ITLSEP001D705F9EA8.tlv") == "ITLSEP001D705F9EA8.tlv"
    assert kept_name("../../etc/passwd") == "passwd"
    assert kept_name("..") == "__"
    assert kept_name("/abs/x\\..\\y z") == "y_z"
    assert kept_name(".hidden") == "hidden"


def test_images_failed_and_unkept_transfers_are_not_written(tmp_path):
    written = keep_fetched(tmp_path, "desk-01", [
        _transfer("ITLSEP001D705F9EA8.tlv"), _transfer("SCCP42.9-4-2SR3-1S.loads"), _transfer("apps42.sbn"),
        _transfer("CTLSEP001D705F9EA8.tlv", ok=False), _transfer("SEP001D705F9EA8.cnf.xml.sgn", content=None),
        _transfer("../evil"),
    ], IMAGE)
    assert sorted(p.name for p in written) == ["ITLSEP001D705F9EA8.tlv", "SCCP42.9-4-2SR3-1S.loads", "evil"]
    assert {p.parent for p in written} == {tmp_path / "files" / "desk-01"}
