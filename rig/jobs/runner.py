"""Run one job (erase or verify) on many phones at once, journaling every step as it ends.

Phones run in a thread pool (`parallel.max_phones`); each switch has a power-up semaphore (its
PoE budget, `parallel.powerup_per_switch`); switch commands are serialized inside the driver.
A phone that hangs only holds its own thread: every wait is bounded and interruptible. A bench
part that fails for two phones is taken out of service for the rest of the run (rig.jobs.health).
Ctrl-C sets the stop event: no new phone starts, phones in flight give up at their next wait
(a port turned off is turned back on), and the run is journaled as interrupted; `--resume`
redoes every phone that did not pass.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from rig.drivers.errors import DeviceError
from rig.drivers.operator import OperatorSkipped, OperatorStopped
from rig.config.lab import LabConfig, PhoneConfig, SerialKeypadConfig
from rig.errors import RigError
from rig.record.events import (
    Event, ListedPhone, Outcome, PartUnhealthy, PhoneInterrupted, PhoneStarted, RunFinished,
    RouteChange, RunInterrupted, RunResumed, RunStarted, StepStarted,
)
from rig.jobs.health import PartHealth
from rig.record.journal import JOURNAL_NAME, Journal
from rig.phone.keyscript import KeyScript
from rig.procedures import PROCEDURES, PhoneContext, run_phone
from rig.procedures.findings import Found
from rig.procedures.steps import BenchFault, Interrupted, PhoneFailed, PhoneSkipped, StepRecorder
from rig.procedures.parts import parts_for
from rig.bench.taps import Taps
from rig.actions.route import restore_routes
from rig.procedures.migrate import Migration

if TYPE_CHECKING:
    from rig.bench.tap_share import SharedTap
    from rig.bench.build import Bench

Observer = Callable[[Event], None]


@dataclass(frozen=True)
class PhoneVerdict:
    """How the runner classes what ended a phone (rig.report reads the outcome and reason back
    from the phone_done it journals; `part` only feeds the bench's health)."""

    outcome: Outcome
    reason: str | None
    part: str | None = None
    """The shared bench part to blame for an `error` (`switch sw1`), if any."""


def parts_of(phone: PhoneConfig) -> dict[str, str]:
    """The shared bench parts a phone depends on, by kind: what a bench error blames."""
    parts = {"switch": f"switch {phone.switch}"}
    if phone.console:
        url = urlparse(phone.console)
        parts["console"] = f"console {url.hostname}" if url.hostname else f"console {phone.console}"
    if phone.power_meter:
        parts["meter"] = f"meter {phone.power_meter.instrument}"
    for keypad in phone.keypad:
        if isinstance(keypad, SerialKeypadConfig):
            parts["keypad"] = f"actuator {keypad.url}"
    return parts


def blamed_part(error: DeviceError, phone: PhoneConfig) -> str | None:
    """The bench part a driver error implicates: the phone's own part of the error's kind, as its
    config names it (`switch sw1`), else the device the error names (`cucm risport`), else none
    (a kind the phone has no shared part of, such as its web keypad)."""
    own = parts_of(phone).get(error.part)
    if own is not None:
        return own
    return f"{error.part} {error.device}" if error.device else None


def verdict_of(error: BaseException, phone: PhoneConfig) -> PhoneVerdict:
    """Phone's fault (failed) or bench's fault (error), and which bench part to blame: a driver
    error says both itself (rig.drivers.errors.DeviceError)."""
    if isinstance(error, PhoneSkipped):
        return PhoneVerdict("skipped", str(error))
    if isinstance(error, OperatorSkipped):
        return PhoneVerdict("skipped", f"skipped by the technician when asked to {error}")
    if isinstance(error, PhoneFailed):
        return PhoneVerdict("failed", str(error))
    if isinstance(error, BenchFault):
        return PhoneVerdict("error", str(error), error.part)
    if isinstance(error, DeviceError):
        if error.phone_fault:
            return PhoneVerdict("failed", error.reason())
        return PhoneVerdict("error", error.reason(), blamed_part(error, phone))
    return PhoneVerdict("error", f"{type(error).__name__}: {error}")


def config_summary(config: LabConfig) -> dict[str, Any]:
    """What the journal records of the config: where things are, never a credential."""
    return {
        "switches": {n: f"{s.host}:{s.port}" for n, s in config.switches.items()},
        "cucm_tftp": f"{config.cucm.tftp.host}:{config.cucm.tftp.port}" if config.cucm else None,
        "expected_load": config.cucm.expected_load if config.cucm else None,
        "tftp_tap": f"{config.tftp_tap.listen.host}:{config.tftp_tap.listen.port}" if config.tftp_tap else None,
        "timeouts": config.timeouts.model_dump(),
        "parallel": config.parallel.model_dump(),
    }


class Runner:
    """One run of one procedure over a set of phones on one bench."""

    def __init__(
        self,
        bench: "Bench",
        procedure: str,
        phones: list[PhoneConfig],
        run_dir: Path,
        *,
        scripts: dict[str, KeyScript] | None = None,
        stop: threading.Event | None = None,
        observer: Observer | None = None,
        resumed: bool = False,
        screenshots: bool | None = None,
        try_variants: bool = False,
        migration: Migration | None = None,
        routes: dict[str, RouteChange] | None = None,
    ) -> None:
        if procedure not in PROCEDURES:
            raise RigError(f"unknown procedure {procedure!r}")
        self.bench = bench
        self.procedure = procedure
        self.phones = phones
        self.run_dir = run_dir
        self.scripts = scripts or {}
        self.stop = stop or threading.Event()
        self.observer = observer
        self.resumed = resumed
        self.screenshots = len(phones) == 1 if screenshots is None else screenshots
        """A screen per key (rig.procedures.key_screens): by default for a single phone, not a fleet."""
        self.try_variants = try_variants
        self.migration = migration
        self.routes = routes or {}
        """Each phone's last route in the resumed run's journal: the tap routes it so again."""
        self.health = PartHealth()
        parallel = bench.config.parallel
        self.powerup = {
            name: threading.Semaphore(parallel.powerup_per_switch) for name in bench.config.switches
        }
        self.outcomes: dict[str, Outcome] = {}
        """Each phone's outcome as this run ended it (run_finished / run_interrupted list them)."""

    def _emit(self, event: Event) -> None:
        if self.observer is not None:
            self.observer(event)

    def run(self, all_phones: list[PhoneConfig] | None = None) -> None:
        """Run every phone; `all_phones` (on resume: the run's whole list) goes in run_started. The
        journal is the result: rig.report reads each phone's from it."""
        config = self.bench.config
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "console").mkdir(exist_ok=True)
        with Journal(self.run_dir / JOURNAL_NAME, on_event=self.observer) as journal:
            listed = all_phones or self.phones
            opening = RunResumed if self.resumed else RunStarted
            journal.write(opening(
                run_id=self.run_dir.name,
                procedure=self.procedure,
                bench=config.bench,
                phones=[ListedPhone(p.name, p.mac, p.switch, p.port) for p in listed],
                redo=[p.name for p in self.phones],
                config={**config_summary(config), **(self.bench.source.record() if self.bench.source else {}),
                        **({"migration": self.migration.record()} if self.migration else {})},
            ))
            tap, tap_error = self._start_tap()
            if tap is not None and self.routes:
                try:
                    restore_routes(journal, tap, self.phones, self.routes)
                except OSError as error:
                    tap_error = f"the TFTP tap could not route the phones as the stopped run left them: {error}"
            try:
                self._run_phones(journal, tap, tap_error)
            finally:
                if tap is not None:
                    tap.stop()
            closing = RunInterrupted if self.stop.is_set() else RunFinished
            journal.write(closing(outcomes=dict(self.outcomes)))

    def _start_tap(self) -> tuple["SharedTap | Taps | None", str | None]:
        try:
            tap, load_server = self.bench.tap(), self.bench.load_server_tap()
            run_tap = Taps(tap, load_server) if tap is not None and load_server is not None else tap
            if run_tap is not None:
                run_tap.start()
            return run_tap, None
        except Exception as error:  # noqa: BLE001 - any failure to start is the bench's
            return None, f"TFTP tap failed to start: {error}"

    def _run_phones(self, journal: Journal, tap: "SharedTap | Taps | None", tap_error: str | None) -> None:
        workers = max(1, min(self.bench.config.parallel.max_phones, len(self.phones)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rig-phone") as pool:
            futures = [pool.submit(self._phone, journal, tap, tap_error, p) for p in self.phones]
            pending = set(futures)
            while pending:  # wake now and then for SIGINT's handler; each wait walks every future
                _, pending = wait(pending, timeout=1.0)
        for future in futures:
            future.result()  # a bug in the runner itself must not pass silently

    def _phone(self, journal: Journal, tap: "SharedTap | Taps | None", tap_error: str | None,
               phone: PhoneConfig) -> None:
        if self.stop.is_set():
            return
        journal.write(PhoneStarted(phone=phone.name))
        unhealthy = self.health.unhealthy_reason(list(parts_of(phone).values()))
        if tap_error or unhealthy:
            self._done(journal, phone, Found(), PhoneVerdict("error", tap_error or unhealthy))
            return
        ctx = PhoneContext(
            phone=phone,
            bench=self.bench,
            journal=journal,
            steps=StepRecorder(journal, phone.name, on_start=self._step_started),
            stop=self.stop,
            parts=parts_for(self.bench, phone, self.powerup),
            run_dir=self.run_dir,
            tap=tap,
            script=self.scripts.get(phone.name),
            erase_retries=self.bench.config.retries.erase_script,
            screenshots=self.screenshots,
            try_variants=self.try_variants,
            migration=self.migration,
        )
        verdict = PhoneVerdict("passed", None)
        try:
            run_phone(ctx, PROCEDURES[self.procedure])
        except (Interrupted, OperatorStopped):
            journal.write(PhoneInterrupted(phone=phone.name))
            return
        except Exception as error:  # noqa: BLE001 - every failure becomes the phone's outcome
            verdict = verdict_of(error, phone)
        self._done(journal, phone, ctx.found, verdict)

    def _step_started(self, phone: str, step: str, attempt: int) -> None:
        self._emit(StepStarted(phone=phone, name=step, attempt=attempt))

    def _done(self, journal: Journal, phone: PhoneConfig, found: Found, verdict: PhoneVerdict) -> None:
        if verdict.part and verdict.reason:
            if self.health.record_error(verdict.part, phone.name, verdict.reason):
                journal.write(PartUnhealthy(part=verdict.part, reason=verdict.reason))
        self.outcomes[phone.name] = verdict.outcome
        journal.write(found.phone_done(phone.name, verdict.outcome, verdict.reason))
