"""Time left in a run, from the step durations seen so far.

Dividing the elapsed time by the phones done assumes phones finish one after another; a fleet
runs them side by side, so 4 phones done of 240 after 7 s said `left ~6:51` when 6 s remained
(issue 22). Here each step's mean duration is learnt as steps end; a phone in flight still owes
the rest of its current step and the steps it has not reached (in the order phones met them), a
phone not started owes them all; that work is shared by as many phones as have run at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Phone:
    step: str | None = None
    since: float = 0.0
    seen: list[str] = field(default_factory=list)
    done: bool = False


@dataclass
class StepClock:
    phones: list[str]
    _phones: dict[str, _Phone] = field(default_factory=dict)
    _total: dict[str, float] = field(default_factory=dict)
    _count: dict[str, int] = field(default_factory=dict)
    _order: list[str] = field(default_factory=list)
    _widest: int = 0
    """The most phones seen in flight at once: how many share the work left."""
    _in_flight: int = 0
    """Phones started and not done (counted, not summed over every phone at each start: a
    1000-phone run summed half a million entries)."""

    def started(self, phone: str, now: float) -> None:
        previous = self._phones.get(phone)
        if previous is None or previous.done:
            self._in_flight += 1
        self._phones[phone] = _Phone(since=now)
        self._widest = max(self._widest, self._in_flight)

    def step(self, phone: str, name: str, now: float) -> None:
        state = self._phones.get(phone)
        if state is None:
            state = self._phones[phone] = _Phone(since=now)
            self._in_flight += 1
        self._close(state, now)
        state.step, state.since = name, now
        state.seen.append(name)
        if name not in self._order:
            self._order.append(name)

    def done(self, phone: str, now: float) -> None:
        state = self._phones.get(phone)
        if state is None:
            state = self._phones[phone] = _Phone(since=now, done=True)
        elif not state.done:
            self._in_flight -= 1
        self._close(state, now)
        state.step, state.done = None, True

    def _close(self, state: _Phone, now: float) -> None:
        if state.step is not None:
            self._total[state.step] = self._total.get(state.step, 0.0) + now - state.since
            self._count[state.step] = self._count.get(state.step, 0) + 1

    def left(self, now: float) -> float | None:
        """Seconds left, or None until a step has ended (nothing to estimate from yet)."""
        if not self._count:
            return None
        mean = {name: self._total[name] / self._count[name] for name in self._count}
        whole = sum(mean.values())
        work = 0.0
        for name in self.phones:
            state = self._phones.get(name)
            if state is None:
                work += whole
            elif not state.done:
                current = mean.get(state.step or "", 0.0) - (now - state.since)
                work += max(0.0, current) + sum(mean.get(s, 0.0) for s in self._order if s not in state.seen)
        return work / max(1, self._widest)
