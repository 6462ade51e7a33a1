"""What a diagnostics bundle holds, gathered read-only: the phone's own pages, its switch port's
CDP/LLDP detail and PoE row, the switch's `show version`, and the last run's console log,
journal and fetched files.

Nothing here powers a port, presses a key or writes to a phone: the switch is asked `show`
commands only (IosSwitch.show_text refuses anything else), the phone GET requests. Credentials
are used for the one authenticated page (the screenshot, when asked for) and never stored; they
are handed to the redactor so that, should a device ever echo one, it is removed too. Every
item that cannot be read is recorded with the reason, which is evidence as well (what a phone
with Web Access off answers).
"""

from __future__ import annotations

import getpass
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from ipaddress import ip_address
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rig.config.base import Credentials
from rig.config.lab import HttpKeypadConfig, PhoneConfig, SerialKeypadConfig
from rig.diagnostics.redact import HEX, Known
from rig.diagnostics.runs import last_run_files
from rig.drivers.bounded import abandoning_on_interrupt
from rig.drivers.ios_switch import SwitchError
from rig.drivers.phone_pages import flat_fields
from rig.drivers.phone_web import PhoneWebError, WebAccessOff
from rig.errors import ConfigError
from rig.phone.profiles import profile_for

if TYPE_CHECKING:
    from rig.bench.build import Bench

PAGES = (
    ("device_information.xml", "device_info", ("web.device_info", "web.access_off")),
    ("network_configuration.xml", "network_config", ("web.access_off",)),
    ("status_messages.html", "status_messages", ("web.status_messages", "web.access_off")),
)
PORT_COMMANDS = (
    ("cdp_detail.txt", "show cdp neighbors {port} detail", ("cdp.version", "cdp.platform")),
    ("lldp_detail.txt", "show lldp neighbors {port} detail", ("lldp.software_revision",)),
    ("power_inline.txt", "show power inline {port}", ("restart_after_erase",)),
)
LEARNED = (
    ("hostname", r"<HostName>\s*([^<\s]+)"), ("hostname", r"<DomainName>\s*([^<\s]+)"),
    ("serial", r"<serialNumber>\s*([^<\s]+)"), ("phone number", r"<phoneDN>\s*([^<\s]+)"),
    ("hostname", r"(?m)^(\S+) uptime is"), ("serial", r"(?i)system serial number\s*:\s*(\S+)"),
    ("serial", r"Processor board ID (\S+)"), ("hostname", r"(?m)^Device ID:\s*(\S+)"),
    ("hostname", r"System Name:\s*(\S+)"), ("hostname", r"CN=([^;,/\s]+)"),
)
"""Identifiers the devices name in what they answer (host names, serial numbers, numbers)."""
MAX_THREADS = 32
"""Phones read at once (as many as a switch's sessions and the phones' web servers bear)."""
SHORT_NAME = 4
"""A host name's first label this long or longer is redacted on its own too (`cucm-pub`)."""


@dataclass
class Collected:
    files: dict[str, bytes] = field(default_factory=dict)
    """Bundle path -> content as the device or run wrote it (redacted only when written)."""
    bears_on: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Bundle path -> the fact ids (rig.diagnostics.catalog) it is evidence for."""
    missing: dict[str, str] = field(default_factory=dict)
    """Bundle path -> why it could not be collected."""
    phones: list[dict[str, str]] = field(default_factory=list)
    run: str | None = None
    known: Known = field(default_factory=Known)

    def add(self, path: str, data: bytes, facts: tuple[str, ...] = ()) -> None:
        self.files[path] = data
        self.bears_on[path] = facts
        text = data.decode("latin-1")
        for kind, pattern in LEARNED:
            for value in re.findall(pattern, text):
                if not _is_ip(value) and not re.search(f"[{HEX}]{{12}}", value):  # a MAC is one already
                    self.known.add(kind, value)
                    short = value.split(".")[0]
                    if kind == "hostname" and short != value and len(short) >= SHORT_NAME:
                        self.known.add(kind, short)


def _is_ip(value: str) -> bool:
    try:
        ip_address(value)
    except ValueError:
        return False
    return True


def collect(bench: "Bench", phones: list[PhoneConfig], runs_dir: Path, *, screenshots: bool = False) -> Collected:
    """Everything about `phones`, each phone's reads in a thread of its own (they wait on the
    network; the switch's sessions are shared as in a run), merged in config order."""
    found = Collected()
    found.known = configured_identifiers(bench, runs_dir)
    run = last_run_files(runs_dir, [p.name for p in phones], screens=screenshots)
    if run is not None:
        found.run = run.run_id
        for path, (data, facts) in run.files.items():
            found.add(path, strip_png(data) if path.endswith(".png") else data, facts)
    for switch in sorted({p.switch for p in phones if p.switch is not None}):
        _switch_text(bench, switch, f"switches/{switch}/show_version.txt", "show version", (), found)
    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(phones) or 1)) as pool, abandoning_on_interrupt():
        for part in pool.map(lambda phone: _phone(bench, phone, screenshots), phones):
            found.files |= part.files
            found.bears_on |= part.bears_on
            found.missing |= part.missing
            found.phones += part.phones
            for kind, values in part.known.values.items():
                found.known.add(kind, *values)
    return found


def _phone(bench: "Bench", phone: PhoneConfig, screenshots: bool) -> Collected:
    found = Collected()
    try:
        profile = profile_for(phone.model, phone.firmware).name
    except ConfigError as error:  # still worth collecting: the bundle shows what the phone is
        profile = f"none ({error})"
    _pages(bench, phone, found, screenshots)
    page = flat_fields(found.files.get(f"phones/{phone.name}/device_information.xml", b"<x/>"))
    found.phones.append({"name": phone.name, "model": phone.model, "firmware": phone.firmware, "profile": profile,
                         "reported_model": page.get("modelNumber", "").strip(),
                         "reported_load": page.get("versionID", "").strip()})
    if phone.switch is not None and phone.port is not None:
        for name, command, facts in PORT_COMMANDS:
            _switch_text(bench, phone.switch, f"phones/{phone.name}/{name}", command.format(port=phone.port),
                         facts, found)
    return found


def _pages(bench: "Bench", phone: PhoneConfig, found: Collected, screenshots: bool) -> None:
    web = bench.web(phone)
    base = f"phones/{phone.name}"
    if web is None:
        for name, _, _ in PAGES:
            found.missing[f"{base}/{name}"] = "no ip configured"
        return
    for name, attribute, facts in PAGES:
        try:
            found.add(f"{base}/{name}", web.page(getattr(web.paths, attribute)), facts)
        except WebAccessOff as off:
            found.missing[f"{base}/{name}"] = f"web access off: {off.reason}"
        except PhoneWebError as error:
            found.missing[f"{base}/{name}"] = str(error)
    if not screenshots:
        return
    keypad = next((k for k in phone.keypad if isinstance(k, HttpKeypadConfig)), None)
    path = f"{base}/screenshot.png"
    if keypad is None:
        found.missing[path] = "no http_execute keypad: no credentials for /CGI/Screenshot"
        return
    try:
        found.add(path, strip_png(web.screenshot(keypad.username, keypad.secret() or "")), ("key_path",))
    except (PhoneWebError, ConfigError) as error:
        found.missing[path] = str(error)


def _switch_text(bench: "Bench", switch: str, path: str, command: str, facts: tuple[str, ...],
                 found: Collected) -> None:
    try:
        found.add(path, bench.switch(switch).show_text(command).encode("utf-8"), facts)
    except SwitchError as error:
        found.missing[path] = str(error)


PNG_KEPT = (b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS")
"""The chunks that draw the image; every other one (text, time, ICC profile, EXIF) is dropped."""


def strip_png(data: bytes) -> bytes:
    """The PNG with only the chunks that draw it: no text metadata survives."""
    out, at = [data[:8]], 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        chunk = data[at:at + 12 + length]
        if chunk[4:8] in PNG_KEPT:
            out.append(chunk)
        at += 12 + length
    return b"".join(out)


def configured_identifiers(bench: "Bench", runs_dir: Path) -> Known:
    """Every identifier the config (all its phones, not only those collected: a run's journal
    names them all) and this host name: they are redacted wherever they appear."""
    known = Known()
    config = bench.config
    known.add("bench", config.bench)
    for phone in config.phones:
        known.add("mac", phone.mac)
        known.add("phone name", phone.name)
        known.add("ip", str(phone.ip) if phone.ip else None)
        _host(known, _url_host(phone.console))
        for keypad in phone.keypad:
            if isinstance(keypad, HttpKeypadConfig):
                known.add("user", keypad.username)
                _secret(keypad, known)
            elif isinstance(keypad, SerialKeypadConfig):
                _host(known, _url_host(keypad.url))
    for instrument in config.instruments.values():
        parts = instrument.resource.split("::")  # TCPIP::host::port::SOCKET
        _host(known, parts[1] if len(parts) > 1 and parts[0].upper().startswith("TCPIP") else None)
    for name, switch in config.switches.items():
        known.add("hostname", name)  # a switch is usually named after its host name
        _host(known, switch.host)
        known.add("user", switch.username)
        known.add("secret", os.environ.get(switch.enable_secret_env) if switch.enable_secret_env else None)
        _secret(switch, known)
    tap = config.tftp_tap
    if tap is not None:
        servers = [tap.listen, tap.upstream] + ([tap.load_server.listen, tap.load_server.upstream] if tap.load_server else [])
        for server in servers:
            _host(known, server.host if server else None)
    cucm = config.cucm
    if cucm is not None:
        _host(known, cucm.tftp.host)
        for service in (cucm.risport, cucm.axl):
            if service is not None:
                _host(known, service.host)
                known.add("user", service.username)
                _secret(service, known)
    known.add("user", getpass.getuser())
    for directory in (Path.home(), Path.cwd(), runs_dir.resolve(),
                      bench.source.path.parent if bench.source else None):
        if directory is not None and len(directory.parts) > 1:
            known.add("directory", str(directory))
    return known


def _url_host(url: str | None) -> str | None:
    """The host of `socket://host:port` or `rfc2217://host:port`; None for a device path."""
    return urlsplit(url).hostname if url and "://" in url else None


def _host(known: Known, host: str | None) -> None:
    known.add("ip" if host and _is_ip(host) else "hostname", host)


def _secret(holder: Credentials, known: Known) -> None:
    try:
        known.add("secret", holder.secret())
    except ConfigError:  # an unset variable: nothing to hide, nothing was used
        pass
