"""verify: the fetched files are the right ones and the phone is out of its bad state.

Named checks, each a step with evidence, all run even when one fails (the report shows every
finding); the first failure is the phone's reason:
- verify_itl: the fetched ITL parses and verifies against the cluster's trust anchor;
- verify_config: the fetched signed config verifies against that ITL;
- verify_load: the witnesses (versionID, appLoadID, appLoadID among the expected `.loads`
  images, CDP `Version :`) say the phone runs the expected load; which agreed and which
  disagreed is recorded;
- verify_registration (when `cucm.risport` is configured): CUCM's RisPort70 lists the phone
  `Registered` with ActiveLoadID = the expected load, waited for up to `timeouts.boot`; a
  failure fails the phone only with `cucm.risport.require: true`, else it is recorded; RisPort
  unreadable is the bench's fault (the phone's outcome `error`, not `failed`) when required;
- verify_trust_list: no trust-list failure line since the erase (or the restart).
File names and the failure line come from the phone's profile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from cryptography import x509

from rig.drivers.phone_web import PhoneWebError
from rig.drivers.risport import RisPortError
from rig import trust
from rig.procedures.context import PhoneContext
from rig.procedures.findings import Baseline, ConsoleOpened, Erased, Observed, Restarted, StepView, Verified
from rig.procedures.observe import loads_images
from rig.procedures.registration import Registration, registration
from rig.procedures.steps import BenchFault, PhoneFailed, Step
from rig.phone.witness import LoadDecision, bare_load, decide_load
from rig.record.steps import (
    VERIFY_CONFIG, VERIFY_ITL, VERIFY_LOAD, VERIFY_REGISTRATION, VERIFY_TRUST_LIST, StepName,
)

T = TypeVar("T")

RECENT_CDP_S = 5.0
"""How old a switch's CDP table may be for the load check: a table that does not show the
phone's expected load yet is read again below, so an older one only ever saves the switch a
detail table (a 48-phone table per phone verified within a second of each other)."""


class CheckFailed(Exception):
    """A check found the phone wrong: its step fails, the other checks still run."""


class Checks:
    """Named checks of one phone, each its own step with evidence; all run even when one fails,
    the first failure is the phone's reason (a bench fault only when no check of its own failed)."""

    def __init__(self, ctx: PhoneContext) -> None:
        self.ctx = ctx
        self.failures: list[str] = []
        self.faults: list[BenchFault] = []

    def run(self, name: StepName, check: Callable[[Step], T]) -> T | None:
        with self.ctx.steps.step(name) as step:
            try:
                return check(step)
            except CheckFailed as failure:
                step.fail(str(failure))
                self.failures.append(str(failure))
            except BenchFault as fault:  # the other checks still run; the phone ends `error` in end()
                step.fail(str(fault))
                self.faults.append(fault)
            return None

    def end(self, verified: Verified) -> Verified:
        """`verified`, or what ends the phone: its first failure (kept with `verified`), else a fault."""
        if self.faults and not self.failures:  # a phone that failed a check of its own failed, whatever the bench did
            raise self.faults[0]
        if self.failures:
            raise PhoneFailed(self.failures[0], verified)
        return verified


def fetched_content(observed: Observed, name: str) -> bytes:
    """What the tap kept of the phone's last good fetch of `name`; CheckFailed when there is none."""
    kept = [t for t in observed.fetches if t.ok and t.file == name]
    if not kept:
        raise CheckFailed(f"{name} was not fetched")
    content = kept[-1].content
    if content is None:
        raise CheckFailed(f"{name} was fetched but the tap did not keep its content")
    return content


def _anchor(ctx: PhoneContext) -> x509.Certificate | None:
    cucm = ctx.config.cucm
    if cucm is None or cucm.trust_anchor is None:
        return None
    try:
        return x509.load_pem_x509_certificate(cucm.trust_anchor.read_bytes())
    except (OSError, ValueError) as error:
        raise CheckFailed(f"trust anchor {cucm.trust_anchor} unreadable: {error}") from None


def _parse(data: bytes, name: str) -> trust.TrustFile:
    try:
        return trust.parse(data)
    except trust.TrustFileError as error:
        raise CheckFailed(f"{name} does not parse: {error}") from None


def check_itl(ctx: PhoneContext, observed: Observed, step: Step) -> trust.TrustFile:
    name = ctx.profile.itl_file(ctx.phone.mac)
    itl = _parse(fetched_content(observed, name), name)
    anchor = _anchor(ctx)
    verdict = trust.verify(itl, cert=anchor)
    step.data.update(file=name, signer=itl.signer.name, serial=itl.signer.serial,
                     records=[f"{r.function_name} {r.subject}" for r in itl.records])
    against = "the trust anchor" if anchor is not None else "its own SAST record (no trust anchor configured)"
    if not verdict.valid:
        raise CheckFailed(f"{name} does not verify against {against}: {verdict.reason}")
    step.detail = f"{name} signed by {itl.signer.name}, verifies against {against}"
    return itl


def check_config(ctx: PhoneContext, observed: Observed, itl: trust.TrustFile | None, step: Step) -> None:
    name = ctx.profile.config_file(ctx.phone.mac)
    if itl is None:
        raise CheckFailed(f"{name} not checked: no valid ITL to check it against")
    sgn = _parse(fetched_content(observed, name), name)
    verdict = trust.verify(sgn, itl=itl)
    step.data.update(file=name, signer=sgn.signer.name)
    if not verdict.valid:
        raise CheckFailed(f"{name} does not verify against the fetched ITL: {verdict.reason}")
    step.detail = f"{name} signed by {sgn.signer.name}, a TFTP signer of the ITL"


def check_load(ctx: PhoneContext, observed: Observed, baseline: Baseline, step: Step,
               decided: list[LoadDecision]) -> LoadDecision:
    """Every witness the bench can read now, weighed by rig.phone.witness (kept in `decided` even when
    the phone does not run the expected load)."""
    version_id = app_load_id = None
    web = ctx.web
    if baseline.web_access and web is not None:
        try:
            info = web.device_info()
            version_id, app_load_id = info.version_id, info.app_load_id
        except PhoneWebError as error:
            step.data["web"] = str(error)
    neighbour = ctx.cdp_entry(max_age=RECENT_CDP_S)
    if neighbour is None or bare_load(neighbour.version) != bare_load(ctx.expected_load):
        neighbour = ctx.cdp_entry(max_age=0)  # the recent table may predate its restart: read it again
    lldp = ctx.lldp_entry() if neighbour is None else None  # CDP off or silent: the LLDP-MED entry
    lldp_software = lldp.software_revision if lldp is not None else None
    decision = decide_load(ctx.expected_load, version_id=version_id, app_load_id=app_load_id,
                           images=loads_images(ctx, list(observed.fetches)),
                           cdp_version=neighbour.version if neighbour is not None else None,
                           lldp_software=lldp_software, witnesses=ctx.profile.load_witnesses)
    step.data.update(load_before=baseline.load, load_after=decision.load, expected=decision.expected,
                     agreed=decision.agreed, disagreed=decision.disagreed, unknown=decision.unknown,
                     version_id=version_id, app_load_id=app_load_id,
                     cdp_version=neighbour.version if neighbour is not None else None, lldp_software=lldp_software)
    decided.append(decision)
    if decision.expected and not decision.running:
        raise CheckFailed(f"{decision.describe()}, expected {decision.expected}")
    step.detail = f"load {baseline.load} -> {decision.describe()}"
    return decision


def check_trust_list(ctx: PhoneContext, view: StepView, step: Step) -> None:
    console = view.need(ConsoleOpened).console
    erased, restarted = view.use(Erased), view.need(Restarted)
    if console is not None:
        mark = erased.console_mark if erased is not None else restarted.console_mark
        lines = console.lines_since(mark or 0)
        source = "console since the erase" if erased is not None else "console since the restart"
    elif view.need(Baseline).web_access and ctx.web is not None:
        try:
            lines = ctx.web.status_messages()
        except PhoneWebError as error:
            raise CheckFailed(f"status messages unreadable: {error}") from None
        source = "status messages after the restart"
    else:
        step.detail = "unchecked: no console, web access off"
        return
    bad = ctx.profile.trust_failures_in(lines)
    step.data.update(source=source, lines_checked=len(lines), failures=bad[:5])
    if bad:
        raise CheckFailed(f"trust list failure in the {source}: {bad[0]}")
    step.detail = f"no trust list failure in the {source} ({len(lines)} lines)"


REGISTRATION_POLL = 4.0
"""Hardware seconds between two RisPort reads while waiting (CUCM allows about 15 requests a
minute; one read serves every phone of the bench). Scaled by timeouts.script_scale."""


def check_registration(ctx: PhoneContext, step: Step) -> None:
    expected = bare_load(ctx.expected_load)
    risport = ctx.config.cucm.risport if ctx.config.cucm else None
    required = risport is not None and risport.require
    interval = ctx.script_seconds(REGISTRATION_POLL)
    seen: list[Registration] = []

    def registered() -> Registration | None:
        now = registration(ctx, interval)
        if now is None:
            return None
        seen.append(now)
        ok = now.status == "Registered" and (expected is None or bare_load(now.load) == expected)
        return now if ok else None

    try:
        found = ctx.poll(registered, ctx.config.timeouts.boot, interval)
    except RisPortError as error:
        failure = f"CUCM RisPort unreadable: {error}"
        step.data["required"] = required
        if required:  # the bench part failed, not the phone: the phone's outcome is `error`
            raise BenchFault(failure, part="cucm risport") from None
    else:
        last = found or (seen[-1] if seen else None)
        if last is not None:
            step.data["registration"] = last.data()
        if found is not None:
            step.detail = f"{found.describe()} (expected {expected or 'any load'})"
            return
        failure = (f"{last.describe() if last else 'CUCM did not answer'}, expected Registered with "
                   f"ActiveLoadID {expected}")
    step.data["required"] = required
    if required:
        raise CheckFailed(failure)
    step.detail = f"{failure} (not required: cucm.risport.require is false)"


def run(ctx: PhoneContext, view: StepView) -> Verified:
    observed, baseline = view.need(Observed), view.need(Baseline)
    checks = Checks(ctx)
    checked = checks.run
    itl_signer = None
    if observed.watched:
        itl = checked(VERIFY_ITL, lambda s: check_itl(ctx, observed, s))
        itl_signer = itl.signer.name if itl is not None else _signer(ctx, observed)
        checked(VERIFY_CONFIG, lambda s: check_config(ctx, observed, itl, s))
    decided: list[LoadDecision] = []
    checked(VERIFY_LOAD, lambda s: check_load(ctx, observed, baseline, s, decided))
    if ctx.bench.risport() is not None:
        checked(VERIFY_REGISTRATION, lambda s: check_registration(ctx, s))
    checked(VERIFY_TRUST_LIST, lambda s: check_trust_list(ctx, view, s))
    return checks.end(Verified(itl_signer=itl_signer, load=decided[0] if decided else observed.load))


def _signer(ctx: PhoneContext, observed: Observed) -> str | None:
    """The signer of a fetched ITL that did not verify (the report still names it)."""
    try:
        return _parse(fetched_content(observed, ctx.profile.itl_file(ctx.phone.mac)), "ITL").signer.name
    except CheckFailed:
        return None
