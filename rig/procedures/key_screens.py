"""Key-path evidence: the phone's screen after each key of an erase, from its `/CGI/Screenshot`.

Public bulk-erase tools disagree on the 79x2 key path (keypad_scripts' `variants:`), and nobody
building rig owns a 7942: a strip of screens, one per key, shows a lab where the keys went
without anyone at the desk. The images are kept in the run directory (`screens/<phone>/`) and
each erase step's data lists them (`screenshots`: key, file or error), which report.html shows
as a strip of thumbnails.

A screenshot is evidence, never a verdict: a failure is recorded and the keys go on. It is
bounded in time twice: each request by `timeouts.http` (the phone's web client), and the whole
erase step by MAX_FAILURES (after that many failures no more are asked: a phone that refuses
one, a stale phone refusing its credentials, refuses the next). It needs the phone's web access and
the credentials of an `http_execute` keypad: the phone checks `/CGI/Screenshot` against its
authentication URL like a key press (source: drivers/keypad_http.py `check_credentials`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from rig.errors import ConfigError
from rig.config.lab import HttpKeypadConfig
from rig.drivers.phone_web import PhoneWeb, PhoneWebError
from rig.procedures.context import PhoneContext
from rig.procedures.steps import Step
from rig.record.steps import step_label

SCREENS_DIR = "screens"
MAX_FAILURES = 3
"""Screenshots that may fail in one erase step before rig stops asking for them."""

AfterKey = Callable[[str], None]


def screens_after_keys(ctx: PhoneContext, web_access: bool, step: Step) -> AfterKey | None:
    """The callback that takes the screen after each key of `step`, or None when screenshots are
    off for this run or cannot be taken (the step's data says why)."""
    if not ctx.screenshots:
        return None
    web = ctx.web
    keypad = next((k for k in ctx.phone.keypad if isinstance(k, HttpKeypadConfig)), None)
    why = ("no IP address configured" if web is None else "web access off" if not web_access
           else "no http_execute keypad: no credentials for /CGI/Screenshot" if keypad is None else None)
    if why is not None or web is None or keypad is None:
        step.data["screenshots_off"] = why
        return None
    try:
        auth = (keypad.username, keypad.secret() or "")
    except ConfigError as error:  # a secret that cannot be read: no screenshots, the keys go on
        step.data["screenshots_off"] = str(error)
        return None
    return KeyScreens(web, auth, ctx.run_dir, ctx.phone.name, step).after


class KeyScreens:
    """The screenshots of one erase step, written as they are taken."""

    def __init__(self, web: PhoneWeb, auth: tuple[str, str], run_dir: Path, phone: str, step: Step) -> None:
        self._web, self._auth, self._run_dir = web, auth, run_dir
        self._folder = Path(SCREENS_DIR) / phone
        self._prefix = re.sub(r"[^a-z0-9]+", "-", step_label(step.name.name, step.attempt).lower()).strip("-")
        self._step = step
        self._shots: list[dict[str, str]] = step.data.setdefault("screenshots", [])
        self._failures = 0

    def after(self, key: str) -> None:
        """The screen after `key`: its file, or the error, appended to the step's screenshots."""
        if self._failures >= MAX_FAILURES:
            return
        name = self._folder / f"{self._prefix}-{len(self._shots) + 1:02d}-{key}.png"
        try:
            image = self._web.screenshot(*self._auth)
            (self._run_dir / name.parent).mkdir(parents=True, exist_ok=True)
            (self._run_dir / name).write_bytes(image)
        except (PhoneWebError, OSError) as error:
            self._failures += 1
            self._shots.append({"key": key, "error": str(error)})
            if self._failures == MAX_FAILURES:
                self._step.data["screenshots_stopped"] = f"after {len(self._shots)} keys: {error}"
            return
        self._shots.append({"key": key, "file": name.as_posix()})
