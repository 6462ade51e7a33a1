"""SimPhone: a Cisco IP Phone 7942 (SCCP) as the switch, meter, key board and network see it.

Life of a phone: unpowered -> booting (PoE draw rises, console prints boot lines, link and CDP
come up) -> TFTP: CTL, ITL (trust check), config (signature check) -> compare load -> fetch the
`.loads` file and its images, flash, reboot -> registered. A phone whose ITL trusts neither the
cluster's signer nor a TVS that vouches for it (rig.sim.tvs) rejects the new ITL and every config,
gives up after a few tries and keeps its old load and cached config until its ITL is erased.

Where a phone stands when the simulation starts is its scenario (`rig.sim.phone_scenario`); the
TFTP work of a boot is `rig.sim.phone_provision`, its timing `rig.sim.phone_boot`, its web pages
`rig.sim.phone_pages`. Its web server runs only while its configuration enables web access.

Threads: the console listener and, while up, the web server; a boot runs in a thread that ends
when the phone settles (an idle bench costs only listeners). Delays are device seconds (SimClock).
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Sequence

from rig import trust
from rig.sim.chaos import ExchangeFaults
from rig.sim.clock import SimClock
from rig.sim.device_config import DeviceConfig
from rig.sim.loads import OLD_LOAD, app_image
from rig.sim.model import CdpInfo
from rig.sim.names import KEY_NAMES, canonical_mac, device_name
from rig.sim.observe import KeyEvent, PhoneStatus
from rig.sim import phone_display as display
from rig.sim.phone_boot import (
    COLD_BOOT, CONFIG_ATTEMPTS, DARK_BLIP_SECONDS, DARK_BLIP_WATTS, ERASE_RESTART_SECONDS,
    MAX_STATUS_MESSAGES, POE_CLASS, REBOOT_SPEEDUP, REGISTER_SECONDS, REGISTERED_WATTS, BOOT_SPREAD, PhoneState,
)
from rig.sim.phone_console import ConsoleServer
from rig.sim.http_server import free_tcp_port
from rig.sim.phone_http import PhoneHttpServer, RequestDrops
from rig.sim.phone_menu import Effect, PhoneMenu
from rig.sim.phone_shape import PhoneShape
from rig.sim.phone_pages import PhoneFacts, stamped
from rig.sim.phone_provision import Provisioner
from rig.sim.peers import PeerNetwork
from rig.sim.phone_run import BootRun, Cancelled
from rig.sim.phone_scenario import DEAD_AUTH_URL, starting_point
from rig.sim.pki import ClusterPki
from rig.sim.sccp import CallControl
from rig.sim.screen import render_png

log = logging.getLogger(__name__)

_RUN_FIELDS = frozenset({"state", "watts", "link", "cdp", "load", "itl", "config", "http"})
"""What a boot may change (`boot_update`); "http" detaches the web server to be closed."""


class SimPhone:
    """A 7942 on a switch port: PoweredDevice (switch, meter) and KeyedDevice (key board)."""

    def __init__(
        self,
        name: str, mac: str, ip: str,
        clock: SimClock,
        *,
        scenario: str,
        pki: ClusterPki,
        cucm_auth_url: str,
        tftp_servers: Sequence[tuple[str, int]],
        tvs: tuple[str, int] | None = None,
        peers: PeerNetwork | None = None,
        call_control: CallControl | None = None,
        initial_load: str = OLD_LOAD,
        http_port: int = 0, console_host: str = "127.0.0.1", console_port: int = 0,
        never_returns: bool = False, lost_keys: int = 0, http_drops: int = 0, console_garbage: bool = False,
        web_access: bool = True, shape: PhoneShape = PhoneShape(),
    ) -> None:
        if not ipaddress.ip_address(ip).is_loopback:
            raise ValueError(f"phone {name}: refusing non-loopback address {ip}")
        if not tftp_servers:
            raise ValueError(f"phone {name}: needs at least one TFTP server")
        self.name = name
        self.mac = canonical_mac(mac)
        self.device_name = device_name(self.mac)
        try:
            self._start = starting_point(scenario, self.device_name, pki, CONFIG_ATTEMPTS)
        except ValueError as error:
            raise ValueError(f"phone {name}: {error}") from None
        self.ip = ip
        self.shape = shape
        self.clock = clock
        self.scenario = scenario
        self.tftp_servers, self.tvs, self.peers = list(tftp_servers), tvs, peers
        self.call_control = call_control or CallControl()  # rig.sim.sccp: registers where its config says
        self.http_port = http_port
        self.never_returns = never_returns
        self.lost_keys = lost_keys
        """Presses the solenoid will still miss (the lost_keys fault; may be changed while running)."""
        self.exchange_faults: ExchangeFaults | None = None  # rig.sim.chaos: random faults of its web requests
        self.request_drops = RequestDrops(http_drops)  # the http_drops fault, for the web server
        self._console = ConsoleServer(console_host, console_port, garbage=console_garbage, seed=int(self.mac, 16), name=name)
        self._lock = threading.Lock()
        self._run: BootRun | None = None
        self._http: PhoneHttpServer | None = None
        self._menu = PhoneMenu(idle_lines=lambda: display.idle_lines(self._dn, self._state is PhoneState.REGISTERED),
                               page_lines=self._page_lines, erase_keys=shape.erase_softkeys)
        self._messages: list[str] = []
        self._keys: list[KeyEvent] = []
        self._dn = shape.dn or display.directory_number(self.mac)
        self._pace = 1.0 + BOOT_SPREAD * ((int(self.mac, 16) * 2654435761 % 1001) / 500 - 1.0)
        # Steady state (set for real by start()).
        self._state = PhoneState.OFF
        self._watts, self._link, self._cdp = 0.0, False, False
        self._load = initial_load
        self._itl = self._start.itl
        auth_url = DEAD_AUTH_URL if self._start.stuck else cucm_auth_url
        self._config = DeviceConfig(self.device_name, initial_load, auth_url, web_access=web_access)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Open the console port and put the phone in its scenario's steady state (powered)."""
        self._console.start()
        self.http_port = self.http_port or free_tcp_port(self.ip)
        with self._lock:
            self._serve_web()
            self._watts, self._link, self._cdp = REGISTERED_WATTS, True, True
            self._messages = [stamped(m) for m in self._start.status_messages]
            self._state = PhoneState.STUCK if self._start.stuck else PhoneState.REGISTERED

    def stop(self) -> None:
        self._power_down()
        self._console.stop()

    @property
    def console_address(self) -> tuple[str, int]:
        return self._console.address

    @property
    def held_itl(self) -> trust.TrustFile | None:
        return self._itl

    # -- what observers read (rig.sim.observe) ----------------------------------------------
    def status(self) -> PhoneStatus:
        with self._lock:
            return PhoneStatus(self._state.value, self._load, self._itl is not None, self._watts,
                               self._config.web_access, self._config.authentication_url)

    def keys_received(self) -> list[KeyEvent]:
        with self._lock:
            return list(self._keys)

    def set_web_access(self, enabled: bool) -> None:
        """The phone's configuration now enables (or disables) its web server, as after a
        configuration change from CUCM; takes effect at once."""
        with self._lock:
            self._config = self._config.with_web_access(enabled)
            up = self._state in (PhoneState.REGISTERED, PhoneState.STUCK)
            closing = self._serve_web() if up else None
        if closing is not None:
            closing.close()

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
        return CdpInfo(self.device_name, self.shape.platform, self.ip, "Port 1", "Host Phone Two-port Mac Relay",
                       self._load, REGISTERED_WATTS)

    def link_up(self) -> bool:
        return self._link

    # -- KeyedDevice ------------------------------------------------------------------------
    def press_key(self, key: str) -> None:
        """A solenoid presses `key` (it may miss: the lost_keys fault); unknown names raise ValueError."""
        self._key(key, physical=True)

    def execute_key(self, key: str) -> None:
        """`Key:<name>` from an authenticated /CGI/Execute request; never lost."""
        self._key(key, physical=False)

    def init_application(self, app: str) -> None:
        """`Init:<app>` from an authenticated /CGI/Execute request (rig.sim.phone_menu.PhoneMenu.init)."""
        with self._lock:
            self._menu.init(app)

    def _key(self, key: str, *, physical: bool) -> None:
        if key not in KEY_NAMES:
            raise ValueError(f"phone {self.name}: unknown key {key!r}")
        with self._lock:
            missed = physical and self.lost_keys > 0
            self._keys.append(KeyEvent(key, "actuator" if physical else "http", not missed))
            if missed:
                self.lost_keys -= 1
                return  # the solenoid missed the key
            if self._state not in (PhoneState.REGISTERED, PhoneState.STUCK):
                return  # nothing on screen reacts while the phone is off or booting
            effect = self._menu.press(key)
            if effect is Effect.ERASE_TRUST_LISTS:
                self._erase_trust_lists()

    # -- what the web server shows ---------------------------------------------------------
    def facts(self) -> PhoneFacts:
        with self._lock:
            load, config = self._load, self._config
        return PhoneFacts(
            mac=self.mac, device_name=self.device_name, dn=self._dn, load=load, app_image=app_image(load),
            boot_load=self.shape.boot_load, serial=self.shape.serial or display.serial_number(self.mac),
            model=self.shape.model, product=self.shape.product, hardware_revision=self.shape.hardware_revision,
            ip=self.ip, tftp_servers=tuple(host for host, _ in self.tftp_servers), call_manager=config.call_manager,
            authentication_url=config.authentication_url,
        )

    def status_messages(self) -> Sequence[str]:
        with self._lock:
            return list(self._messages)

    def authentication_url(self) -> str:
        return self._config.authentication_url

    def _page_lines(self, page: str) -> Sequence[str]:
        return display.page_lines(page, display.Shown(self.ip, self.tftp_servers[0][0], self.mac, self._load,
                                                     self._itl, tuple(self._messages)))

    def screenshot_png(self) -> bytes:
        with self._lock:
            screen = self._menu.screen()
        return render_png(screen)

    # -- the boot ----------------------------------------------------------------------------
    def _boot_and_provision(self, run: BootRun) -> None:
        """A full boot (power-up, or the restart after an ITL erase) until the phone settles."""
        try:
            self._boot(run, speed=1.0)
            while True:
                tftp = Provisioner(run, self.device_name, self.ip, self.tftp_servers, self.clock, self.tvs, self.peers)
                config = tftp.provision()
                if config is None:
                    self._settle(run, PhoneState.STUCK, "SCCP: keeping cached configuration")
                    return
                self.boot_update(run, config=config)
                if config.load_id == self._load or not tftp.upgrade(config, self._load):
                    run.wait(REGISTER_SECONDS)
                    self._settle(run, PhoneState.REGISTERED, f"SCCP: registered to {config.call_manager}")
                    self.call_control.register(config.call_manager, self.mac, self.ip)
                    return
                self._boot(run, speed=REBOOT_SPEEDUP)
        except Cancelled:
            return
        except Exception:  # a simulator bug must not leave a phone half-booted without a word
            log.exception("phone %s: boot failed", self.name)

    def _stay_dark(self, run: BootRun) -> None:
        """The never_returns fault: a PoE detection blip, then nothing."""
        try:
            run.wait(DARK_BLIP_SECONDS)
            self.boot_update(run, watts=0.0)
        except Cancelled:
            pass

    def _boot(self, run: BootRun, *, speed: float) -> None:
        self.call_control.drop(self.mac)
        self.boot_update(run, state=PhoneState.BOOTING)
        run.started = time.monotonic()
        elapsed = 0.0
        values = {"load": self._load, "ip": self.ip, "tftp": ", ".join(h for h, _ in self.tftp_servers)}
        for line in COLD_BOOT:
            at = line.at * speed * self._pace
            run.wait(at - elapsed)
            elapsed = at
            changes: dict[str, object] = {"watts": line.watts} | {k: True for k in ("link", "cdp") if getattr(line, k)}
            self.boot_update(run, **changes)
            self.boot_say(run, line.text.format(**values))

    def _settle(self, run: BootRun, state: PhoneState, line: str) -> None:
        self.boot_say(run, line)
        with self._lock:
            run.check()
            closing = self._serve_web()  # listening before the state says so: whoever sees it may connect
            self._watts = REGISTERED_WATTS
            self._menu.reset()
            self._state = state
        if closing is not None:
            closing.close()

    # -- effects of keys ---------------------------------------------------------------------
    def _erase_trust_lists(self) -> None:
        """(lock held) Soft2 on the erase confirmation: drop the ITL, restart shortly after."""
        run = self._begin_run()
        self._itl = None
        self._append_status("Erasing CTL and ITL files")
        self._console.write_line(self._console_text(run, "Erasing CTL and ITL files"))
        threading.Thread(target=self._restart, args=(run,), name=f"phone-{self.name}", daemon=True).start()

    def _restart(self, run: BootRun) -> None:
        try:
            run.wait(ERASE_RESTART_SECONDS)
            self.boot_say(run, "Restarting ...")
            http = self.boot_update(run, state=PhoneState.BOOTING, link=False, cdp=False, watts=1.5, http=None)
            if http is not None:
                http.close()
        except Cancelled:
            return
        self._boot_and_provision(run)

    # -- state changes, all under the lock and only for the current boot ---------------------
    def _begin_run(self) -> BootRun:
        """(lock held) A new boot replaces whatever boot was running."""
        if self._run is not None:
            self._run.cancelled.set()
        self._run = BootRun(self)
        return self._run

    def boot_update(self, run: BootRun, **changes: object) -> PhoneHttpServer | None:
        """Apply changes for `run` (or raise Cancelled); returns the detached web server, if asked."""
        unknown = set(changes) - _RUN_FIELDS
        if unknown:
            raise TypeError(f"phone {self.name}: no such state field {sorted(unknown)}")
        detached = None
        with self._lock:
            run.check()
            for key, value in changes.items():
                if key == "http":
                    detached, self._http = self._http, None
                else:
                    setattr(self, f"_{key}", value)
        return detached

    def _power_down(self) -> None:
        self.call_control.drop(self.mac)
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

    def _serve_web(self) -> PhoneHttpServer | None:
        """(lock held) Web server up when the configuration enables web access, down otherwise;
        returns a server the caller must close outside the lock."""
        if not self._config.web_access:
            closing, self._http = self._http, None
            return closing
        if self._http is not None:
            return None
        try:
            self._http = PhoneHttpServer(self, self.ip, self.http_port)
        except OSError as error:
            self._append_status(f"HTTP Error : {error.strerror}")
            return None
        self.http_port = self._http.port  # the same port after every boot, as in the lab config
        return None

    # -- console and status messages ---------------------------------------------------------
    def boot_say(self, run: BootRun, text: str) -> None:
        run.check()
        self._console.write_line(self._console_text(run, text))

    def _console_text(self, run: BootRun, text: str) -> str:
        uptime = (time.monotonic() - run.started) / self.clock.scale
        return f"{uptime:9.3f} {self.device_name} {text}"

    def boot_status(self, run: BootRun, message: str) -> None:
        """A status message: on the Status Messages page and printed on the console."""
        with self._lock:
            run.check()
            self._append_status(message)
        self.boot_say(run, f"STATUS: {message}")

    def _append_status(self, message: str) -> None:
        self._messages = [*self._messages, stamped(message)][-MAX_STATUS_MESSAGES:]
