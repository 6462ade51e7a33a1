"""What every simulated box shares: it is started and stopped, by hand or as a context manager."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class SimBox:
    """A simulated device or server; subclasses implement start() and stop()."""

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
