"""Randomized exchange faults for the simulated bench: a seeded plan consulted at every exchange.

The `simulation.faults` knobs fault chosen exchanges (every Nth switch line, the next key of one
phone); a randomized-fault harness (bench/chaos.py) needs any exchange to fail the way devices
fail on a bad night, at points nobody chose. Every switch command line, phone HTTP request and
key-board line asks `ExchangeFaults.pick(point, detail)` whether to fail it, and how:

- `drop`: the connection closes before the device acts on the request;
- `slow`: the device answers after `slow_s` real seconds (within or past the client's timeout);
- `lost_answer`: the device acts (the switch applies the command, the phone takes the key, the
  board presses it) and the connection closes before the answer - the case a client cannot tell
  from `drop`, and must not repeat blindly.

Each point draws from its own random.Random seeded with (seed, point), so the Nth exchange at a
point gets the same fault for the same seed; which request is the Nth depends on thread timing,
so a seed reproduces the plan exactly and a run's faults closely. Every fault injected is kept
(`injected()`) so a failing run can be told apart and replayed, and every exchange that asked
(`exchanges()`), so a check can tell what rig did with a phone between two switch commands.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rig.sim.bench import SimBench

Point = Literal["switch", "phone_http", "board"]
FaultKind = Literal["drop", "slow", "lost_answer"]
POINTS: tuple[Point, ...] = ("switch", "phone_http", "board")
KINDS: tuple[FaultKind, ...] = ("drop", "slow", "lost_answer")


class DropConnection(Exception):
    """Raised by a line device's answer(): close this client's connection without a reply."""


@dataclass(frozen=True)
class Injected:
    """One fault that was injected."""

    point: Point
    kind: FaultKind
    detail: str
    """What the exchange was: the command line, the HTTP path, the board line."""
    at: float
    """time.monotonic() when it was injected."""


@dataclass(frozen=True)
class Exchange:
    """One exchange that consulted the plan."""

    at: float
    point: Point
    detail: str


@dataclass(frozen=True)
class ExchangePlan:
    """The per-exchange probabilities of one run, and how slow `slow` is."""

    rates: dict[Point, dict[FaultKind, float]] = field(default_factory=dict)
    slow_s: float = 0.5
    """Real seconds a slow answer waits."""
    limit: int = 3
    """At most this many faults per point and run: enough to hit any step, few enough that a run
    still reaches its power cycles instead of failing every phone at the first exchange."""


class ExchangeFaults:
    """A seeded plan consulted by the simulated devices; thread-safe; off once `stop()` is called."""

    def __init__(self, seed: int, plan: ExchangePlan) -> None:
        self.seed = seed
        self.plan = plan
        self._random = {point: random.Random(f"{seed}:{point}") for point in POINTS}
        self._injected: list[Injected] = []
        self._exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._active = True

    def pick(self, point: Point, detail: str) -> FaultKind | None:
        """The fault for this exchange, or None; every exchange draws, so counts stay aligned."""
        rates = self.plan.rates.get(point, {})
        with self._lock:
            self._exchanges.append(Exchange(time.monotonic(), point, detail))
            draw = self._random[point].random()
            if not self._active or sum(1 for i in self._injected if i.point == point) >= self.plan.limit:
                return None
            edge = 0.0
            for kind in KINDS:
                edge += rates.get(kind, 0.0)
                if draw < edge:
                    self._injected.append(Injected(point, kind, detail, time.monotonic()))
                    return kind
        return None

    def wait_slow(self, stop: threading.Event | None = None) -> bool:
        """Wait the slow answer's delay; False when `stop` was set meanwhile."""
        return not (stop or threading.Event()).wait(self.plan.slow_s)

    def stop(self) -> None:
        """No more faults (the run under test is over; the harness reads the bench)."""
        with self._lock:
            self._active = False

    def exchanges(self) -> list[Exchange]:
        """Every exchange that asked, faulted or not, oldest first: the bench's one ordered record
        of who talked to which device when (a key to a phone between a read and a power-off)."""
        with self._lock:
            return list(self._exchanges)

    def injected(self) -> list[Injected]:
        with self._lock:
            return list(self._injected)


def set_exchange_faults(bench: SimBench, faults: ExchangeFaults | None) -> None:
    """Randomized faults at every switch line, phone web request and key-board line of `bench`
    from now on; None turns them off."""
    for box in [*bench.switches.values(), *bench.phones.values(), *bench.actuators]:
        box.exchange_faults = faults


def swap_phone_cables(bench: SimBench, phone_a: str, phone_b: str) -> None:
    """Someone swaps the cables of two phones on one switch: each shows up on the other's port."""
    a, b = (next(s for s in bench.specs if s.name == name) for name in (phone_a, phone_b))
    if a.switch != b.switch:
        raise ValueError(f"{phone_a} and {phone_b} are on different switches")
    bench.switches[a.switch].swap_cables(a.port, b.port)
