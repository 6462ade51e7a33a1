"""A phone arriving on a Cisco Unified CME router (`rig migrate --to <cme>`): the `cme` Arrival of
rig.procedures.migrate, its observe and verify (docs/migrate.md; the router: docs/cme.md).

- observe: after its restart the phone fetches, through the tap that now relays it to the
  router, the unsigned `SEP<MAC>.cnf.xml` the router writes with `create cnf-files` (Cisco Unified
  CME System Administrator Guide: `tftp-server system:/its/XMLDefault7960.cnf.xml alias
  SEP00036B54BB15.cnf.xml`). A phone that still holds an ITL asks for a signed config only
  (Cisco Tech Note 116232: "When a CTL or ITL file is present, the IP phone requests a signed TFTP
  configuration file"); CME writes none, so it keeps its cached configuration (source: "Signed
  Configuration Files and Moving a Phone From CUCM 8 to CUCME",
  http://ccnp-v.blogspot.com/2011/12/signed-configuration-file-when-moving.html), and observe
  fails saying that.
- verify_itl: it took no ITL from the router: none fetched (a CME router serves none: unconfirmed,
  docs/cme.md), or a blank one (a rollback ITL, rig.trust.is_rollback_itl).
- verify_config: the config it fetched is the router's for this phone byte for byte (rig fetches
  it straight from the router's TFTP) and unsigned: plain XML, not a signed file.
- verify_registration, when `systems.<B>.ssh` is configured: `show ephone registered` lists its
  MAC registered from its IP (rig.drivers.cme), waited for up to `timeouts.boot`; a router rig
  cannot read is the bench's fault (part `cme`), not the phone's.
- verify_trust_list: no trust-list failure since the erase or the restart (as `rig erase`).
The phone's load is not verified here: `cucm.expected_load` is the cluster's, and the router's
`load` command is read by no check yet.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

from rig import trust
from rig.config.systems import System, named_system
from rig.drivers.cme import CmeError, CmeRouter, Ephone
from rig.drivers.tftp_client import TftpFetchError, tftp_get
from rig.drivers.tftp_tap import TftpTransfer
from rig.procedures.context import PhoneContext
from rig.procedures.findings import Erased, Observed, Restarted, StepView, Verified
from rig.procedures.observe import collect_fetches, fetched_ok, fetches_since
from rig.procedures.restart_first import GateVerdict, RestartGate
from rig.procedures.steps import BenchFault, PhoneFailed, Step
from rig.procedures.verify import REGISTRATION_POLL, CheckFailed, Checks, check_trust_list, fetched_content
from rig.record.steps import OBSERVE, VERIFY_CONFIG, VERIFY_ITL, VERIFY_REGISTRATION, VERIFY_TRUST_LIST
from rig.trust.parse import MAX_TLV_SIZE


def target(ctx: PhoneContext) -> System:
    """The CME system the phone moves to."""
    if ctx.migration is None:
        raise BenchFault("a phone is observed on a cme system only by rig migrate --to")
    return named_system(ctx.config, ctx.migration.target)


def unsigned_config(ctx: PhoneContext) -> str:
    """`SEP<MAC>.cnf.xml`: the profile's signed config name without `.sgn`."""
    return ctx.profile.config_file(ctx.phone.mac).removesuffix(".sgn")


def expected_miss(ctx: PhoneContext, transfer: TftpTransfer) -> str | None:
    """Why a failed fetch from the router is expected, or None."""
    mac = ctx.phone.mac
    if transfer.ok:
        return None
    if transfer.file == ctx.profile.ctl_file(mac):
        return "expected: CME serves no CTL unless phone authentication is set up"
    if transfer.file == ctx.profile.itl_file(mac):
        return "expected: a CME router serves no ITL"
    if transfer.file == ctx.profile.config_file(mac):
        return "expected: CME writes no signed config (a phone holding a blank ITL asks for one first)"
    return None


def observe(ctx: PhoneContext, view: StepView) -> Observed:
    restarted, erased = view.need(Restarted), view.use(Erased)
    since = erased.started_at if erased is not None else restarted.power_on_at
    system, plain = target(ctx), unsigned_config(ctx)
    boot = ctx.config.timeouts.boot
    fetches: list[TftpTransfer] = []
    with ctx.steps.step(OBSERVE) as step:
        if not ctx.watching:
            raise BenchFault(f"no phone IP for {ctx.phone.name}: the tap cannot tell its fetches from {system.name}")

        def fetched_config() -> bool | None:
            fetches.extend(collect_fetches(ctx, since, fetches, lambda t: expected_miss(ctx, t)))
            return True if plain in fetched_ok(fetches) else None

        finished = ctx.poll(fetched_config, max(0.0, restarted.power_on_at.timestamp() + boot - time.time()))
        step.data.update(system=system.name, required=[plain], fetched=[t.file for t in fetches if t.ok],
                         failed_transfers=[f"{t.file}: {t.error}" for t in fetches if not t.ok])
        observed = Observed(fetches=tuple(fetches), watched=True, load=None)
        if not finished:
            raise PhoneFailed(why_not_fetched(ctx, fetches, system, boot), observed)
        step.detail = f"fetched {plain} from {system.name} through the tap ({len(fetched_ok(fetches))} files)"
        return observed


def why_not_fetched(ctx: PhoneContext, fetches: list[TftpTransfer], system: System, boot: float) -> str:
    """Observe's reason for a phone that did not fetch its unsigned config within `boot` seconds."""
    plain, signed = unsigned_config(ctx), ctx.profile.config_file(ctx.phone.mac)
    if not fetches:
        return f"no TFTP request within {boot:g}s after power-on"
    if any(t.file == signed for t in fetches):
        return (f"asked {system.name} for {signed} only, never for the unsigned {plain}, within {boot:g}s: it "
                "still holds an ITL (a phone with an ITL asks for signed configs only, and CME writes none); "
                "erase its ITL by keys, or roll it back on the cluster it came from")
    return f"within {boot:g}s after power-on the phone did not fetch {plain} from {system.name}"


class CmeRestartGate(RestartGate):
    """A restart before keys (a resumed migration's phone already routed to the router) watched as
    a phone arriving there: it took the router's trust by itself when, since its restart, it
    fetched its unsigned config with no trust-list failure. No load is asked (see the top)."""

    def _verdict(self, restarted: Restarted) -> GateVerdict | None:
        ctx = self.ctx
        failure = self._trust_failure(restarted)
        if failure is not None:
            return GateVerdict(False, f"trust list failure after the restart: {failure}")
        fetches = fetches_since(ctx, restarted.power_on_at) if ctx.watching else []
        self.alive = self.alive or bool(fetches)
        plain = unsigned_config(ctx)
        if plain not in fetched_ok(fetches):
            return None
        return GateVerdict(True, f"took {target(ctx).name}'s config by itself: fetched {plain}; no trust list failure")


def verify(ctx: PhoneContext, view: StepView) -> Verified:
    observed = view.need(Observed)
    system = target(ctx)
    checks = Checks(ctx)
    checks.run(VERIFY_ITL, lambda s: check_no_itl(ctx, observed, system, s))
    checks.run(VERIFY_CONFIG, lambda s: check_unsigned_config(ctx, observed, system, s))
    router = ctx.bench.cme_router(system.name)
    if router is not None:
        checks.run(VERIFY_REGISTRATION, lambda s: check_registered(ctx, router, system, s))
    checks.run(VERIFY_TRUST_LIST, lambda s: check_trust_list(ctx, view, s))
    return checks.end(Verified(itl_signer=None, load=None))


def check_no_itl(ctx: PhoneContext, observed: Observed, system: System, step: Step) -> None:
    """No ITL taken from the router, or only a blank (rollback) one."""
    name = ctx.profile.itl_file(ctx.phone.mac)
    asked = [t for t in observed.fetches if t.file == name]
    taken = [t for t in asked if t.ok]
    step.data.update(file=name, asked=len(asked), fetched=len(taken))
    for transfer in taken:
        if transfer.content is None:
            raise CheckFailed(f"{name} was fetched from {system.name} but the tap did not keep its content")
        try:
            itl = trust.parse(transfer.content)
        except trust.TrustFileError as error:
            raise CheckFailed(f"the {name} {system.name} served does not parse: {error}") from None
        step.data["served_itl"] = trust.rollback_state(itl)
        if not trust.is_rollback_itl(itl):
            raise CheckFailed(f"{system.name} served a {name} that is not blank ({step.data['served_itl']})")
    if taken:
        step.detail = f"{name} from {system.name} is blank: {step.data['served_itl']}"
    else:
        answer = f"{system.name} answered {asked[-1].error}" if asked else "not asked"
        step.detail = f"no {name} taken ({answer})"


def check_unsigned_config(ctx: PhoneContext, observed: Observed, system: System, step: Step) -> None:
    """The config fetched through the tap is the router's for this phone, and plain XML."""
    plain = unsigned_config(ctx)
    content = fetched_content(observed, plain)
    served = _served(ctx, system, plain)
    step.data.update(file=plain, bytes=len(content), served_bytes=len(served), same_as_served=content == served)
    if content != served:
        raise CheckFailed(f"the {plain} the phone fetched ({len(content)} bytes) is not the one {system.name} "
                          f"serves ({len(served)} bytes)")
    try:
        trust.parse(content)
    except trust.TrustFileError:
        pass
    else:
        raise CheckFailed(f"{plain} from {system.name} is a signed file, not plain XML")
    try:
        root = ET.fromstring(content)
    except ET.ParseError as error:
        raise CheckFailed(f"{plain} from {system.name} is not XML: {error}") from None
    step.detail = f"{plain} as {system.name} serves it: unsigned XML <{root.tag}>, {len(content)} bytes"


def _served(ctx: PhoneContext, system: System, name: str) -> bytes:
    """`name` fetched straight from the system's TFTP (not through the tap)."""
    host, port = system.address
    try:
        return tftp_get(host, port, name, seconds=ctx.config.timeouts.http, limit=MAX_TLV_SIZE)
    except TftpFetchError as error:
        raise BenchFault(f"{system.name}'s TFTP {host}:{port} did not serve {name}: {error}",
                         part=f"system {system.name}") from None


def check_registered(ctx: PhoneContext, router: CmeRouter, system: System, step: Step) -> None:
    """The router lists the phone registered from its IP, waited for up to `timeouts.boot`."""
    ip = str(ctx.phone.ip) if ctx.phone.ip is not None else None
    seen: list[Ephone | None] = []

    def registered() -> Ephone | None:
        try:
            ephone = router.registration(ctx.phone.mac)
        except CmeError as error:
            raise BenchFault(str(error), part=error.part) from None
        seen.append(ephone)
        return ephone if ephone is not None and (ip is None or ephone.ip == ip) else None

    interval = ctx.script_seconds(REGISTRATION_POLL)
    found = ctx.poll(registered, ctx.config.timeouts.boot, interval)
    last = found or (seen[-1] if seen else None)
    if last is not None:
        step.data["ephone"] = {"tag": last.tag, "mac": last.mac, "state": last.state, "ip": last.ip,
                               "socket": last.socket, "model": last.model, "numbers": list(last.numbers)}
    if found is None:
        where = f"registered from {last.ip}, not {ip}" if last is not None else "not in show ephone registered"
        raise CheckFailed(f"{system.name}: {ctx.phone.mac} {where} within {ctx.config.timeouts.boot:g}s")
    step.detail = f"{system.name}: ephone-{found.tag} {found.state} from {found.ip} (show ephone registered)"
