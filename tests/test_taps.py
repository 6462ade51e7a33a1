"""The run's taps as one (rig.bench.taps): a tap in front of a load server beside the one in front of
CUCM; a phone's transfers come from both, and a tap that cannot start leaves none running."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from rig.drivers.tftp_records import TftpTransfer
from rig.bench.taps import Taps

AT = datetime(2026, 12, 7, tzinfo=timezone.utc)


class FakeTap:
    def __init__(self, files: list[str], fails: bool = False) -> None:
        self.records = [TftpTransfer("127.0.1.1", f, 1, True, None, AT, AT, b"x") for f in files]
        self.fails, self.running = fails, False

    def start(self) -> None:
        if self.fails:
            raise OSError("address in use")
        self.running = True

    def stop(self) -> None:
        self.running = False

    def transfers(self, client: str | None = None) -> list[TftpTransfer]:
        return [r for r in self.records if client in (None, r.client)]


def test_a_phones_transfers_come_from_every_tap() -> None:
    taps = Taps(FakeTap(["ITL.tlv"]), FakeTap(["apps.sbn"]))  # type: ignore[arg-type]
    assert [t.file for t in taps.transfers("127.0.1.1")] == ["ITL.tlv", "apps.sbn"]
    assert taps.transfers("127.0.1.2") == []


def test_a_tap_that_cannot_start_stops_those_already_started() -> None:
    first, second = FakeTap([]), FakeTap([], fails=True)
    with pytest.raises(OSError, match="address in use"):
        Taps(first, second).start()  # type: ignore[arg-type]
    assert not first.running
