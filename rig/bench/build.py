"""One bench: its validated config and the drivers built from it.

`open_bench` is where a `simulation:` config becomes a running simulated bench: the sim starts
in-process, and from then on rig sees only the real-bench-form config it wrote (hosts, ports,
credentials), exactly as it would for hardware.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rig.drivers.cme import CmeRouter
from rig.drivers.console import Console
from rig.drivers.ios_switch import IosSwitch
from rig.drivers.keypad import Keypad
from rig.drivers.keypad_http import HttpKeypad
from rig.drivers.keypad_operator import OperatorKeypad
from rig.drivers.keypad_serial import SerialActuatorKeypad, close_boards
from rig.drivers.operator import NoOperator, Operator
from rig.drivers.phone_web import PhoneWeb, WebPaths
from rig.drivers.power_meter import PowerMeter
from rig.drivers.risport import RisPort
from rig.drivers.tftp_tap import TftpTransfer
from rig.drivers.tftp_tap_process import TftpTapProcess
from rig.config.lab import (
    HttpKeypadConfig,
    KeypadConfig,
    LabConfig,
    PhoneConfig,
    SerialKeypadConfig,
    load_config,
    with_run_settings,
)
from rig.config.base import SshLogin
from rig.config.checks import check_secrets
from rig.config.systems import CmeSystem
from rig.phone.profiles import profile_for
from rig.bench.switch_pool import SwitchSessions
from rig.bench.tap_share import SharedTap, tap_socket


@dataclass(frozen=True)
class ConfigSource:
    """The file a bench was opened from, as a run directory records it: `--resume` can then name
    (and find) the config the run ran with, and tell whether it changed since."""

    path: Path
    sha256: str

    @classmethod
    def of(cls, path: Path | str) -> "ConfigSource":
        path = Path(path).resolve()
        return cls(path, hashlib.sha256(path.read_bytes()).hexdigest())

    def record(self) -> dict[str, str]:
        return {"file": str(self.path), "sha256": self.sha256}


@dataclass
class Bench:
    """Drivers for one bench, built on first use and shared (one SSH session per switch)."""

    config: LabConfig
    source: ConfigSource | None = None
    operator: Operator = field(default_factory=NoOperator)
    """The person rig may ask to act (operator keypad, field-mode restart); the front end sets it."""
    _switches: dict[str, SwitchSessions] = field(default_factory=dict)
    _meters: dict[str, PowerMeter] = field(default_factory=dict)
    _webs: dict[str, PhoneWeb] = field(default_factory=dict)
    _risport: list[RisPort] = field(default_factory=list)
    _cme: dict[str, CmeRouter] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def switch(self, name: str) -> SwitchSessions:
        """The switch's SSH sessions (up to parallel.sessions_per_switch), opened on first use."""
        with self._lock:
            if name not in self._switches:
                self._switches[name] = SwitchSessions(
                    name, lambda: self._connect(name), self.config.parallel.sessions_per_switch
                )
            return self._switches[name]

    def _connect(self, name: str) -> IosSwitch:
        sw = self.config.switches[name]
        return self._ios(name, sw, os.environ.get(sw.enable_secret_env) if sw.enable_secret_env else None)

    def _ios(self, name: str, login: SshLogin, enable_secret: str | None = None) -> IosSwitch:
        """An IOS session (not opened) to a device rig logs in to: a switch, a CME router."""
        return IosSwitch(
            name,
            login.host,
            login.username,
            port=login.port,
            password=login.secret(),
            key_file=str(login.key_file) if login.key_file else None,
            enable_secret=enable_secret,
            known_hosts=str(login.known_hosts) if login.known_hosts else None,
            accept_new_host_key=login.accept_new_host_key,
            timeout=self.config.timeouts.ssh,
        )

    def cme_router(self, system: str) -> CmeRouter | None:
        """The CUCME router of `systems.<system>` over SSH (one per router, shared: its session
        serializes the phones' reads); None when the system has no `ssh`."""
        section = self.config.systems.get(system)
        if not isinstance(section, CmeSystem) or section.ssh is None:
            return None
        with self._lock:
            if system not in self._cme:
                self._cme[system] = CmeRouter(self._ios(system, section.ssh))
            return self._cme[system]

    def console(self, phone: PhoneConfig, log_path: Path | None = None) -> Console | None:
        if phone.console is None:
            return None
        return Console(phone.console, name=phone.name, log_path=log_path)

    def keypads(self, phone: PhoneConfig, *, hold_s: float | None = None) -> list[Keypad]:
        """The phone's keypads in config order; `hold_s` makes an actuator board hold each key
        that long (a key held through power-up); the other backends press as usual."""
        return [self._keypad(phone, k, hold_s) for k in phone.keypad]

    def _keypad(self, phone: PhoneConfig, cfg: KeypadConfig, hold_s: float | None = None) -> Keypad:
        if isinstance(cfg, HttpKeypadConfig):
            return HttpKeypad(
                str(phone.ip),
                port=cfg.port or phone.http_port,
                username=cfg.username,
                password=cfg.secret() or "",
                timeout=self.config.timeouts.http,
                name=phone.name,
            )
        if isinstance(cfg, SerialKeypadConfig):
            press_ms = cfg.press_ms if hold_s is None else max(cfg.press_ms, round(hold_s * 1000))
            return SerialActuatorKeypad(cfg.url, target=cfg.target, press_ms=press_ms, name=phone.name)
        return OperatorKeypad(f"{phone.name} (SEP{phone.mac})", self.operator)

    def web(self, phone: PhoneConfig) -> PhoneWeb | None:
        """The phone's web interface (one per phone, so its HTTP session is reused)."""
        if phone.ip is None:
            return None
        with self._lock:
            if phone.name not in self._webs:
                paths = WebPaths(**profile_for(phone.model, phone.firmware).web.model_dump())
                self._webs[phone.name] = PhoneWeb(
                    str(phone.ip), port=phone.http_port, timeout=self.config.timeouts.http, name=phone.name,
                    paths=paths,
                )
            return self._webs[phone.name]

    def meter(self, phone: PhoneConfig) -> tuple[PowerMeter, int] | None:
        if phone.power_meter is None:
            return None
        name = phone.power_meter.instrument
        with self._lock:
            if name not in self._meters:
                inst = self.config.instruments[name]
                self._meters[name] = PowerMeter(inst.resource, backend=inst.backend)
            return self._meters[name], phone.power_meter.channel

    def tap(self, on_transfer: Callable[[TftpTransfer], None] | None = None, *,
            subscribe: bool = True) -> SharedTap | None:
        """The tap this bench's config asks for, not started: it relays in a process of its own
        (rig.drivers.tftp_tap_process), out of reach of the phone threads' interpreter lock, and
        shares the port with the other rig processes of this host (rig.bench.tap_share)."""
        tap = self.config.tftp_tap
        if tap is None or self.config.cucm is None:
            return None
        upstream = tap.upstream or self.config.cucm.tftp
        listen = (tap.listen.host, tap.listen.port)
        return SharedTap(listen, (upstream.host, upstream.port), socket_path=tap_socket(listen),
                         subscribe=subscribe, on_transfer=on_transfer, upstream_blksize=tap.upstream_blksize,
                         cache_bytes=tap.image_cache_mb << 20, workers=tap.workers)

    def spare_tap(self) -> TftpTapProcess | None:
        """A relay like the bench's tap but on a free port of the same address: it checks the way
        to CUCM without taking the tap's port from a run or a `rig tap` service (preflight)."""
        tap = self.config.tftp_tap
        if tap is None or self.config.cucm is None:
            return None
        upstream = tap.upstream or self.config.cucm.tftp
        return TftpTapProcess((tap.listen.host, 0), (upstream.host, upstream.port),
                              upstream_blksize=tap.upstream_blksize)

    def load_server_tap(self) -> TftpTapProcess | None:
        """The tap in front of the load server (`tftp_tap.load_server`), not started; None without one."""
        tap = self.config.tftp_tap
        if tap is None or tap.load_server is None:
            return None
        listen, upstream = tap.load_server.listen, tap.load_server.upstream
        return TftpTapProcess((listen.host, listen.port), (upstream.host, upstream.port),
                              upstream_blksize=tap.upstream_blksize, cache_bytes=tap.image_cache_mb << 20,
                              workers=tap.workers)

    def risport(self) -> RisPort | None:
        """CUCM's RisPort70 client (`cucm.risport`), one per bench so its requests are serialized."""
        ris = self.config.cucm.risport if self.config.cucm is not None else None
        if ris is None:
            return None
        with self._lock:
            if not self._risport:
                verify = ris.tls_verify()
                if verify is False:
                    warnings.warn(f"cucm.risport.verify is false: {ris.host}'s certificate is not checked "
                                  "(give cucm.risport.ca_bundle)", stacklevel=2)
                self._risport.append(RisPort(ris.host, port=ris.port, username=ris.username,
                                             password=ris.secret() or "", verify=verify,
                                             timeout=self.config.timeouts.http, retries=ris.retries,
                                             backoff=ris.backoff))
            return self._risport[0]

    def close(self) -> None:
        with self._lock:
            for sw in self._switches.values():
                sw.close()
            for meter in self._meters.values():
                meter.close()
            for router in self._cme.values():
                router.close()
            self._cme.clear()
            self._switches.clear()
            self._meters.clear()
        close_boards()


@contextlib.contextmanager
def open_bench(config_path: Path | str, *, check_credentials: bool = True) -> Iterator[Bench]:
    """The bench described by `config_path`, with its simulator running if it is a simulated one.
    `check_credentials=False`: an unset password variable is left to the caller (rig preflight
    reports it with every other problem)."""
    config = load_config(config_path)
    if check_credentials:
        check_secrets(config, str(config_path))  # before anything starts or connects
    with contextlib.ExitStack() as stack:
        if config.simulation is not None:
            from rig.sim.bench import SimBench

            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rig-sim-")))
            sim = stack.enter_context(SimBench(config.simulation, config.bench, workdir))
            config = with_run_settings(sim.lab_config(), config)
        bench = Bench(config, ConfigSource.of(config_path))
        stack.callback(bench.close)
        yield bench
