"""Bench checks that are not a switch's: credentials, CUCM TFTP through the tap and the trust
anchor against the ITL CUCM serves, CUCM's RisPort, the meters, the actuator boards.

All read-only: a relay like the tap's relays one read request (a phone's ITL) from a port of
its own, the tap's port is only looked at, RisPort is asked once for the phones, the meters are
asked `*IDN?`, the boards `PING` and `LIST`.
"""

from __future__ import annotations

import ipaddress
import os
from typing import TYPE_CHECKING

from cryptography import x509

from rig.drivers.keypad import KeypadError
from rig.drivers.keypad_serial import board_targets
from rig.drivers.power_meter import PowerMeter, PowerMeterError
from rig.drivers.risport import RisPortError
from rig.drivers.tftp_client import TRUST_FILE_LIMIT, TftpFetchError, tftp_get
from rig.drivers.tftp_tap_share import hello
from rig import trust
from rig.config.lab import SerialKeypadConfig
from rig.preflight.report import Check, failed, passed, unchecked
from rig.phone.profiles import profile_for
from rig.bench.tap_share import port_holder

if TYPE_CHECKING:
    from rig.bench.build import Bench
    from rig.config.lab import LabConfig, PhoneConfig

ITL_READ_S = 10.0
"""The whole ITL read: CUCM answers a read request on a LAN in milliseconds, and a 256 KiB file
(rig.drivers.tftp_client.TRUST_FILE_LIMIT) is 184 blocks of 1428 bytes."""
TRUST = "trust anchor"
TFTP = "CUCM TFTP through the tap"
TAP_PORT = "tap port"
RISPORT = "CUCM RisPort"


def secret_variables(config: "LabConfig") -> list[tuple[str, str]]:
    """(config field, variable) of every secret the config takes from the environment."""
    wanted: list[tuple[str, str | None]] = []
    for name, switch in config.switches.items():
        wanted += [(f"switches.{name}.{f}", getattr(switch, f)) for f in ("password_env", "enable_secret_env")]
    for phone in config.phones:
        wanted += [(f"phones ({phone.name}).keypad.password_env", getattr(k, "password_env", None))
                   for k in phone.keypad]
    return [(where, variable) for where, variable in wanted if variable is not None]


def check_credentials(config: "LabConfig") -> Check:
    unset = [(where, variable) for where, variable in secret_variables(config) if variable not in os.environ]
    if unset:
        return failed("credentials", "; ".join(f"{where}: {v} is not set" for where, v in unset),
                      f"export {', '.join(sorted({v for _, v in unset}))} before running rig")
    return passed("credentials", f"{len(secret_variables(config))} password variables set")


def check_tftp(bench: "Bench", phone: "PhoneConfig") -> list[Check]:
    """Fetch `phone`'s ITL from CUCM through a relay like the tap's, then verify it against the
    trust anchor. The relay listens on a free port of the tap's address, never on the tap's own
    port: a run, a `rig tap` service or another preflight may hold that (see check_tap_port)."""
    config = bench.config
    tap = bench.spare_tap()
    if tap is None or config.tftp_tap is None or config.cucm is None:
        return [unchecked(TFTP, "no tftp_tap configured"), unchecked(TRUST, "no tftp_tap configured")]
    listen = config.tftp_tap.listen
    host = listen.host if not wildcard(listen.host) else "127.0.0.1"
    name = profile_for(phone.model, phone.firmware).itl_file(phone.mac)
    try:
        with tap:
            data = tftp_get(host, tap.address[1], name, seconds=ITL_READ_S, limit=TRUST_FILE_LIMIT)
    except OSError as error:
        return [failed(TFTP, f"no relay could listen on {listen.host}: {error}", "check tftp_tap.listen.host "
                       "is an address of this host"), unchecked(TRUST, "no ITL could be read from CUCM")]
    except TftpFetchError as error:
        upstream = config.tftp_tap.upstream or config.cucm.tftp
        fix = (f"make sure CUCM serves {name} (is {phone.name} configured in CUCM?)" if error.not_found else
               f"check cucm.tftp / tftp_tap.upstream ({upstream.host}:{upstream.port}) and that CUCM's TFTP "
               "service runs")
        return [failed(TFTP, str(error), fix), unchecked(TRUST, "no ITL could be read from CUCM")]
    return [passed(TFTP, f"{name} read through a relay like the tap: {len(data)} bytes"), _verify(config, name, data)]


def check_tap_port(bench: "Bench") -> Check:
    """The tap's port is free (a run relays there), or held by a rig process that shares its
    records (a run uses them); held by anything else, every phone of a run would fail."""
    listen = bench.config.tftp_tap.listen if bench.config.tftp_tap is not None else None
    tap = bench.tap()
    if listen is None or tap is None:
        return unchecked(TAP_PORT, "no tftp_tap configured")
    where = f"UDP {listen.host}:{listen.port}"
    publisher = hello(tap.socket_path)
    if publisher is not None:
        upstream = tuple(publisher.get("upstream", ()))
        if upstream != tap.upstream:
            return failed(TAP_PORT, f"{where} is held by rig pid {publisher.get('pid')} relaying to {upstream}, "
                          f"not to this bench's {tap.upstream}", "stop that rig tap or run, or give this bench "
                          "its own tftp_tap.listen address")
        return passed(TAP_PORT, f"{where} held by rig pid {publisher.get('pid')}, which shares its records: a run "
                      "uses them")
    holder = port_holder(listen.host, listen.port)
    if holder is not None:
        return failed(TAP_PORT, f"{where} is held by {holder}, which shares no records with rig",
                      "stop it (a TFTP server on the rig host?), or serve the phones with `rig tap`")
    return passed(TAP_PORT, f"{where} free: a run relays there itself")


def wildcard(host: str) -> bool:
    """An address that stands for every address of this host (0.0.0.0, ::)."""
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _verify(config: "LabConfig", name: str, data: bytes) -> Check:
    """The ITL CUCM serves verifies against `cucm.trust_anchor`: the anchor is the cluster's."""
    assert config.cucm is not None
    path = config.cucm.trust_anchor
    if path is None:
        return passed(TRUST, "none configured: fetched ITLs are checked against their own SAST record")
    fix = (f"put the CallManager certificate of CUCM's TFTP node (the one that signs {name}) in {path} "
           "(Cisco Tech Note 116232: the TFTP service signs the ITL with it)")
    try:
        anchor = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as error:
        return failed(TRUST, f"{path} unreadable: {error}", fix)
    try:
        itl = trust.parse(data)
    except trust.TrustFileError as error:
        return failed(TRUST, f"{name} from CUCM does not parse: {error}", "check that cucm.tftp is the cluster's "
                      "TFTP server")
    verdict = trust.verify(itl, cert=anchor)
    if not verdict.valid:
        return failed(TRUST, f"{path} is not the cluster's: {name} from CUCM does not verify against it "
                      f"({verdict.reason})", fix)
    return passed(TRUST, f"{name} verifies against {path} (signer {itl.signer.name})")


def check_risport(bench: "Bench", phones: "list[PhoneConfig]") -> Check:
    """One selectCmDevice for the phones. Unreadable is a problem only with `require: true`: then
    verify cannot pass a phone, so a job must stop before it erases and power-cycles any."""
    ris = bench.config.cucm.risport if bench.config.cucm is not None else None
    client = bench.risport()
    if ris is None or client is None:
        return unchecked(RISPORT, "no cucm.risport configured")
    try:
        listed = client.select([f"SEP{p.mac}" for p in phones])
    except RisPortError as error:
        if not ris.require:
            return unchecked(RISPORT, f"unreadable ({error}), and not required (cucm.risport.require is false)")
        return failed(RISPORT, f"unreadable: {error}", f"check cucm.risport ({ris.host}:{ris.port}), its credentials "
                      "and that CUCM answers RisPort70 requests, or set cucm.risport.require: false")
    return passed(RISPORT, f"answered selectCmDevice: {len(listed)} of {len(phones)} phones listed")


def check_meter(name: str, meter: PowerMeter) -> Check:
    try:
        return passed(f"meter {name}", f"*IDN? {meter.idn()}")
    except PowerMeterError as error:
        return failed(f"meter {name}", str(error), f"check instruments.{name}.resource and that the meter is on")


def board_wanted(phones: list["PhoneConfig"]) -> dict[str, list[str]]:
    """Actuator board URL -> the targets the config names on it."""
    boards: dict[str, list[str]] = {}
    for phone in phones:
        for keypad in phone.keypad:
            if isinstance(keypad, SerialKeypadConfig):
                boards.setdefault(keypad.url, []).append(keypad.target)
    return boards


def check_board(url: str, wanted: list[str]) -> tuple[Check, list[str] | str]:
    """PING and LIST; the board's targets for the phone checks, or why there are none."""
    name = f"actuator {url}"
    try:
        targets = board_targets(url)
    except KeypadError as error:
        return failed(name, str(error), "check the board's serial line (url) and that it is powered"), str(error)
    missing = [t for t in wanted if t not in targets]
    if missing:
        return failed(name, f"LIST lacks {', '.join(missing)} (it has {', '.join(targets) or 'none'})",
                      "wire a solenoid head for each and give it that name on the board, or correct "
                      "keypad.target in the config"), targets
    return passed(name, f"PONG; LIST holds all {len(wanted)} targets"), targets
