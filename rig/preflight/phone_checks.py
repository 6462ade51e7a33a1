"""Checks of one phone, read-only: where the switch sees it, what it says it is and runs, where
its TFTP requests go, its console, meter channel, keypad script and keypad backends.

Nothing here powers a port, presses a key or writes to a phone: the switch is asked `show`
commands, the phone's web server GET requests (the key-press credentials are tried on
`/CGI/Screenshot`), the console is only read, the meter measured, the boards asked `LIST`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rig.drivers.console import Console, ConsoleError
from rig.drivers.ios_parsers import CdpNeighbor, canonical_interface
from rig.drivers.ios_switch import SwitchError
from rig.drivers.keypad import KeypadAuthError, KeypadError
from rig.drivers.keypad_http import HttpKeypad
from rig.drivers.macaddr import normalize_mac, sep_name
from rig.drivers.phone_web import DeviceInfo, PhoneWebError, WebAccessOff
from rig.config.lab import HttpKeypadConfig, OperatorKeypadConfig, PhoneConfig
from rig.errors import ConfigError
from rig.bench.port_proof import prove, read_port, uplink_signs
from rig.phone.keyscript import scripts_for
from rig.preflight.phone_power import check_meter_channel
from rig.preflight.report import Check, PhoneReport, failed, passed, unchecked
from rig.preflight.switches import SwitchView, lldp_software, where_heard, where_seen
from rig.phone.profiles import PhoneProfile, profile_for
from rig.phone.witness import decide_load

if TYPE_CHECKING:
    from rig.bench.build import Bench

CONSOLE_WINDOW_S = 3.0
"""Hardware seconds a console may stay silent while the checks run (times timeouts.script_scale)."""


@dataclass(frozen=True)
class Facts:
    """What the bench checks read once for every phone check."""

    switches: dict[str, SwitchView]
    boards: dict[str, list[str] | str]
    """Actuator board URL -> its LIST, or why it could not be read."""
    source: str


def check_phone(bench: "Bench", phone: PhoneConfig, facts: Facts) -> PhoneReport:
    try:
        profile = profile_for(phone.model, phone.firmware)
    except ConfigError as error:
        return PhoneReport([failed("profile", str(error), "correct the phone's model/firmware")], phone.name)
    console = _open_console(bench, phone)
    where = where_seen(facts.switches, phone.mac)  # its CDP entry: platform and announced load
    checks = [_port(phone, facts), _platform(phone, profile, where)]
    info, web_check = _web(bench, phone)
    lldp = lldp_software(facts.switches, phone.mac) if where is None else None  # CDP off or silent
    checks += [web_check, _tftp_server(bench, phone, web_check), _load(bench, profile, info, where, lldp)]
    checks += [check_meter_channel(bench, phone, facts.switches), _script(bench, phone, facts.source)]
    checks += _keypads(bench, phone, facts, web_check)
    checks.append(_console(bench, phone, console))
    return PhoneReport(checks, phone.name)


def _port(phone: PhoneConfig, facts: Facts) -> Check:
    """Proven on its configured port (rig.bench.port_proof: there, nowhere else, no uplink) with a PoE
    row for it, else what the switch shows instead (where CDP or LLDP hears the phone)."""
    if phone.switch is None or phone.port is None:
        return unchecked("port", "no switch configured (field mode: rig finds the phone at its IP)")
    view = facts.switches[phone.switch]
    if view.problem is not None:
        return failed("port", f"switch {phone.switch} could not be read", "fix the switch first (bench)")
    try:
        reading = read_port(view, phone.port)
    except SwitchError as error:
        return failed("port", str(error), f"check that switch {phone.switch} answers show commands")
    proof = prove(reading, phone)
    if proof.ok and not view.poe_status(phone.port):
        return failed("port", f"{proof.evidence}; but `show power inline` has no row for {phone.port}",
                      f"rig powers phones over PoE: plug {phone.name} into a PoE port of {phone.switch} "
                      "and set its port in the config")
    if proof.ok:
        return passed("port", proof.evidence)
    if uplink_signs(reading):
        return failed("port", proof.evidence, f"rig never powers an uplink or trunk: plug {phone.name} into "
                      f"an access port and set its port in the config")
    heard = where_heard(facts.switches, phone.mac)
    if heard is not None and not _same_place(heard, phone):
        switch, interface = heard
        return failed("port", f"{sep_name(phone.mac)} is on {switch} {interface}, not on "
                      f"{phone.switch} {phone.port}", f"plug {phone.name} into {phone.switch} {phone.port}, "
                      f"or set its switch/port to {switch} {interface} in the config")
    return failed("port", proof.evidence, f"check {phone.name}'s cable and mac in the config "
                  "(is the phone powered? is a stale MAC entry on another port?)")


def _same_place(heard: tuple[str, str], phone: PhoneConfig) -> bool:
    assert phone.port is not None
    return heard[0] == phone.switch and canonical_interface(heard[1]) == canonical_interface(phone.port)


def _platform(phone: PhoneConfig, profile: PhoneProfile, seen: tuple[str, CdpNeighbor] | None) -> Check:
    if seen is None:
        return unchecked("platform", "no CDP entry of the phone")
    platform = seen[1].platform
    if profile.is_platform(platform):
        return passed("platform", f"CDP platform {platform!r} is a {profile.name} phone ({phone.model})")
    return failed("platform", f"CDP platform {platform!r} is not a {profile.name} phone",
                  f"correct model: {phone.model} of {phone.name} in the config")


def _web(bench: "Bench", phone: PhoneConfig) -> tuple[DeviceInfo | None, Check]:
    web = bench.web(phone)
    if web is None:
        return None, unchecked("web access", "no ip configured")
    try:
        info = web.device_info()
    except WebAccessOff as off:
        return None, failed("web access", f"off ({off.reason} from {web.base})",
                            "enable Web Access in the phone's Product Specific Configuration in CUCM, then "
                            "reset the phone")
    except PhoneWebError as error:
        return None, failed("web access", str(error), f"check ip/http_port of {phone.name} in the config")
    try:
        same = normalize_mac(info.mac) == phone.mac
    except ValueError:
        same = False
    if not same:
        return None, failed("web access", f"{web.base} is phone {info.mac!r}, not {phone.mac}",
                            f"correct ip of {phone.name} in the config")
    return info, passed("web access", f"on: {web.base} answers as {info.model_number or 'the phone'}")


def _tftp_server(bench: "Bench", phone: PhoneConfig, web_check: Check) -> Check:
    name = "TFTP server"
    tap = bench.config.tftp_tap
    web = bench.web(phone)
    if tap is None:
        return unchecked(name, "no tftp_tap configured")
    if web is None or not web_check.ok:
        return unchecked(name, "the phone's web pages are not readable")
    try:
        first = web.network_config().tftp_server_1
    except PhoneWebError as error:
        return failed(name, str(error), f"check that {phone.name} serves /NetworkConfigurationX")
    want = tap.listen.host
    if first == want:
        return passed(name, f"TFTP Server 1 is the tap ({want})")
    cucm = bench.config.cucm.tftp.host if bench.config.cucm is not None else "CUCM"
    return failed(name, f"option 150 / TFTP server points at {first or 'nothing'}, not at the tap ({want})",
                  f"make DHCP option 150 on {phone.name}'s VLAN name {want} first and {cucm} second "
                  f"(or set TFTP Server 1 of {phone.name} to {want})")


def _load(bench: "Bench", profile: PhoneProfile, info: DeviceInfo | None,
          seen: tuple[str, CdpNeighbor] | None, lldp: str | None) -> Check:
    """The load by every witness the profile lists (rig.phone.witness.decide_load); LLDP-MED's
    `S/W revision` is `lldp` where CDP gives the phone no entry, as the run's steps read it."""
    expected = bench.config.cucm.expected_load if bench.config.cucm is not None else None
    decision = decide_load(expected, version_id=info.version_id if info else None,
                           app_load_id=info.app_load_id if info else None, images=None,
                           cdp_version=seen[1].version if seen else None, lldp_software=lldp,
                           witnesses=profile.load_witnesses)
    if decision.load is None:
        return failed("load", decision.describe(), "let the phone's web pages, CDP or LLDP be read (see above)")
    target = "the expected load" if decision.running else f"the job moves it to {expected}" if expected else ""
    return passed("load", f"{decision.describe()}{'; ' + target if target else ''}")


def _script(bench: "Bench", phone: PhoneConfig, source: str) -> Check:
    try:
        script = scripts_for(bench.config.phones, "itl_erase", source, only=[phone.name])[phone.name]
    except ConfigError as error:
        return failed("keypad script", str(error), f"add the keypad script for {phone.model} {phone.firmware} or "
                      "correct model/firmware/keypad")
    return passed("keypad script", f"{script.file}")


def _keypads(bench: "Bench", phone: PhoneConfig, facts: Facts, web_check: Check) -> list[Check]:
    """Each keypad backend can work: credentials accepted (no key pressed), head on its board."""
    if not phone.keypad:
        return [failed("keypad", "no keypad backend configured", f"give {phone.name} a keypad: list")]
    checks = []
    for index, config in enumerate(phone.keypad):
        name = f"keypad {config.backend}"
        later = [k.backend for k in phone.keypad[index + 1:]]
        if isinstance(config, OperatorKeypadConfig):
            checks.append(passed(name, "a technician presses the keys when prompted (rig needs a terminal)"))
        elif isinstance(config, HttpKeypadConfig):
            checks.append(_http_keypad(bench, phone, index, later, web_check))
        else:
            board = facts.boards.get(config.url, "not read")
            if isinstance(board, str):
                checks.append(failed(name, f"board {config.url}: {board}", "fix the board first (bench)"))
            elif config.target not in board:
                checks.append(failed(name, f"board {config.url} has no head {config.target!r} (LIST: "
                                     f"{', '.join(board) or 'none'})", f"wire a solenoid head over "
                                     f"{phone.name}'s keypad named {config.target}, or correct keypad.target"))
            else:
                checks.append(passed(name, f"board {config.url} lists {config.target}"))
    return checks


def _http_keypad(bench: "Bench", phone: PhoneConfig, index: int, later: list[str], web_check: Check) -> Check:
    name = "keypad http_execute"
    if not web_check.ok:
        return unchecked(name, "the phone's web server does not answer")
    try:
        keypad = bench.keypads(phone)[index]
    except ConfigError as error:
        return failed(name, str(error), "set the password variable")
    assert isinstance(keypad, HttpKeypad)
    try:
        keypad.check_credentials()
    except KeypadAuthError as refused:
        if later:
            return passed(name, f"refused: {refused}; keys go through {later[0]}")
        return failed(name, f"refused: {refused}", "correct keypad username/password_env, or add a "
                      "serial_actuator or operator backend after it")
    except KeypadError as error:
        return failed(name, str(error), f"check that {phone.name}'s web server answers")
    return passed(name, "credentials accepted (authenticated GET /CGI/Screenshot, no key pressed)")


def _open_console(bench: "Bench", phone: PhoneConfig) -> Console | ConsoleError | None:
    """The console opened first, so it captures while the other checks run."""
    console = bench.console(phone)
    if console is None:
        return None
    try:
        console.open()
    except ConsoleError as error:
        return error
    return console


def _console(bench: "Bench", phone: PhoneConfig, console: Console | ConsoleError | None) -> Check:
    if console is None:
        return passed("console", "none configured")
    if isinstance(console, ConsoleError):
        return failed("console", str(console), f"check console: {phone.console} (terminal server port, cable)")
    window = max(0.2, CONSOLE_WINDOW_S * bench.config.timeouts.script_scale)
    try:
        console.expect(r".", window, since=0)
        lines = console.lines_since(0)
        return passed("console", f"opened; {len(lines)} lines, last {lines[-1].strip()[:60]!r}")
    except ConsoleError:
        return passed("console", f"opened; silent for {window:g} s (an idle phone prints nothing)")
    finally:
        console.close()

