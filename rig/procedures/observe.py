"""observe: after power-on, watch the phone fetch its trust list, config and (if needed) load.

The run's TFTP tap sees every transfer; this phone's are the ones from its IP that start after
the erase (a phone reboots by itself after an erase) or, for `rig verify`, after its power-on. It must fetch `ITLSEP<MAC>.tlv` and `SEP<MAC>.cnf.xml.sgn`; when its load differs
from the expected one, the `.loads` file; and whenever it fetches a `.loads` file, every `.sbn`
image that file names. The step ends when all of those are fetched and the phone reports the
expected load, or fails at `timeouts.boot`.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from drivers.macaddr import sep_name
from drivers.phone_web import PhoneWebError
from rig.journal import iso
from rig.procedures.job import PhoneJob
from rig.procedures.steps import PhoneFailed

SBN_NAME = re.compile(rb"[\w.\-]+\.sbn")
QUIET_PROBE_S = 2.0
"""Longest gap between HTTP probes of the load while the phone fetches nothing."""
AFTER_FETCH_S = 1.0
"""How long after a new fetch the load is probed at every poll."""


def images_named(loads: bytes) -> list[str]:
    """The `.sbn` file names a `.loads` file lists (works on real and simulated files)."""
    names: list[str] = []
    for match in SBN_NAME.finditer(loads):
        name = match.group(0).decode("ascii", "replace")
        if name not in names:
            names.append(name)
    return names


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def required_files(job: PhoneJob) -> list[str]:
    """Files the phone must have fetched (ok) so far, given what it fetched already."""
    sep = sep_name(job.phone.mac)
    expected = job.config.cucm.expected_load if job.config.cucm else None
    files = [f"ITL{sep}.tlv", f"{sep}.cnf.xml.sgn"]
    if expected and job.load_before != expected:
        files.append(f"{expected}.loads")
    for transfer in job.fetches:
        if transfer.ok and transfer.file.endswith(".loads") and transfer.content:
            files += [n for n in images_named(transfer.content) if n not in files]
    return files


def fetched_ok(job: PhoneJob) -> set[str]:
    return {t.file for t in job.fetches if t.ok}


def _collect(job: PhoneJob) -> None:
    """Journal this phone's new transfers (after its power-on) as `tftp` events."""
    since = job.watch_from or job.power_on_at
    assert job.tap is not None and since is not None and job.phone.ip is not None
    seen = len(job.fetches)
    mine = [t for t in job.tap.transfers(client=str(job.phone.ip)) if _utc(t.started) >= since]
    for transfer in mine[seen:]:
        job.fetches.append(transfer)
        job.journal.append(
            "tftp",
            phone=job.phone.name,
            file=transfer.file,
            at=iso(_utc(transfer.started)),
            bytes=transfer.bytes,
            ok=transfer.ok,
            error=transfer.error,
        )


def _reported_load(job: PhoneJob) -> str | None:
    web = job.web
    if web is None:
        return None
    try:
        info = web.device_info()
    except PhoneWebError:
        return None
    return info.app_load_id or info.version_id


class _LoadProbe:
    """When to ask the phone its load over HTTP, given what the tap has seen.

    A phone that fetched its images reboots into the new load and stays silent for a minute or
    so; asking each of 240 phones twice a second meanwhile was most of the controller's CPU.
    A phone is asked right after it fetches something (it is booting: its web server comes up
    next) and otherwise at most every `quiet` seconds.
    """

    def __init__(self, quiet: float) -> None:
        self.quiet = quiet
        self.fetches = -1
        self.last_fetch = self.last_probe = float("-inf")

    def due(self, fetches: int) -> bool:
        now = time.monotonic()
        if fetches != self.fetches:
            self.fetches, self.last_fetch = fetches, now
        if now - self.last_fetch < AFTER_FETCH_S or now - self.last_probe >= self.quiet:
            self.last_probe = now
            return True
        return False


def run(job: PhoneJob) -> None:
    boot = job.config.timeouts.boot
    expected = job.config.cucm.expected_load if job.config.cucm else None
    assert job.power_on_at is not None, "observe runs after restart"
    watching = job.tap is not None and job.phone.ip is not None
    with job.steps.step("observe") as step:
        deadline = job.power_on_at.timestamp() + boot
        probe = _LoadProbe(quiet=min(QUIET_PROBE_S, boot / 20))

        def done() -> bool | None:
            if watching:
                _collect(job)
                if set(required_files(job)) - fetched_ok(job) or not probe.due(len(job.fetches)):
                    return None
            job.load_after = _reported_load(job)
            if job.load_after is None or (expected and job.load_after != expected):
                return None
            return True

        finished = job.poll(done, max(0.0, deadline - time.time()))
        step.data.update(
            fetched=[t.file for t in job.fetches if t.ok],
            failed_transfers=[f"{t.file}: {t.error}" for t in job.fetches if not t.ok],
            required=required_files(job) if watching else [],
            load_after=job.load_after,
        )
        if not watching:
            step.data["note"] = "no TFTP tap (or no phone IP) configured: fetches not observed"
        if finished:
            step.detail = f"fetched {len(fetched_ok(job))} files; reports load {job.load_after}"
            return
        raise PhoneFailed(_why(job, boot, expected, watching))


def _why(job: PhoneJob, boot: float, expected: str | None, watching: bool) -> str:
    if not job.fetches and job.load_after is None:
        return f"no TFTP request / no answer within {boot:g}s after power-on"
    missing = [f for f in required_files(job) if f not in fetched_ok(job)] if watching else []
    if missing:
        return f"within {boot:g}s after power-on the phone did not fetch {', '.join(missing)}"
    if job.load_after is None:
        return f"fetched its files but gave no HTTP answer within {boot:g}s after power-on"
    return f"reports load {job.load_after}, expected {expected} ({boot:g}s after power-on)"
