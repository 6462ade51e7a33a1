"""Watching a phone after its keypad script for the signals its profile lists as erase evidence.

Real phones give different evidence: a 7942 restarts by itself after the erase (its draw drops,
its web server and CDP entry go away) and then fetches a fresh ITL; newer phones also show a
status line. What counts is `profile.erase_signals`, weighed by rig.phone.witness: a signal no source
confirms for the model is recorded as seen but never confirms the erase alone.

A restart is never one missing answer: a dropped HTTP request or one low draw reading is a
glimpse, kept for the record, and the restart counts only when two independent signals show in
the same look (the web server gone while the draw dropped) or one signal shows in `SUSTAINED_LOOKS`
looks in a row spanning at least `SUSTAINED_S` hardware seconds. A restart is a boot, far longer
than a few looks, so it can pass either test; a lost packet passes neither.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from rig.drivers.console import Console
from rig.drivers.phone_web import PhoneWebError
from rig.procedures.context import PhoneContext
from rig.phone.witness import EraseEvidence, EraseProof, erase_confirmation

DRAW_DROP = 0.5
"""A draw below this share of the draw before the keys means the phone restarted."""
LOOK_EVERY_S = 0.2
"""Longest gap between two looks for evidence: each asks the switch, the meter, the phone's web
server and the tap, so looking as often as a console line is read would load a big bench. Not
longer: a 7942's restart after the erase is brief at a fast simulated time scale, and looks 0.5 s
apart missed it, so erases waited for the ITL fetch and were retried."""


SUSTAINED_LOOKS = 3
"""Looks in a row one restart signal must show, alone, before it counts as a restart."""
SUSTAINED_S = 10.0
"""Hardware seconds (scaled by `timeouts.script_scale`) those looks must span: three lost
requests in quick succession are a network hiccup, not a phone that went away."""


def look_interval(timeout: float) -> float:
    """How often to look for evidence within `timeout` (at least ten looks)."""
    return min(LOOK_EVERY_S, timeout / 10)


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class EraseWatch:
    """Evidence gathered since the keypad script started; restart signals are kept once seen."""

    def __init__(self, ctx: PhoneContext, console: Console | None, web_access: bool, started: datetime) -> None:
        self.ctx = ctx
        self.console = console
        self.web_access = web_access and ctx.web is not None
        self.console_mark = console.mark() if console is not None else None
        self.status_before = set(self._status())
        self.since = time.monotonic()
        self.draw_before = ctx.polled_watts(self.since, LOOK_EVERY_S) or 0.0
        self.restart: list[str] = []
        """The restart, once two signals or a sustained one showed it (kept from then on)."""
        self.restart_after: float | None = None
        """Seconds from the watch's start (right before the first key) to the look that showed the
        restart: how long after the keys the phone restarted by itself (rig facts)."""
        self.last_key = started
        """When the latest key of the script was sent (`key_sent`): an ITL fetch is evidence only
        after it. A phone still booting when the keys began (a resumed run met one its stopped
        run had just powered on) loses the keys and fetches its ITL anyway, as part of that boot:
        seen as the erase's, it confirmed an erase that never happened."""
        self.glimpses: dict[str, int] = {}
        """Restart signal -> how often it showed too briefly and alone to count (a dropped request)."""
        self._streaks: dict[str, tuple[float, int]] = {}
        """Signal kind -> (monotonic time of its first look in the current run of looks, looks)."""

    def _status(self) -> list[str]:
        web = self.ctx.web
        if not self.web_access or web is None:
            return []
        try:
            return web.status_messages()
        except PhoneWebError:
            return []

    def new_status(self) -> list[str]:
        return [m for m in self._status() if m not in self.status_before]

    def console_lines(self) -> list[str]:
        if self.console is None or self.console_mark is None:
            return []
        return self.console.lines_since(self.console_mark)

    def seen(self, kind: str, pattern: str) -> str | None:
        """A `console` or `status messages` line matching `pattern` since the keys."""
        lines = self.console_lines() if kind == "console" else self.new_status()
        return next((line for line in lines if re.search(pattern, line)), None)

    def _restart_signals(self) -> None:
        if self.restart:
            return
        showing = self._signals_now()
        now = time.monotonic()
        for kind in list(self._streaks):
            if kind not in showing:
                del self._streaks[kind]  # answered again: whatever was missing came back
        for kind in showing:
            first, looks = self._streaks.get(kind, (now, 0))
            self._streaks[kind] = (first, looks + 1)
        if len(showing) >= 2:
            self.restart.append(" and ".join(showing.values()))
            self.restart_after = now - self.since
            return
        sustained = self.ctx.script_seconds(SUSTAINED_S)
        for kind, described in showing.items():
            first, looks = self._streaks[kind]
            if looks >= SUSTAINED_LOOKS and now - first >= sustained:
                self.restart.append(f"{described} for {looks} looks over {now - first:.3g}s")
                self.restart_after = first - self.since  # it began to show at its first look
                return
            if looks == 1:
                self.glimpses[kind] = self.glimpses.get(kind, 0) + 1

    def _signals_now(self) -> dict[str, str]:
        """The restart signals this look shows: signal -> its description with what was read."""
        showing: dict[str, str] = {}
        now = self.ctx.polled_watts(self.since, LOOK_EVERY_S) or 0.0  # shared with the switch's other phones
        if self.draw_before > 0 and now < self.draw_before * DRAW_DROP:
            showing["draw drop"] = f"draw drop {self.draw_before:g} W -> {now:g} W"
        web = self.ctx.web
        if self.web_access and web is not None:
            try:
                web.device_info()
            except PhoneWebError:
                showing["HTTP gone"] = "HTTP gone"
        if not self.web_access and self.ctx.identification.cdp_gone():  # a restart is brief: look now
            showing["CDP gone"] = "CDP gone"
        return showing

    def key_sent(self) -> None:
        self.last_key = datetime.now(timezone.utc)

    def _itl_fetched(self) -> bool:
        ctx = self.ctx
        if not ctx.watching:
            return False
        assert ctx.tap is not None
        name = ctx.profile.itl_file(ctx.phone.mac)
        return any(t.ok and t.file == name and utc(t.started) >= self.last_key
                   for t in ctx.tap.transfers(client=str(ctx.phone.ip)))

    def evidence(self) -> EraseEvidence:
        self._restart_signals()
        return EraseEvidence(restart=tuple(self.restart), itl_fetched=self._itl_fetched(),
                             status_lines=tuple(self.new_status()), console_lines=tuple(self.console_lines()))

    def proof(self) -> EraseProof:
        return erase_confirmation(self.ctx.profile, self.evidence())

    def confirmed(self) -> EraseProof | None:
        """The proof when a confirmed signal shows (a poll probe), else None."""
        proof = self.proof()
        return proof if proof.confirmed else None
