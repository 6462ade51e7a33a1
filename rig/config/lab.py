"""lab_config.yaml: the bench, validated in full before anything is touched.

Every model forbids unknown keys, so a typo (`pasword_env`) is an error naming the field rather
than a silently ignored setting. `load_config` turns pydantic's errors into one line that names
the file, the phone (by name) and the field.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from rig.drivers.ios_parsers import canonical_interface
from rig.config.base import Credentials, Endpoint, SshLogin, Strict
from rig.config.checks import check_trust_anchor
from rig.config.cucm import AxlConfig, RisPortConfig
from rig.config.firmware import LoadServerTap
from rig.config.errors import one_line
from rig.config.simulation import Simulation
from rig.config.systems import MAIN_SYSTEM, CmeSystem, SystemConfig
from rig.config.types import LocalPath, Mac, Name, Port, seconds
from rig.suggest import known_names
from rig.errors import ConfigError
from rig.config.yaml_input import read_yaml


class SwitchConfig(SshLogin):
    enable_secret_env: str | None = None
    platform: Literal["cisco_ios"] = "cisco_ios"


class CucmConfig(Strict):
    tftp: Endpoint
    risport: RisPortConfig | None = None
    axl: AxlConfig | None = None
    expected_load: str
    """Load ID every phone must report after the job, e.g. SCCP42.9-4-2SR3-1S."""
    trust_anchor: LocalPath | None = None
    """PEM of the cluster's TFTP (CallManager) certificate; fetched ITLs must verify against it."""


class TapConfig(Strict):
    listen: Endpoint
    upstream: Endpoint | None = None
    """Defaults to cucm.tftp."""
    load_server: LoadServerTap | None = None
    """Also stand in front of this load server, so the images it serves are observed."""
    upstream_blksize: int | None = Field(default=None, ge=0, le=65464)
    """Block size asked of CUCM. None (default): up to 8 of the phone's blocks where the path
    MTU toward CUCM carries them unfragmented (loopback, jumbo frames), else the phone's own;
    0: always the phone's own; a number: that size (rig.drivers.tftp_tap_transfer.larger_blksize)."""
    image_cache_mb: int = Field(default=128, ge=0, le=65536)
    """MB of firmware images the tap keeps: each image a relayed `.loads` file names is read from
    CUCM (or the load server) once and served to every phone from memory; 0: every transfer is
    relayed (rig.drivers.tftp_tap_cache)."""
    workers: Annotated[int, Field(ge=1, le=64)] | Literal["auto"] = 1
    """Processes the tap's data path runs in (each image still read from CUCM once: they share
    the cache); "auto": one per core (rig.drivers.tftp_tap_process, docs/performance.md)."""


class HttpKeypadConfig(Credentials):
    backend: Literal["http_execute"]
    username: str
    port: int | None = None
    """Defaults to the phone's http_port."""


class SerialKeypadConfig(Strict):
    backend: Literal["serial_actuator"]
    url: str
    """pyserial URL of the actuator board (/dev/ttyUSB1, socket://host:port, rfc2217://...)."""
    target: Name
    """The board's name for the solenoid head over this phone's keypad."""
    press_ms: int = Field(default=120, ge=1, le=5000)


class OperatorKeypadConfig(Strict):
    backend: Literal["operator"]


KeypadConfig = Annotated[
    Union[HttpKeypadConfig, SerialKeypadConfig, OperatorKeypadConfig],
    Field(discriminator="backend"),
]


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


class MeterChannel(Strict):
    instrument: str
    channel: int = Field(ge=1)


PowerPart = Literal["poe_port", "by_hand"]
IdentityPart = Literal["switch_tables", "own_answer"]


class PhoneConfig(Strict):
    name: Name
    mac: Mac
    model: str = "7942"
    firmware: str = "sccp9"
    """Firmware family, selects the keypad script (keypad_scripts/<model>-<firmware>-<job>.yaml)."""
    switch: str | None = None
    port: Port | None = Field(default=None, validate_default=True)
    """Both, or neither: a phone without switch is a field-mode phone (no PoE control; rig finds
    it by its own answer at `ip`, or CUCM's RisPort, and it restarts by itself or by hand)."""
    ip: IPv4Address | None = None
    http_port: int = Field(default=80, ge=1, le=65535)
    console: str | None = None
    """pyserial URL: /dev/ttyUSB0, socket://host:port, rfc2217://host:port."""
    keypad: Annotated[list[KeypadConfig], BeforeValidator(_listify)] = Field(default_factory=list)
    """Backends tried in order; the next one is used when a phone refuses the previous one."""
    power_meter: MeterChannel | None = None

    @field_validator("port")
    @classmethod
    def _port_with_switch(cls, port: str | None, info: ValidationInfo) -> str | None:
        if port is None and info.data.get("switch") is not None:
            raise PydanticCustomError("missing", "Field required")
        if port is not None and "switch" in info.data and info.data["switch"] is None:
            raise ValueError("a port needs its switch: give switch and port together, or neither (field mode)")
        return port

    @model_validator(mode="after")
    def _field_mode(self) -> "PhoneConfig":
        if self.switch is None and self.ip is None:
            raise ValueError("ip: required without switch and port (field mode: rig finds the phone at its IP)")
        return self

    @property
    def power_part(self) -> PowerPart:
        """How rig switches this phone's power: its PoE switch port, or (field mode) a person who
        unplugs it. The bench part is chosen here, once, so no step asks whether a switch exists."""
        return "by_hand" if self.switch is None else "poe_port"

    @property
    def identity_part(self) -> IdentityPart:
        """How rig proves this phone is the configured one: the switch's tables on its port, or
        (field mode) the phone's own answer and CUCM's at its IP."""
        return "own_answer" if self.switch is None else "switch_tables"


class InstrumentConfig(Strict):
    resource: str
    """VISA resource string, e.g. TCPIP::192.0.2.10::5025::SOCKET."""
    backend: str = "@py"


class Timeouts(Strict):
    """Real seconds. A simulated bench writes values that fit its time scale.

    Every duration is finite and bounded: a value past its bound is a typo or a unit mistake,
    and an unbounded one breaks what is computed from it (a lease of 1e300 s overflows the
    expiry date the lease thread writes; `.inf` makes a wait that never ends).
    """

    ssh: float = seconds(15.0, high=300)
    """Connect, log in, or answer one command; a switch silent for 5 minutes is down."""
    http: float = seconds(5.0, high=120)
    """One whole HTTP exchange, answer included: a phone's page, a RisPort or AXL request
    (docs/reliability.md, "Every read is bounded")."""
    key_gap: float = seconds(1.0, high=30, zero_ok=True)
    """Between two key presses; a menu that needs more than 30 s per key is not responding."""
    script_scale: float = Field(default=1.0, gt=0, le=1)
    """Keypad scripts' `wait:` and `timeout:` are hardware seconds times this (1 on hardware; a
    simulated bench writes its time scale)."""
    expect: float = seconds(20.0, high=3600)
    """One expected console line or status message of a keypad script."""
    power_off: float = seconds(5.0, high=600, zero_ok=True)
    """How long a power-cycled port stays off; 10 minutes is already far past what PoE needs."""
    boot: float = seconds(240.0, high=7200)
    """From power-on until the phone has fetched its config (and load, if it needed one); a load
    upgrade over a slow link takes minutes, never hours."""
    lease: float = seconds(60.0, high=3600, low=1)
    """Time to live of a phone lease, renewed while the run lives: how long a dead run's phones
    stay reserved. At least 1 s, so renewal keeps up; at most an hour."""


class Parallel(Strict):
    max_phones: int = Field(default=64, ge=1, le=4096)
    powerup_per_switch: int = Field(default=8, ge=1, le=1024)
    """PoE budget: phones powering up at once on one switch."""
    sessions_per_switch: int = Field(default=1, ge=1, le=16)
    """SSH sessions per switch; IOS has 16 vty lines (`line vty 0 15`) for every remote user."""


class Retries(Strict):
    erase_script: int = Field(default=1, ge=0, le=5)
    """Reruns of a keypad script whose expectation was not met (after a power cycle)."""


SIMULATED_BENCH = "sim"
"""The name of a simulated bench whose config names none."""


class LabConfig(Strict):
    bench: Name
    switches: dict[Name, SwitchConfig] = Field(default_factory=dict)
    cucm: CucmConfig | None = None
    tftp_tap: TapConfig | None = None
    systems: dict[Name, SystemConfig] = Field(default_factory=dict)
    """Call-control systems besides `cucm` (rig.config.systems; `rig migrate`)."""
    instruments: dict[Name, InstrumentConfig] = Field(default_factory=dict)
    phones: list[PhoneConfig] = Field(default_factory=list)
    timeouts: Timeouts = Field(default_factory=Timeouts)
    parallel: Parallel = Field(default_factory=Parallel)
    retries: Retries = Field(default_factory=Retries)
    restart_first: Literal["before_touch", "always", "never"] = "before_touch"
    """When `rig erase` restarts a phone before pressing keys, to see whether it takes the cluster's
    ITL and config by itself (docs/jobs.md, "A restart before a touch"): `before_touch` when its
    remote key presses are refused and the next keypad backend needs a person or a solenoid,
    `always` before any key, `never`."""
    simulation: Simulation | None = None

    @model_validator(mode="before")
    @classmethod
    def _simulated_bench_name(cls, data: Any) -> Any:
        """A simulated bench may go unnamed (`simulation: {phones: 3}` is a whole config): `sim`."""
        if isinstance(data, dict) and data.get("simulation") is not None and "bench" not in data:
            return {"bench": SIMULATED_BENCH, **data}
        return data

    @model_validator(mode="after")
    def _unique_phones(self) -> "LabConfig":
        """No two phones share a name, a MAC, or a switch port (in any spelling of its name)."""
        seen: dict[tuple[str, object], int] = {}
        for i, phone in enumerate(self.phones):
            port = canonical_interface(phone.port) if phone.port is not None else None
            for field, value, shown in (
                ("name", phone.name, phone.name),
                ("mac", phone.mac, phone.mac),
                *([("port", (phone.switch, port), f"{phone.switch} {port}")] if port is not None else []),
            ):
                j = seen.setdefault((field, value), i)
                if j != i:
                    raise _PhoneFieldError(
                        i, phone.name, field, f"{shown} is already the {field} of phones[{j}] ({self.phones[j].name})"
                    )
        return self

    @model_validator(mode="after")
    def _references(self) -> "LabConfig":
        for i, phone in enumerate(self.phones):
            if phone.switch is not None and phone.switch not in self.switches:
                raise _PhoneFieldError(i, phone.name, "switch", f"unknown switch {phone.switch!r}")
            meter = phone.power_meter
            if meter is not None and meter.instrument not in self.instruments:
                raise _PhoneFieldError(
                    i, phone.name, "power_meter.instrument", f"unknown instrument {meter.instrument!r}"
                )
        if self.simulation is None and not self.phones:
            raise ValueError("phones: a bench needs at least one phone (or a simulation: section)")
        if self.simulation is None and self.cucm is None:
            raise ValueError("cucm: required when phones are configured")
        if MAIN_SYSTEM in self.systems:
            raise ValueError(f"systems.{MAIN_SYSTEM}: the name of the `cucm:` section; give this system another name")
        return self

    def phone(self, name: str) -> PhoneConfig:
        for phone in self.phones:
            if phone.name == name:
                return phone
        raise ConfigError(f"no phone named {name!r} in bench {self.bench!r}"
                          f"{known_names(name, [p.name for p in self.phones], 'phones')}")

    def select(self, names: list[str] | tuple[str, ...] | None) -> list[PhoneConfig]:
        """The phones named (all when none are), in config order; unknown names are an error."""
        if not names:
            return list(self.phones)
        wanted = [self.phone(n) for n in names]
        return [p for p in self.phones if p in wanted]


class _PhoneFieldError(ValueError):
    """A cross-reference error that still names the phone and the field."""

    def __init__(self, index: int, name: str, field: str, message: str):
        super().__init__(f"phones[{index}] ({name}).{field}: {message}")


def parse_config(data: Any, source: str) -> LabConfig:
    """Validate an already-loaded document; errors name `source`."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping")
    try:
        return LabConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{source}: {one_line(error, data, LabConfig)}") from None


def load_config(path: Path | str) -> LabConfig:
    """Read and validate a lab config; relative file paths inside it are relative to the file."""
    path = Path(path)
    data = read_yaml(path)
    config = _resolve_paths(parse_config(data, str(path)), path.parent)
    check_trust_anchor(config, str(path))
    return config


def _resolve_paths(config: LabConfig, base: Path) -> LabConfig:
    def fix(p: Path | None) -> Path | None:
        if p is None:
            return None
        return p if p.is_absolute() else base / p

    switches = {
        name: sw.model_copy(
            update={
                k: fix(getattr(sw, k)) for k in ("known_hosts", "key_file")
            }
        )
        for name, sw in config.switches.items()
    }
    cucm = config.cucm
    if cucm is not None and cucm.trust_anchor is not None:
        cucm = cucm.model_copy(update={"trust_anchor": fix(cucm.trust_anchor)})
    if cucm is not None:
        cucm = cucm.model_copy(update={
            name: service.model_copy(update={"ca_bundle": fix(service.ca_bundle)})
            for name in ("risport", "axl") for service in [getattr(cucm, name)] if service is not None
        })
    sim = config.simulation
    if sim is not None and sim.from_bundle is not None:
        sim = sim.model_copy(update={"from_bundle": fix(sim.from_bundle)})
    systems = {name: system.with_paths(fix) for name, system in config.systems.items()}
    return config.model_copy(update={"switches": switches, "cucm": cucm, "simulation": sim, "systems": systems})


def dump_config(config: LabConfig) -> dict[str, Any]:
    """The config as a plain document (secrets included: used only to write a sim bench's file)."""
    data = config.model_dump(mode="json", exclude_none=True, exclude_defaults=False)

    def reveal(section: dict[str, Any], model: Credentials) -> None:
        if model.password is not None:
            section["password"] = model.password.get_secret_value()

    for name, sw in config.switches.items():
        reveal(data["switches"][name], sw)
    for name in ("risport", "axl"):
        service = getattr(config.cucm, name, None)
        if service is not None:
            reveal(data["cucm"][name], service)
    for i, phone in enumerate(config.phones):
        for j, keypad in enumerate(phone.keypad):
            if isinstance(keypad, HttpKeypadConfig):
                reveal(data["phones"][i]["keypad"][j], keypad)
    for name, system in config.systems.items():
        if isinstance(system, CmeSystem) and system.ssh is not None:
            reveal(data["systems"][name]["ssh"], system.ssh)
    return data


def with_run_settings(written: LabConfig, user: LabConfig) -> LabConfig:
    """A simulated bench's written config, with what the user's file says about the run itself.

    `parallel` and `retries` are taken whole; of `timeouts`, the fields the user gave (the rest
    stay scaled to the simulator's time by SimBench). A timeout beside `simulation:` is honoured
    rather than dropped: it is how a fault is given room (a port kept off for 3 s).
    """
    given = {name: getattr(user.timeouts, name) for name in user.timeouts.model_fields_set}
    return written.model_copy(update={
        "parallel": user.parallel,
        "retries": user.retries,
        "timeouts": written.timeouts.model_copy(update=given),
    })
