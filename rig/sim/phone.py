"""SimPhone: a Cisco IP Phone 7942 (SCCP) as the switch, meter, key board and network see it.

Life of a phone: unpowered -> booting (PoE draw rises, console prints boot lines, link and CDP
come up) -> TFTP: CTL, ITL (trust check), config (signature check) -> compare load -> fetch the
`.loads` file and its images, flash, reboot -> registered. A phone whose ITL was signed by a
certificate the cluster no longer uses rejects the new ITL and then every config, gives up after
a few tries and stays on its old load and cached config (the state rig exists to repair) until
its ITL is erased from the keypad.

Where a phone stands when the simulation starts is its scenario (`rig.sim.phone_scenario`).

Threads: the console listener and, while powered and up, the web server; a boot runs in a
thread of its own that ends when the phone settles, so an idle 240-phone bench costs nothing
but those listeners. Every delay is in device seconds through the SimClock.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Literal

import tftpy

from drivers.macaddr import normalize_mac, sep_name
from rig import trust
from rig.keyscript import KEY_NAMES
from rig.sim.clock import SimClock
from rig.sim.device_config import DeviceConfig, DeviceConfigError
from rig.sim.loads import BOOT_LOAD, OLD_LOAD, LoadFile, LoadFileError
from rig.sim.model import CdpInfo
from rig.sim.phone_console import ConsoleServer
from rig.sim.phone_http import PhoneHttpServer
from rig.sim.phone_menu import Effect, PhoneMenu
from rig.sim.phone_scenario import DEAD_AUTH_URL, starting_point
from rig.sim.pki import ClusterPki
from rig.sim.screen import render_png
from rig.sim.tftp import download

log = logging.getLogger(__name__)


PLATFORM = "Cisco IP Phone 7942"
POE_CLASS = 2
REGISTERED_WATTS = 6.3
MAX_STATUS_MESSAGES = 30
CONFIG_ATTEMPTS = 3
TFTP_TIMEOUT_FLOOR = 0.5
"""Real seconds: a TFTP timeout never shrinks below this, however fast the clock runs (a whole
bench fetching at once keeps the simulated TFTP server busy for a while)."""
TFTP_RETRIES = 3


class PhoneState(str, Enum):
    OFF = "off"
    BOOTING = "booting"
    UPGRADING = "upgrading"
    REGISTERED = "registered"
    STUCK = "stuck"  # gave up on TFTP: old load, cached config
    DARK = "dark"  # the never_returns fault: powered, but nothing comes up


@dataclass(frozen=True)
class BootLine:
    at: float  # device seconds since the boot started
    watts: float
    text: str
    link: bool = False  # Ethernet link is up from here on
    cdp: bool = False  # CDP advertisements from here on


COLD_BOOT: tuple[BootLine, ...] = (
    BootLine(0.0, 2.0, "Cisco IP Phone 7942 boot loader " + BOOT_LOAD),
    BootLine(0.8, 2.2, "Checking flash filesystem ... OK"),
    BootLine(2.0, 2.5, "Loading {load} from flash"),
    BootLine(5.0, 3.4, "ETH: link up, 100 Mbps full duplex", link=True),
    BootLine(8.0, 3.8, "CDP: sending, power requested 6.300 W, voice VLAN query", cdp=True),
    BootLine(12.0, 4.0, "DHCP: DISCOVER on VLAN 0"),
    BootLine(16.0, 4.2, "DHCP: BOUND {ip}, option 150 TFTP servers {tftp}"),
    BootLine(30.0, 5.0, "Starting application {load}"),
    BootLine(48.0, 5.6, "jvm: phone application started"),
    BootLine(62.0, 6.3, "Display: initialized"),
    BootLine(70.0, 6.3, "TFTP: requesting configuration files"),
)
"""A cold boot: about 70 device seconds from power to the first TFTP request."""
BOOT_SPREAD = 0.08
"""Phones differ: each boots up to 8 % faster or slower than COLD_BOOT (fixed per MAC), so a
bench powered up at once does not hit TFTP in lockstep."""
REBOOT_SPEEDUP = 0.6
"""The reboot after an upgrade skips power negotiation and flash checks: 60 % of a cold boot."""
FLASH_SECONDS = 20.0
FLASH_WATTS = 4.8
CONFIG_RETRY_SECONDS = 10.0
ERASE_RESTART_SECONDS = 3.0
REGISTER_SECONDS = 5.0
DARK_BLIP_SECONDS = 1.0
DARK_BLIP_WATTS = 1.0


_RUN_FIELDS = frozenset({"state", "watts", "link", "cdp", "load", "itl", "config", "http"})
"""What a boot may change (`_update`); "http" detaches the web server to be closed."""


class _Cancelled(Exception):
    """The boot this thread runs was overtaken by power_off (or a newer boot)."""


class _Run:
    """One boot of the phone; power_off cancels it."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.started = time.monotonic()


@dataclass(frozen=True)
class _Fetch:
    outcome: Literal["ok", "not_found", "timeout", "error"]
    data: bytes = b""


class SimPhone:
    """A 7942 on a switch port: PoweredDevice (switch, meter) and KeyedDevice (key board)."""

    def __init__(
        self,
        name: str,
        mac: str,
        ip: str,
        clock: SimClock,
        *,
        scenario: str,
        pki: ClusterPki,
        cucm_auth_url: str,
        tftp_servers: Sequence[tuple[str, int]],
        initial_load: str = OLD_LOAD,
        http_port: int = 0,
        console_host: str = "127.0.0.1",
        console_port: int = 0,
        never_returns: bool = False,
        lost_keys: int = 0,
        console_garbage: bool = False,
    ) -> None:
        if not ipaddress.ip_address(ip).is_loopback:
            raise ValueError(f"phone {name}: refusing non-loopback address {ip}")
        if not tftp_servers:
            raise ValueError(f"phone {name}: needs at least one TFTP server")
        self.name = name
        self.mac = normalize_mac(mac)
        self.device_name = sep_name(self.mac)
        try:
            self._start = starting_point(scenario, self.device_name, pki, CONFIG_ATTEMPTS)
        except ValueError as error:
            raise ValueError(f"phone {name}: {error}") from None
        self.ip = ip
        self.clock = clock
        self.scenario = scenario
        self.tftp_servers = list(tftp_servers)
        self.http_port = http_port
        self.never_returns = never_returns
        self._lost_keys = lost_keys
        self._console = ConsoleServer(console_host, console_port, garbage=console_garbage,
                                      seed=int(self.mac, 16), name=name)
        self._lock = threading.Lock()
        self._run: _Run | None = None
        self._http: PhoneHttpServer | None = None
        self._menu = PhoneMenu(idle_lines=self._idle_lines, page_lines=self._page_lines)
        self._messages: list[str] = []
        self._preferred_tftp = 0
        self._pace = 1.0 + BOOT_SPREAD * ((int(self.mac, 16) * 2654435761 % 1001) / 500 - 1.0)
        # Steady state (set for real by start()).
        self._state = PhoneState.OFF
        self._watts = 0.0
        self._link = False
        self._cdp = False
        self._load = initial_load
        self._itl = self._start.itl
        auth_url = DEAD_AUTH_URL if self._start.stuck else cucm_auth_url
        self._config = DeviceConfig(self.device_name, initial_load, auth_url)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Open the console port and put the phone in its scenario's steady state (powered)."""
        self._console.start()
        with self._lock:
            self._start_http()
            self._watts, self._link, self._cdp = REGISTERED_WATTS, True, True
            self._messages = [self._stamp(m) for m in self._start.status_messages]
            self._state = PhoneState.STUCK if self._start.stuck else PhoneState.REGISTERED

    def stop(self) -> None:
        self._power_down()
        self._console.stop()

    @property
    def console_address(self) -> tuple[str, int]:
        return self._console.address

    @property
    def state(self) -> PhoneState:
        return self._state

    @property
    def load(self) -> str:
        return self._load

    @property
    def holds_itl(self) -> bool:
        return self._itl is not None

    # -- PoweredDevice ------------------------------------------------------------------------
    def power_on(self) -> None:
        with self._lock:
            if self._state is not PhoneState.OFF:
                return  # `power inline auto` on a powered port changes nothing
            run = self._begin_run()
            self._state = PhoneState.DARK if self.never_returns else PhoneState.BOOTING
            self._watts = DARK_BLIP_WATTS if self.never_returns else COLD_BOOT[0].watts  # PoE is on at once
            self._messages = []  # status messages live in RAM: a power cut clears them
        target = self._stay_dark if self.never_returns else self._boot_and_provision
        threading.Thread(target=target, args=(run,), name=f"phone-{self.name}", daemon=True).start()

    def power_off(self) -> None:
        self._power_down()

    @property
    def draw_watts(self) -> float:
        return self._watts

    @property
    def poe_class(self) -> int:
        return POE_CLASS

    def cdp(self) -> CdpInfo | None:
        if not self._cdp:
            return None
        return CdpInfo(self.device_name, PLATFORM, self.ip, "Port 1", "Host Phone", self._load, REGISTERED_WATTS)

    def link_up(self) -> bool:
        return self._link

    # -- KeyedDevice ------------------------------------------------------------------------
    def press_key(self, key: str) -> None:
        """A solenoid presses `key` (it may miss: the lost_keys fault); unknown names raise ValueError."""
        self._key(key, physical=True)

    def execute_key(self, key: str) -> None:
        """`Key:<name>` from an authenticated /CGI/Execute request; never lost."""
        self._key(key, physical=False)

    def _key(self, key: str, *, physical: bool) -> None:
        if key not in KEY_NAMES:
            raise ValueError(f"phone {self.name}: unknown key {key!r}")
        with self._lock:
            if physical and self._lost_keys > 0:
                self._lost_keys -= 1
                return  # the solenoid missed the key
            if self._state not in (PhoneState.REGISTERED, PhoneState.STUCK):
                return  # nothing on screen reacts while the phone is off or booting
            effect = self._menu.press(key)
            if effect is Effect.ERASE_TRUST_LISTS:
                self._erase_trust_lists()

    # -- what the web server shows ---------------------------------------------------------
    def device_information(self) -> Sequence[tuple[str, str]]:
        now = datetime.now()
        return [
            ("MACAddress", self.mac), ("HostName", self.device_name), ("phoneDN", self._dn()),
            ("appLoadID", self._load), ("bootLoadID", BOOT_LOAD), ("versionID", self._load),
            ("addonModule1", ""), ("addonModule2", ""), ("hardwareRevision", "2"),
            ("serialNumber", self._serial()), ("modelNumber", "CP-7942G"), ("MessageWaiting", "No"),
            ("udi", f"phone Cisco Unified IP Phone 7942G, Global V01 {self._serial()}"),
            ("time", now.strftime("%I:%M:%S%p").lower()), ("timezone", "UTC"), ("date", now.strftime("%b %d, %Y")),
        ]

    def network_configuration(self) -> Sequence[tuple[str, str]]:
        tftp = [host for host, _ in self.tftp_servers]
        return [
            ("DHCPServer", "127.0.0.1"), ("BOOTPServer", "No"), ("MACAddress", self.mac),
            ("HostName", self.device_name), ("DomainName", "rig.sim"), ("IPAddress", self.ip),
            ("SubNetMask", "255.0.0.0"), ("TFTPServer1", tftp[0]), ("DefaultRouter1", "127.0.0.1"),
            ("DNSServer1", "127.0.0.1"), ("OperationalVLANId", ""), ("AdminVLANId", ""),
            ("CallManager1", f"{self._config.call_manager}  Active"), ("InformationURL", ""),
            ("DirectoriesURL", ""), ("MessagesURL", ""), ("ServicesURL", ""), ("DHCPEnabled", "Yes"),
            ("DHCPAddressReleased", "No"), ("AltTFTP", "Yes" if len(tftp) > 1 else "No"),
            ("TFTPServer2", tftp[1] if len(tftp) > 1 else ""), ("IdleURL", ""), ("IdleURLTime", "0"),
            ("ProxyServerURL", ""), ("AuthenticationURL", self._config.authentication_url),
            ("SWPortConfiguration", "Auto Negotiate"), ("PCPortConfiguration", "Auto Negotiate"),
            ("SecurityMode", "Non-Secure"),
        ]

    def status_messages(self) -> Sequence[str]:
        with self._lock:
            return list(self._messages)

    def authentication_url(self) -> str:
        return self._config.authentication_url

    def screenshot_png(self) -> bytes:
        with self._lock:
            screen = self._menu.screen()
        return render_png(screen)

    # -- the boot ----------------------------------------------------------------------------
    def _boot_and_provision(self, run: _Run) -> None:
        """A full boot (power-up, or the restart after an ITL erase) until the phone settles."""
        try:
            self._boot(run, speed=1.0)
            while True:
                config = self._provision(run)
                if config is None:
                    self._settle(run, PhoneState.STUCK, "SCCP: keeping cached configuration")
                    return
                self._update(run, config=config)
                if config.load_id == self._load or not self._upgrade(run, config.load_id):
                    self._wait(run, REGISTER_SECONDS)
                    self._settle(run, PhoneState.REGISTERED, f"SCCP: registered to {config.call_manager}")
                    return
                self._boot(run, speed=REBOOT_SPEEDUP)
        except _Cancelled:
            return
        except Exception:  # a simulator bug must not leave a phone half-booted without a word
            log.exception("phone %s: boot failed", self.name)

    def _stay_dark(self, run: _Run) -> None:
        """The never_returns fault: a PoE detection blip, then nothing."""
        try:
            self._wait(run, DARK_BLIP_SECONDS)
            self._update(run, watts=0.0)
        except _Cancelled:
            pass

    def _boot(self, run: _Run, *, speed: float) -> None:
        self._update(run, state=PhoneState.BOOTING)
        run.started = time.monotonic()
        self._preferred_tftp = 0
        elapsed = 0.0
        values = {"load": self._load, "ip": self.ip, "tftp": ", ".join(h for h, _ in self.tftp_servers)}
        for line in COLD_BOOT:
            at = line.at * speed * self._pace
            self._wait(run, at - elapsed)
            elapsed = at
            changes: dict[str, object] = {"watts": line.watts}
            if line.link:
                changes["link"] = True
            if line.cdp:
                changes["cdp"] = True
            self._update(run, **changes)
            self._say(run, line.text.format(**values))

    def _provision(self, run: _Run) -> DeviceConfig | None:
        """CTL, ITL and config over TFTP; the accepted config, or None when the phone gives up."""
        ctl = f"CTL{self.device_name}.tlv"
        if self._fetch(run, ctl).outcome == "not_found":
            self._status(run, f"File Not Found : {ctl}")
        self._take_itl(run)
        signed = f"{self.device_name}.cnf.xml.sgn"
        for attempt in range(CONFIG_ATTEMPTS):
            if attempt:
                self._wait(run, CONFIG_RETRY_SECONDS)
            config = self._take_config(run, signed)
            if config is not None:
                return config
            self._status(run, f"TFTP Timeout : {signed}")
        return None

    def _take_itl(self, run: _Run) -> None:
        name = f"ITL{self.device_name}.tlv"
        fetched = self._fetch(run, name)
        if fetched.outcome == "not_found" and self._itl is None:
            self._status(run, "No Trust List Installed")
        if fetched.outcome != "ok":
            return
        try:
            new = trust.parse(fetched.data)
        except trust.TrustFileError as error:
            self._say(run, f"ITL: {name} unreadable: {error}")
            self._status(run, "Trust List Update Failed")
            return
        held = self._itl
        verdict = trust.Verdict(True, None) if held is None else trust.verify(new, itl=held)
        if verdict.valid:
            self._update(run, itl=new)
            self._status(run, "Trust List Updated")
        else:
            self._say(run, f"ITL: {name} rejected: {verdict.reason}")
            self._status(run, "Trust List Update Failed")

    def _take_config(self, run: _Run, signed: str) -> DeviceConfig | None:
        """The config, if it is signed by a TFTP signer of the held ITL (or unsigned, with none)."""
        if self._itl is None:
            plain = signed.removesuffix(".sgn")
            fetched = self._fetch(run, plain)
            return self._read_config(run, fetched.data, plain) if fetched.outcome == "ok" else None
        fetched = self._fetch(run, signed)
        if fetched.outcome != "ok":
            return None
        try:
            sgn = trust.parse(fetched.data)
        except trust.TrustFileError as error:
            self._say(run, f"CFG: {signed} unreadable: {error}")
            return None
        verdict = trust.verify(sgn, itl=self._itl)
        if not verdict.valid or sgn.payload is None:
            self._say(run, f"CFG: {signed} signature not trusted: {verdict.reason}")
            return None
        return self._read_config(run, sgn.payload, signed)

    def _read_config(self, run: _Run, data: bytes, name: str) -> DeviceConfig | None:
        try:
            return DeviceConfig.parse(data, name)
        except DeviceConfigError as error:
            self._say(run, f"CFG: {error}")
            return None

    def _upgrade(self, run: _Run, load_id: str) -> bool:
        """Fetch the load file and every image it names, then flash: True when the load changed."""
        self._say(run, f"LOAD: configured {load_id}, running {self._load}: upgrading")
        name = f"{load_id}.loads"
        fetched = self._fetch(run, name)
        if fetched.outcome != "ok":
            self._status(run, f"TFTP Error : {name}")
            return False
        try:
            load = LoadFile.parse(fetched.data, name)
        except LoadFileError as error:
            self._say(run, f"LOAD: {error}")
            self._status(run, f"TFTP Error : {name}")
            return False
        self._update(run, state=PhoneState.UPGRADING)
        for image in load.images:
            got = self._fetch(run, image.name)
            if got.outcome != "ok" or not image.matches(got.data):
                self._status(run, f"TFTP Error : {image.name}")
                return False
        self._update(run, watts=FLASH_WATTS)
        for image in load.images:
            self._say(run, f"LOAD: writing {image.name} ({image.size} bytes) to flash")
            self._wait(run, FLASH_SECONDS / len(load.images))
        self._update(run, load=load.load_id, link=False, cdp=False)
        self._say(run, f"LOAD: upgrade to {load.load_id} complete, rebooting")
        return True

    def _settle(self, run: _Run, state: PhoneState, line: str) -> None:
        self._say(run, line)
        with self._lock:
            self._check(run)
            self._start_http()  # listening before the state says so: whoever sees it may connect
            self._watts = REGISTERED_WATTS
            self._menu.reset()
            self._state = state

    # -- TFTP client -------------------------------------------------------------------------
    def _fetch(self, run: _Run, name: str) -> _Fetch:
        """Download `name` into memory from the TFTP servers, the last one that answered first."""
        order = self._preferred_tftp
        servers = self.tftp_servers[order:] + self.tftp_servers[:order]
        timeout = max(TFTP_TIMEOUT_FLOOR, self.clock.seconds(4.0))
        for host, port in servers:
            self._check(run)
            try:
                data = download(host, port, name, localip=self.ip, timeout=timeout, retries=TFTP_RETRIES)
            except tftpy.TftpTimeout:
                self._say(run, f"TFTP: {name}: no answer from {host}:{port}")
                continue
            except tftpy.TftpFileNotFoundError:
                self._prefer(host, port)
                self._say(run, f"TFTP: {name}: File not found on {host}:{port}")
                return _Fetch("not_found")
            except (tftpy.TftpException, OSError) as error:
                self._prefer(host, port)
                self._say(run, f"TFTP: {name}: error from {host}:{port}: {error}")
                return _Fetch("error")
            self._prefer(host, port)
            self._say(run, f"TFTP: {name}: {len(data)} bytes from {host}:{port}")
            return _Fetch("ok", data)
        return _Fetch("timeout")

    def _prefer(self, host: str, port: int) -> None:
        self._preferred_tftp = self.tftp_servers.index((host, port))

    # -- effects of keys ---------------------------------------------------------------------
    def _erase_trust_lists(self) -> None:
        """(lock held) Soft2 on the erase confirmation: drop the ITL, restart shortly after."""
        run = self._begin_run()
        self._itl = None
        self._append_status("Erasing CTL and ITL files")
        self._console.write_line(self._console_text(run, "Erasing CTL and ITL files"))
        threading.Thread(target=self._restart, args=(run,), name=f"phone-{self.name}", daemon=True).start()

    def _restart(self, run: _Run) -> None:
        try:
            self._wait(run, ERASE_RESTART_SECONDS)
            self._say(run, "Restarting ...")
            http = self._update(run, state=PhoneState.BOOTING, link=False, cdp=False, watts=1.5, http=None)
            if http is not None:
                http.close()
        except _Cancelled:
            return
        self._boot_and_provision(run)

    # -- state changes, all under the lock and only for the current boot ---------------------
    def _begin_run(self) -> _Run:
        """(lock held) A new boot replaces whatever boot was running."""
        if self._run is not None:
            self._run.cancelled.set()
        self._run = _Run()
        return self._run

    def _check(self, run: _Run) -> None:
        if run.cancelled.is_set():
            raise _Cancelled

    def _wait(self, run: _Run, device_seconds: float) -> None:
        if device_seconds > 0 and not self.clock.sleep(device_seconds, stop=run.cancelled):
            raise _Cancelled

    def _update(self, run: _Run, **changes: object) -> PhoneHttpServer | None:
        """Apply changes for `run` (or raise _Cancelled); returns the detached web server, if asked."""
        unknown = set(changes) - _RUN_FIELDS
        if unknown:
            raise TypeError(f"phone {self.name}: no such state field {sorted(unknown)}")
        detached = None
        with self._lock:
            self._check(run)
            for key, value in changes.items():
                if key == "http":
                    detached, self._http = self._http, None
                else:
                    setattr(self, f"_{key}", value)
        return detached

    def _power_down(self) -> None:
        with self._lock:
            if self._run is not None:
                self._run.cancelled.set()
                self._run = None
            self._state = PhoneState.OFF
            self._watts, self._link, self._cdp = 0.0, False, False
            self._menu.reset()
            http, self._http = self._http, None
        if http is not None:
            http.close()

    def _start_http(self) -> None:
        """(lock held) The web server comes up once the phone application has settled."""
        if self._http is not None:
            return
        try:
            self._http = PhoneHttpServer(self, self.ip, self.http_port)
        except OSError as error:
            self._append_status(f"HTTP Error : {error.strerror}")
            return
        self.http_port = self._http.port  # the same port after every boot, as in the lab config

    # -- console and status messages ---------------------------------------------------------
    def _say(self, run: _Run, text: str) -> None:
        self._check(run)
        self._console.write_line(self._console_text(run, text))

    def _console_text(self, run: _Run, text: str) -> str:
        uptime = (time.monotonic() - run.started) / self.clock.scale
        return f"{uptime:9.3f} {self.device_name} {text}"

    def _status(self, run: _Run, message: str) -> None:
        """A status message: on the Status Messages page and printed on the console."""
        with self._lock:
            self._check(run)
            self._append_status(message)
        self._say(run, f"STATUS: {message}")

    def _append_status(self, message: str) -> None:
        self._messages = [*self._messages, self._stamp(message)][-MAX_STATUS_MESSAGES:]

    @staticmethod
    def _stamp(message: str) -> str:
        return f"{datetime.now().strftime('%I:%M:%S%p').lower()[:-1]} {message}"

    # -- what the phone shows about itself ------------------------------------------------
    def _dn(self) -> str:
        return str(2000 + int(self.mac, 16) % 8000)

    def _serial(self) -> str:
        return f"FCH{int(self.mac, 16) % 10**8:08d}"

    def _idle_lines(self) -> Sequence[str]:
        registered = self._state is PhoneState.REGISTERED
        return (f"{self._dn()}", datetime.now().strftime("%H:%M %m/%d/%y"),
                "" if registered else "Registering")

    def _page_lines(self, page: str) -> Sequence[str]:
        if page == "itl":
            if self._itl is None:
                return ("Not Installed",)
            sast = self._itl.records_with("SAST")
            return (f"{len(self._itl.records)} records", f"Signer: {self._itl.signer.name}",
                    *(f"SAST {r.subject}" for r in sast[:1]))
        if page == "ctl":
            return ("Not Installed",)
        if page == "network":
            return (f"IP Address {self.ip}", f"TFTP Server 1 {self.tftp_servers[0][0]}")
        if page == "model":
            return ("Model Number CP-7942G", f"MAC Address {self.mac}", f"App Load ID {self._load}")
        if page == "status":
            return tuple(self._messages[-6:])
        return ()
