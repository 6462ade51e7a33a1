"""The taps of one run as one: in front of CUCM's TFTP and, when configured, of a load server.

Steps ask a tap for a phone's transfers; with a load server tapped too (`tftp_tap.load_server`,
docs/firmware.md) a phone's fetches are split over two relays, and `Taps` hands them back as one
list: the first tap's records, then the second's (each in the order its transfers ended).
"""

from __future__ import annotations

from rig.drivers.tftp_records import TftpTransfer, TransferLog


class Taps:
    """A tap's start, stop and transfers over several taps (the shared CUCM tap, rig.bench.tap_share,
    and a plain relay in front of the load server: its port is not shared between runs)."""

    def __init__(self, *taps: TransferLog) -> None:
        self.taps = taps

    def start(self) -> None:
        """Start every tap; one that cannot start stops those already started, then raises."""
        started: list[TransferLog] = []
        try:
            for tap in self.taps:
                tap.start()
                started.append(tap)
        except BaseException:
            for tap in started:
                tap.stop()
            raise

    def stop(self) -> None:
        for tap in self.taps:
            tap.stop()

    def route(self, client: str, upstream: tuple[str, int] | None) -> None:
        """A phone's reads go to another call-control system: the first tap's (the load server's
        tap relays to the load server whatever system the phone is on)."""
        self.taps[0].route(client, upstream)

    def transfers(self, client: str | None = None) -> list[TftpTransfer]:
        return [record for tap in self.taps for record in tap.transfers(client)]
