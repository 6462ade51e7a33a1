"""What a TFTP tap hands its users: finished transfers, in the order they ended, by client.

`TransferLog` is shared by the relay (rig.drivers.tftp_tap) and the relay run in a child process
(rig.drivers.tftp_tap_process), so both keep, look up and announce records the same way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import Self

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class TftpTransfer:
    client: str
    file: str
    bytes: int
    ok: bool
    error: str | None
    started: datetime
    ended: datetime
    content: bytes | None  # kept when bytes <= keep_bytes
    options: tuple[tuple[str, str], ...] = ()
    """The options of the phone's request as it sent them (RFC 2347: `blksize`, `tsize`, `timeout`),
    names lowercased: evidence of what the phone asks (`rig facts`)."""
    resent: tuple[float, ...] = ()
    """Seconds after its request at which the phone sent it again, unanswered: its TFTP timeout."""

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickled as its fields, UTC times as microseconds since 1970: the tap's child sends one
        record per transfer, and the default pickling (two aware datetimes and the dataclass's
        state) took 20 us to pickle and 9 to unpickle a 16 KB record, against 4 and 5 this way
        (2-core VM). Naive or other-zone times are pickled as they are."""
        return _unpickle, (self.client, self.file, self.bytes, self.ok, self.error, _micros(self.started),
                           _micros(self.ended), self.content, self.options, self.resent)


def _micros(moment: datetime) -> int | datetime:
    """UTC microseconds since 1970, exact; a naive or non-UTC moment is left as it is."""
    return (moment - _EPOCH) // _MICROSECOND if moment.tzinfo is timezone.utc else moment


def _moment(value: int | datetime) -> datetime:
    return _EPOCH + value * _MICROSECOND if isinstance(value, int) else value


def _unpickle(client: str, file: str, size: int, ok: bool, error: str | None, started: int | datetime,
              ended: int | datetime, content: bytes | None, options: tuple[tuple[str, str], ...] = (),
              resent: tuple[float, ...] = ()) -> TftpTransfer:
    return TftpTransfer(client, file, size, ok, error, _moment(started), _moment(ended), content, options, resent)


class TransferLog:
    """A tap's settings and its records; subclasses relay (`_prepare`, `start`, `stop`) and hand
    every finished transfer to `_keep`."""

    def __init__(
        self,
        listen: tuple[str, int],
        upstream: tuple[str, int],
        *,
        on_transfer: Callable[[TftpTransfer], None] | None = None,
        keep_bytes: int = 262144,
        timeout: float = 5.0,
        upstream_blksize: int | None = None,
    ) -> None:
        self.listen = listen
        self.upstream = upstream
        self.on_transfer = on_transfer
        self.keep_bytes = keep_bytes
        self.timeout = timeout
        self.upstream_blksize = upstream_blksize
        """Block size to ask upstream for when larger than the phone's (0: never larger); None:
        as large as the path MTU carries unfragmented (see rig.drivers.tftp_tap_transfer)."""
        self._records: list[TftpTransfer] = []
        self._by_client: dict[str, list[TftpTransfer]] = {}
        self._records_lock = threading.Lock()
        self._prepare()

    def _prepare(self) -> None:
        """The relay's own state, set up once the settings above are (one constructor for both)."""

    def transfers(self, client: str | None = None) -> list[TftpTransfer]:
        with self._records_lock:
            return list(self._records if client is None else self._by_client.get(client, ()))

    def _keep(self, record: TftpTransfer) -> None:
        with self._records_lock:
            self._records.append(record)
            self._by_client.setdefault(record.client, []).append(record)
        if self.on_transfer is not None:
            try:
                self.on_transfer(record)
            except Exception:  # a faulty observer must not stop the records of every other phone
                log.exception("tftp tap: on_transfer callback failed for %s", record.file)

    def route(self, client: str, upstream: tuple[str, int] | None) -> None:
        """Relay `client`'s (a phone's IP) next reads to `upstream`; None: to `self.upstream`."""
        raise OSError(f"{type(self).__name__} relays every phone to {self.upstream[0]}:{self.upstream[1]}")

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
