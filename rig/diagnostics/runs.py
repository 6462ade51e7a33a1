"""The last run's evidence for a bundle: the newest run directory that ran any of the phones, its
journal (the lines of those phones and of the run), their console logs and the small files they
fetched (ITL, CTL, config, `.loads`; firmware images are left out: they are Cisco's, large, and
say nothing the journal's TFTP lines do not), and, when asked, the screens its erases kept after
each key (rig.procedures.key_screens).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rig.diagnostics.evidence import BUNDLE_JOURNAL
from rig.errors import RigError
from rig.jobs.rundir import read_state
from rig.record.journal import JOURNAL_NAME

FETCHED_LIMIT = 256 * 1024
"""Bytes of one fetched file kept (ITL and configs are a few kB; an image is megabytes)."""
JOURNAL_FACTS = ("console.erase_line", "key_path", "key_path.variant", "restart_after_erase", "risport.status_reason",
                 "cdp.version", "lldp.software_revision", "cdp.platform", "web.status_messages", "tftp.options",
                 "tftp.timeout")
CONSOLE_FACTS = ("console.erase_line", "restart_after_erase")
SCREEN_FACTS = ("key_path", "key_path.variant")


@dataclass
class LastRun:
    run_id: str
    files: dict[str, tuple[bytes, tuple[str, ...]]] = field(default_factory=dict)
    """Bundle path -> (content, fact ids it bears on)."""


def last_run_files(runs_dir: Path, phones: list[str], *, screens: bool = False) -> LastRun | None:
    """The newest readable run of `runs_dir` that lists one of `phones`; None when none does.
    `screens`: also the screens its erases kept after each key (rig.procedures.key_screens)."""
    if not runs_dir.is_dir():
        return None
    for run_dir in sorted((d for d in runs_dir.iterdir() if (d / JOURNAL_NAME).is_file()),
                          key=lambda d: d.name, reverse=True):
        try:
            state = read_state(run_dir)
        except RigError:
            continue
        ran = [name for name in phones if name in state.phones]
        if ran:
            return _files(run_dir, state.run_id, ran, screens)
    return None


def _files(run_dir: Path, run_id: str, phones: list[str], screens: bool) -> LastRun:
    run = LastRun(run_id)
    run.files[BUNDLE_JOURNAL] = (_journal_of(run_dir / JOURNAL_NAME, set(phones)), JOURNAL_FACTS)
    for phone in phones:
        console = run_dir / "console" / f"{phone}.log"
        if console.is_file():
            run.files[f"phones/{phone}/console.log"] = (console.read_bytes(), CONSOLE_FACTS)
        fetched = run_dir / "files" / phone
        for path in sorted(fetched.iterdir()) if fetched.is_dir() else []:
            if path.is_file() and path.stat().st_size <= FETCHED_LIMIT:
                run.files[f"phones/{phone}/fetched/{path.name}"] = (path.read_bytes(), ())
        shots = run_dir / "screens" / phone
        for path in sorted(shots.glob("*.png")) if screens and shots.is_dir() else []:
            run.files[f"phones/{phone}/screens/{path.name}"] = (path.read_bytes(), SCREEN_FACTS)
    return run


def _journal_of(path: Path, phones: set[str]) -> bytes:
    """The journal's lines about these phones or the whole run (none about other phones)."""
    kept = []
    for line in path.read_bytes().splitlines(keepends=True):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("phone") in phones or "phone" not in event:
            kept.append(line)
    return b"".join(kept)
