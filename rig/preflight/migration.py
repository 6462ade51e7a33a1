"""The preflight of a migration (`rig preflight --from A --to B`, and `rig migrate`'s gate):
each system reachable, A's rollback state as the ITL it serves shows it, B reachable through a
relay like the tap's, and a CUCME router's SSH (when configured) read with `show ephone summary`.
Read-only: nothing is routed on the bench's own tap, no phone is touched.

A TFTP server that answers "File not found" for the phone's ITL is reachable (a CME router serves
no ITL); one that does not answer is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rig import trust
from rig.config.systems import System, named_system
from rig.drivers.cme import CmeError
from rig.drivers.tftp_client import TRUST_FILE_LIMIT, TftpFetchError, tftp_get
from rig.phone.profiles import profile_for
from rig.preflight.bench_checks import ITL_READ_S, wildcard
from rig.preflight.report import Check, failed, passed, unchecked

if TYPE_CHECKING:
    from rig.bench.build import Bench
    from rig.config.lab import PhoneConfig

NOT_IN_ROLLBACK = ("its phones are erased by keys; to move them without keys, set the enterprise parameter "
                   "\"Prepare Cluster for Rollback to pre 8.0\" to True on {name} and let them restart and take "
                   "its rollback ITL first (phones that are off then still need an erase)")


def migration_checks(bench: "Bench", source: str, target: str, phone: "PhoneConfig") -> list[Check]:
    """The systems `source` and `target` as `phone` (the first phone of the run) would meet them."""
    a, b = named_system(bench.config, source), named_system(bench.config, target)
    name = profile_for(phone.model, phone.firmware).itl_file(phone.mac)
    reached, served = _read(a, name)
    checks = [reached, _rollback(a, served) if reached.ok else unchecked(f"rollback on {a.name}", "not reachable")]
    routers = [_router(bench, s) for s in (a, b) if s.kind == "cme"]
    return checks + [_through_tap(bench, b, name)] + [c for c in routers if c is not None]


def _router(bench: "Bench", system: System) -> Check | None:
    """A CUCME router's SSH, where its registrations are read (None: no `ssh` configured)."""
    router = bench.cme_router(system.name)
    if router is None:
        return None
    check = f"system {system.name} SSH"
    try:
        ephones = router.ephones()
    except CmeError as error:
        return failed(check, str(error), f"check systems.{system.name}.ssh (host, port, login, known_hosts)")
    registered = sum(e.registered for e in ephones)
    return passed(check, f"show ephone summary: {len(ephones)} ephones, {registered} registered")


def _read(system: System, name: str) -> tuple[Check, bytes | None]:
    check = f"system {system.name} TFTP"
    host, port = system.address
    try:
        data = tftp_get(host, port, name, seconds=ITL_READ_S, limit=TRUST_FILE_LIMIT)
    except TftpFetchError as error:
        if error.not_found:
            return passed(check, f"{host}:{port} answers: {name} not found"), None
        return failed(check, str(error), f"check systems.{system.name}.tftp and that its TFTP service runs"), None
    return passed(check, f"{host}:{port} serves {name} ({len(data)} bytes)"), data


def _rollback(system: System, served: bytes | None) -> Check:
    check = f"rollback on {system.name}"
    if served is None:
        return passed(check, f"serves no ITL: nothing to roll back; {NOT_IN_ROLLBACK.format(name=system.name)}")
    try:
        itl = trust.parse(served)
    except trust.TrustFileError as error:
        return failed(check, f"the ITL it serves is unreadable: {error}", f"check systems.{system.name}.tftp")
    if trust.is_rollback_itl(itl):
        return passed(check, f"{trust.rollback_state(itl)}: its phones take it after a restart and move without keys")
    return passed(check, f"{trust.rollback_state(itl)}; {NOT_IN_ROLLBACK.format(name=system.name)}")


def _through_tap(bench: "Bench", system: System, name: str) -> Check:
    """The phone's ITL asked of `system` through a relay like the tap's, on a free port, with this
    host routed to it as a phone would be."""
    check = f"system {system.name} through the tap"
    relay, listen = bench.spare_tap(), bench.config.tftp_tap
    if relay is None or listen is None:
        return unchecked(check, "no tftp_tap configured")
    host = listen.listen.host if not wildcard(listen.listen.host) else "127.0.0.1"
    try:
        with relay:
            relay.route(host, system.address)
            tftp_get(host, relay.address[1], name, seconds=ITL_READ_S, limit=TRUST_FILE_LIMIT)
    except OSError as error:
        return failed(check, f"no relay could route to {system.name}: {error}", "check tftp_tap.listen.host")
    except TftpFetchError as error:
        if not error.not_found:
            return failed(check, str(error), f"check that {system.name}'s TFTP answers the tap's host")
    return passed(check, f"{system.name} at {system.tftp.host}:{system.tftp.port} answers through a relay like the tap")
