"""SimBench: wires the simulated boxes into one bench and describes it as a real bench's config.

The bench is laid out the way a lab wires one: phones on consecutive switch ports, each phone on
its own loopback address (127.0.1.N), its console on a terminal-server port, its keypad under a
solenoid head of an actuator board, its PoE draw on a channel of an 8-channel power meter, and DHCP
option 150 naming the rig host's TFTP tap first and CUCM second. `lab_config()` returns the
config a technician would have written for that bench, so rig drives it exactly as hardware.
"""

from __future__ import annotations

import time
from ipaddress import IPv4Address
from pathlib import Path

from rig.config.lab import (
    AxlConfig,
    CucmConfig,
    Endpoint,
    HttpKeypadConfig,
    InstrumentConfig,
    KeypadConfig,
    LabConfig,
    MeterChannel,
    PhoneConfig,
    RisPortConfig,
    SerialKeypadConfig,
    SwitchConfig,
    TapConfig,
    Timeouts,
)
from rig.config.simulation import Simulation
from rig.config.systems import CucmSystem, SystemConfig
from rig.sim.actuator import SimActuator
from rig.sim.bench_cme import CME_KNOWN_HOSTS, bench_cme, cme_systems, start_cme
from rig.sim.box import SimBox
from rig.sim.bundle_shape import phone_options, shaped_simulation, switch_options
from rig.sim.clock import SimClock
from rig.sim.cucm import SimCucm
from rig.sim.load_server import SimLoadServer, image_sizes, tap_config
from rig.sim.loads import OLD_LOAD
from rig.sim.loopback import bench_tap_host, free_udp_port
from rig.sim import misconfig
from rig.sim.meter import SimPowerMeter
from rig.sim.observe import RUNTIME_FAULTS, BenchObserver
from rig.sim.peers import peer_network
from rig.sim.phone import SimPhone
from rig.sim.pki import ClusterPki
from rig.sim.risport import RisDevice, SimRisPort
from rig.sim.sccp import CallControl
from rig.sim.switch import SimSwitch, SwitchFaults
from rig.sim.layout import (  # noqa: F401 - re-exported: the bench's layout is asked of it
    CHANNELS_PER_METER, HEADS_PER_BOARD, LOOPBACK, MAC_BASE, PORTS_PER_MEMBER, SimPhoneSpec, _check_web_port, layout, phone_ip, switch_build, switch_port,
)

DEAD_TVS = (LOOPBACK, 9)  # where phones look for TVS under the `tvs_unreachable` fault: refused
CUCM_HOST = "127.0.0.2"
"""CUCM on an address of its own, as on a real network: a phone whose option 150 names CUCM
instead of the tap is then told apart by its TFTP Server 1."""
OLD_CUCM_HOST = "127.0.0.3"
"""The old cluster (`simulation.old_cluster`), on an address of its own too."""
OLD_SYSTEM = "old"
"""The old cluster's name among the written config's `systems`."""
USERNAME = "rig"
PASSWORD = "rig-sim"  # the simulator's own credentials, not a secret of anyone's
LOAD_ID = "SCCP42.9-4-2SR3-1S"
PRESS_MS = 120  # how long a solenoid holds a key on hardware
WRITTEN_BY = "# Written by `rig sim`"
"""First line of every file the simulated bench writes: `rig sim --write-config` overwrites a
file only when it starts with this line (known_hosts and PEM readers skip it)."""
KNOWN_HOSTS = "known_hosts"
TRUST_ANCHOR = "cucm-tftp.pem"
OLD_TRUST_ANCHOR = "old-cucm-tftp.pem"
RISPORT_CA = "cucm-risport-ca.pem"
GENERATED_FILES = (KNOWN_HOSTS, TRUST_ANCHOR, OLD_TRUST_ANCHOR, RISPORT_CA, CME_KNOWN_HOSTS)
"""What `lab_config()` writes into the bench's workdir."""


class SimBench(SimBox):
    """All simulated boxes of one bench; a context manager that starts and stops them."""

    def __init__(self, sim: Simulation, bench_name: str, workdir: Path) -> None:
        self.sim = sim = shaped_simulation(sim)
        self.bench_name = bench_name
        self.workdir = Path(workdir)
        self.clock = SimClock(sim.time_scale)
        self.specs = layout(sim)
        misconfig.check(sim, self.specs)
        if sim.web_port:
            _check_web_port(sim.web_port, self.specs)
        self.tap_host = bench_tap_host()
        """Where rig's taps listen: an address of this bench's own (rig.sim.loopback)."""
        self.tap_port = free_udp_port(self.tap_host)
        self.pki = ClusterPki.generate()
        self.cucm = SimCucm(
            self.clock,
            self.pki,
            [(s.name, s.mac) for s in self.specs],
            load_id=LOAD_ID,
            image_bytes=image_sizes(sim),
            loss=sim.faults.tftp_loss,
            web_access_off=sim.web_access_off,
            host=CUCM_HOST,
            peer_sharing=sim.firmware.peer_sharing,
        )
        self.old_cucm = None if sim.old_cluster is None else SimCucm(
            self.clock, self.pki.old_cluster(), [(s.name, s.mac) for s in self.specs], load_id=OLD_LOAD,
            image_bytes=image_sizes(sim), host=OLD_CUCM_HOST, rollback=sim.old_cluster.rollback,
        )
        """The cluster the `stale_itl` phones came from (`simulation.old_cluster`), if served."""
        self.cme = bench_cme(sim, self.specs, LOAD_ID, (USERNAME, PASSWORD))
        """The CUCME router (`simulation.cme`, rig.sim.bench_cme), if served."""
        self.call_control = CallControl()
        self.load_server = SimLoadServer(LOAD_ID, image_sizes(sim)) if sim.firmware.load_server else None
        """The Load Server the phones' configs name (`simulation.firmware.load_server`), if any."""
        self.peers = peer_network(self.clock)
        self.load_server_tap_port = free_udp_port(self.tap_host) if sim.firmware.tap_load_server else None
        """Where rig's second tap listens, in front of the load server (the configs name it)."""
        self.phones: dict[str, SimPhone] = {}
        self.switches: dict[str, SimSwitch] = {}
        self.meters: list[SimPowerMeter] = []
        self.actuators: list[SimActuator] = []
        self.risport = SimRisPort(self._ris_devices, username=USERNAME, password=PASSWORD) if sim.risport else None
        self.observe = BenchObserver(self)
        """What the devices received and where they stand (rig.sim.observe)."""

    def start(self) -> None:
        faults = self.sim.faults
        if self.load_server is not None:
            self.load_server.start()
            tap = self.load_server_tap_port
            self.cucm.load_server = self.load_server.config_value if tap is None else f"{self.tap_host}:{tap}"
        self.cucm.start()
        if self.old_cucm is not None:
            self.old_cucm.start()
        start_cme(self.cme, self.call_control)
        for index, spec in enumerate(self.specs):
            phone = SimPhone(
                spec.name,
                spec.mac,
                spec.ip,
                self.clock,
                scenario=spec.scenario,
                pki=self.pki,
                cucm_auth_url=self.cucm.auth_url,
                tftp_servers=misconfig.tftp_servers(spec.name, self.sim, (self.tap_host, self.tap_port), self.cucm.tftp_address),
                tvs=DEAD_TVS if faults.tvs_unreachable else self.cucm.tvs_address,
                peers=self.peers,
                call_control=self.call_control,
                never_returns=spec.name in faults.never_returns,
                lost_keys=faults.lost_keys.get(spec.name, 0),
                http_drops=faults.http_drops.get(spec.name, 0),
                console_garbage=faults.console_garbage,
                **phone_options(self.sim, spec.name, index),
                http_port=self.sim.web_port,
            )
            phone.start()
            self.phones[spec.name] = phone
        for name, ports in sorted(misconfig.switch_ports(self.sim, self.specs, self.phones).items()):
            switch = SimSwitch(
                name,
                ports,
                self.clock,
                username=USERNAME,
                password=PASSWORD,
                faults=SwitchFaults(drop_every=faults.ssh_drop_every, delay=faults.switch_delay),
                **switch_build(self.sim.switch), **switch_options(self.sim, name),
            )
            switch.start()
            self.switches[name] = switch
        for name, port, macs in misconfig.uplinks(self.sim, self.specs):
            self.switches[name].make_uplink(port, misconfig.SWITCH_BEHIND, macs)
        for spec in self.specs:
            if spec.name in self.sim.misconfig.no_poe:
                self.switches[spec.switch].remove_poe(spec.port)
        for _, channels in sorted(misconfig.meter_channels(self.sim, self.specs, self.phones).items()):
            meter = SimPowerMeter(channels)
            meter.start()
            self.meters.append(meter)
        for _, heads in sorted(misconfig.board_heads(self.sim, self.specs, self.phones).items()):
            actuator = SimActuator(heads)
            actuator.start()
            self.actuators.append(actuator)
        if self.risport is not None:
            self.risport.set_rate_control(faults.risport_rate_control)
            self.risport.start()

    def _ris_devices(self) -> list[RisDevice]:
        """What CUCM knows of each phone now: registered once it runs on a verified config
        (`registered`) that is not the CUCME router's, unregistered otherwise (stuck on its cached
        config, booting, off, or registered with the router)."""
        devices = []
        for i, spec in enumerate(self.specs):
            phone = self.phones[spec.name]
            status = phone.status()
            registered = status.state == "registered" and not self.call_control.listed(phone.mac)
            devices.append(RisDevice(
                name=f"SEP{spec.mac}", status="Registered" if registered else "UnRegistered",
                status_reason=0 if registered else 1, ip=spec.ip, active_load_id=status.load,
                dir_number=str(1000 + i), description=spec.name, timestamp=int(time.time()),
            ))
        return devices

    def set_fault(self, **knobs: object) -> None:
        """Change `simulation.faults` knobs (and `web_access_off`) on the running bench, e.g.
        `set_fault(switch_delay=2.0)`, `set_fault(lost_keys={"desk-02": 1})`. Only the knobs of
        `observe.RUNTIME_FAULTS`; ValueError names any other (or an unknown phone)."""
        fixed = sorted(set(knobs) - RUNTIME_FAULTS)
        if fixed:
            raise ValueError(f"not a fault that can change on a running bench: {', '.join(fixed)}")
        faults = self.sim.faults.model_copy(update={k: v for k, v in knobs.items() if k != "web_access_off"})
        web_off = knobs.get("web_access_off", self.sim.web_access_off)
        sim = Simulation.model_validate(
            {**self.sim.model_dump(), "faults": faults.model_dump(), "web_access_off": web_off}
        )
        unknown = sorted({*sim.faults.never_returns, *sim.faults.lost_keys, *sim.web_access_off} - set(self.phones))
        if unknown:
            raise ValueError(f"no such simulated phone: {', '.join(unknown)}")
        self.sim = sim
        for switch in self.switches.values():
            switch.set_faults(SwitchFaults(drop_every=sim.faults.ssh_drop_every, delay=sim.faults.switch_delay))
        for name, phone in self.phones.items():
            phone.never_returns = name in sim.faults.never_returns
            phone.lost_keys = sim.faults.lost_keys.get(name, 0)
            if "web_access_off" in knobs:
                phone.set_web_access(name not in sim.web_access_off)

    def stop(self) -> None:
        boxes = [*([self.risport] if self.risport is not None else []), *self.actuators, *self.meters, *self.switches.values(), *self.phones.values(), self.cucm,
                 *([self.old_cucm] if self.old_cucm is not None else []), *([self.cme] if self.cme is not None else [])]
        for box in boxes:
            box.stop()
        if self.load_server is not None:
            self.load_server.stop()
        self.peers.close()

    def lab_config(self) -> LabConfig:
        """The running bench as a real bench's config (no `simulation:` section)."""
        known_hosts = self.workdir / KNOWN_HOSTS
        known_hosts.write_text(
            f"{WRITTEN_BY}: the simulated switches' host keys\n"
            + "".join(
                f"[{host}]:{port} {sw.host_key.get_name()} {sw.host_key.get_base64()}\n"
                for sw in self.switches.values()
                for host, port in [sw.address]
            )
        )
        anchor = self.workdir / TRUST_ANCHOR
        anchor.write_bytes(f"{WRITTEN_BY}: the simulated CUCM's TFTP certificate\n".encode() + misconfig.trust_anchor_pem(self.sim, self.pki))
        cucm_host, cucm_port = self.cucm.tftp_address
        return LabConfig(
            bench=self.bench_name,
            switches={
                name: SwitchConfig(
                    host=sw.address[0],
                    port=sw.address[1],
                    username=USERNAME,
                    password=PASSWORD,
                    known_hosts=known_hosts,
                )
                for name, sw in self.switches.items()
            },
            cucm=CucmConfig(
                tftp=Endpoint(host=cucm_host, port=cucm_port),
                expected_load=LOAD_ID,
                trust_anchor=anchor,
                **self._tomcat_config(),
            ),
            tftp_tap=TapConfig(
                listen=Endpoint(host=self.tap_host, port=self.tap_port),
                upstream=Endpoint(host=cucm_host, port=cucm_port),
                load_server=tap_config(self.load_server, self.tap_host, self.load_server_tap_port),
            ),
            systems=self._systems(),
            instruments={
                f"meter{i + 1}": InstrumentConfig(resource=f"TCPIP::{host}::{port}::SOCKET")
                for i, meter in enumerate(self.meters)
                for host, port in [meter.address]
            },
            phones=[self._phone_config(spec) for spec in self.specs],
            timeouts=self._timeouts(),
        )

    def _systems(self) -> dict[str, SystemConfig]:
        """`systems.old`: the old cluster, its TFTP certificate written beside the config; `systems.cme`."""
        systems: dict[str, SystemConfig] = dict(cme_systems(self.cme, self.workdir, WRITTEN_BY, (USERNAME, PASSWORD)))
        if self.old_cucm is None:
            return systems
        anchor = self.workdir / OLD_TRUST_ANCHOR
        anchor.write_bytes(f"{WRITTEN_BY}: the simulated old CUCM's TFTP certificate\n".encode()
                           + self.old_cucm.trust_anchor_pem)
        host, port = self.old_cucm.tftp_address
        return systems | {OLD_SYSTEM: CucmSystem(kind="cucm", tftp=Endpoint(host=host, port=port), trust_anchor=anchor)}

    def _tomcat_config(self) -> dict[str, RisPortConfig | AxlConfig]:
        """`cucm.risport` and `cucm.axl`: both on the simulated CUCM's one HTTPS server."""
        if self.risport is None:
            return {}
        ca = self.workdir / RISPORT_CA
        ca.write_bytes(f"{WRITTEN_BY}: the simulated CUCM's HTTPS CA\n".encode() + self.risport.ca_pem)
        host, port = self.risport.address
        where = {"host": host, "port": port, "username": USERNAME, "password": PASSWORD, "ca_bundle": ca}
        return {"risport": RisPortConfig(**where, require=True, backoff=max(0.05, 30.0 * self.sim.time_scale)),
                "axl": AxlConfig(**where)}

    def _phone_config(self, spec: SimPhoneSpec) -> PhoneConfig:
        phone = self.phones[spec.name]
        act_host, act_port = self.actuators[spec.board].address
        console_host, console_port = phone.console_address
        keypads: list[KeypadConfig] = []
        if self.sim.keypad == "http_execute":
            keypads.append(HttpKeypadConfig(backend="http_execute", username=USERNAME, password=PASSWORD))
        keypads.append(
            SerialKeypadConfig(
                backend="serial_actuator",
                url=f"socket://{act_host}:{act_port}",
                target=spec.name,
                press_ms=max(1, round(PRESS_MS * self.sim.time_scale)),
            )
        )
        return PhoneConfig(
            name=spec.name,
            mac=spec.mac,
            model="7942",
            firmware="sccp9",
            switch=spec.switch,
            port=spec.port,
            ip=IPv4Address(spec.ip),
            http_port=phone.http_port,
            console=f"socket://{console_host}:{console_port}",
            keypad=keypads,
            power_meter=MeterChannel(instrument=f"meter{spec.meter + 1}", channel=spec.channel),
        )

    def _timeouts(self) -> Timeouts:
        """Hardware timeouts shrunk by the time scale, with floors for the real protocol work."""
        scale = self.sim.time_scale
        return Timeouts(
            ssh=10.0,
            http=3.0,
            key_gap=max(0.002, 1.0 * scale),
            script_scale=scale,
            expect=max(1.5, 20.0 * scale),
            power_off=max(0.01, 5.0 * scale),
            boot=max(20.0, 600.0 * scale),
            lease=30.0,
        )
