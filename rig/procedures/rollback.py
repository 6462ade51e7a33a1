"""rollback: a migration's phase on the system the phone leaves, when it serves a rollback ITL.

rig fetches the ITL that system serves for this phone (straight from its TFTP server, not through
the tap) and parses it: a rollback ITL has no TFTP and no TVS record (rig.trust.rollback, from
Cisco's documents on "Prepare Cluster for Rollback to pre 8.0"). When it is one, the phone is
restarted and watched through the tap: it took it when it fetched that ITL, then its config, and
showed no trust-list failure since the restart (console, else a new status message). A phone
that took it accepts any next ITL, so it moves without a key; one that did not is erased by keys
(the erase step says so in its `fix`), unless `--no-erase`. A system serving no rollback ITL
leaves the phone to the erase step as `rig erase` does it.

A phone a dead run had already moved is restarted and watched as a restart before keys is
(rig.procedures.restart_first): one that already holds the new system's trust needs nothing more.
"""

from __future__ import annotations

from cryptography import x509

from rig import trust
from rig.drivers.console import Console
from rig.drivers.tftp_client import TftpFetchError, tftp_get
from rig.procedures.context import PhoneContext
from rig.procedures.findings import Baseline, ConsoleOpened, Identified, Restarted, RolledBack, Routed, StepView
from rig.procedures.migrate import arrival, migration_of
from rig.procedures.restart import power_cycle
from rig.procedures.observe import fetches_since
from rig.procedures.restart_first import GateVerdict, trust_failure_since, wait_until_up
from rig.procedures.steps import BenchFault, PhoneFailed, Step
from rig.record.steps import ROLLBACK
from rig.config.systems import System, named_system
from rig.trust.parse import MAX_TLV_SIZE


def run(ctx: PhoneContext, view: StepView) -> RolledBack | Restarted:
    view.need(Identified)
    view.need(Routed)
    console = view.need(ConsoleOpened).console
    baseline = view.need(Baseline)
    migration = migration_of(ctx)
    if ctx.phone.name in migration.moved:
        gate = arrival(ctx).gate(ctx, baseline, console)
        fixed = gate.restart_then_watch(f"resumed: the run that stopped had moved it to {migration.target}")
        return fixed if fixed is not None else RolledBack(served=False, took=False)
    source = named_system(ctx.config, migration.source)
    with ctx.steps.step(ROLLBACK) as step:
        served = served_itl(ctx, source, step)
        if served is None or not trust.is_rollback_itl(served):
            step.data["took"] = False
            step.detail = f"{source.name} serves no rollback ITL: {step.data['served_itl']}; its ITL is erased by keys"
            return RolledBack(served=False, took=False)
        mark = console.mark() if console is not None else None
        restarted = Restarted(power_on_at=power_cycle(ctx, step), console_mark=mark)
        boot = ctx.config.timeouts.boot
        verdict = ctx.poll(lambda: _verdict(ctx, baseline, console, restarted), boot) or GateVerdict(
            False, f"no proof within {boot:g}s that it fetched the rollback ITL and then its config")
        step.data["took"] = verdict.took
        step.detail = f"{step.data['served_itl']}; {step.detail}; {verdict.evidence}"
        if not verdict.took and migration.no_erase:
            raise PhoneFailed(f"did not take {source.name}'s rollback ITL ({verdict.evidence}); --no-erase keeps "
                              "its ITL: erase it by keys (rig migrate without --no-erase)")
        wait_until_up(ctx, baseline.web_access, step, "after taking the rollback ITL" if verdict.took
                      else "after refusing the rollback ITL, before its keys")
        if verdict.took:
            step.data["fix"] = "rollback"
        else:
            step.detail += "; its ITL is erased by keys next"
        return RolledBack(served=True, took=verdict.took)


def served_itl(ctx: PhoneContext, source: System, step: Step) -> trust.TrustFile | None:
    """The ITL `source` serves this phone, parsed (None: it serves none); its state in the step's
    data (`served_itl`) and, with the system's trust anchor, whether it is signed by it."""
    name = ctx.profile.itl_file(ctx.phone.mac)
    host, port = source.address
    try:
        data = tftp_get(host, port, name, seconds=ctx.config.timeouts.http, limit=MAX_TLV_SIZE)
    except TftpFetchError as error:
        if error.not_found:
            step.data["served_itl"] = f"{name}: not found on {source.name}"
            return None
        raise BenchFault(f"{source.name}'s TFTP {host}:{port} did not serve {name}: {error}",
                         part=f"system {source.name}") from None
    try:
        itl = trust.parse(data)
    except trust.TrustFileError as error:
        step.data["served_itl"] = f"{name}: unreadable ({error})"
        return None
    step.data["served_itl"] = trust.rollback_state(itl)
    if source.trust_anchor is not None:
        step.data["signed_by_trust_anchor"] = anchor_verdict(itl, source)
    return itl


def anchor_verdict(itl: trust.TrustFile, source: System) -> bool:
    """Whether the ITL verifies with the system's trust anchor (its TFTP certificate)."""
    assert source.trust_anchor is not None
    cert = x509.load_pem_x509_certificate(source.trust_anchor.read_bytes())
    return trust.verify(itl, cert=cert).valid


def _verdict(ctx: PhoneContext, baseline: Baseline, console: Console | None, restarted: Restarted) -> GateVerdict | None:
    """Took it: its rollback ITL fetched, then a config, and no trust-list failure since the restart."""
    fetches = [t for t in fetches_since(ctx, restarted.power_on_at) if t.ok]
    itl_name = ctx.profile.itl_file(ctx.phone.mac)
    signed = ctx.profile.config_file(ctx.phone.mac)
    itls = [t for t in fetches if t.file == itl_name]
    if not itls:
        return None
    failure = trust_failure_since(ctx, baseline, console, restarted)
    if failure is not None:
        return GateVerdict(False, f"trust list failure after the restart: {failure}")
    first = itls[0]
    if first.content is not None and not _is_rollback(first.content):
        return GateVerdict(False, f"the {itl_name} it fetched is not a rollback ITL")
    configs = [t.file for t in fetches if t.file in (signed, signed.removesuffix(".sgn")) and t.started >= first.started]
    if not configs:
        return None
    return GateVerdict(True, f"took the rollback ITL: fetched {itl_name}, then {configs[0]}; no trust list failure")


def _is_rollback(content: bytes) -> bool:
    try:
        return trust.is_rollback_itl(trust.parse(content))
    except trust.TrustFileError:
        return False
