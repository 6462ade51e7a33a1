"""The IOS command interpreter of the simulated switch: modes, prompts, abbreviations, errors.

No sockets here: `IosSession.handle(line)` takes one typed line and returns what the terminal
shows next (output, then the prompt). Commands are matched the way IOS matches them - every word
may be abbreviated to any unambiguous prefix, an exact keyword wins over longer ones, interface
names take IOS's short and long spellings - so `sh pow inl gi1/0/3`, `conf t` and `int g1/0/3`
work, and a wrong word gets the caret under it. That matters because automation libraries and
people type different spellings; the simulation must accept exactly what a switch accepts.

`power inline never|auto` really switches the device on the port; `show` output is formatted by
`rig.sim.ios_output` from what the devices report at that moment.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from rig.sim import ios_output as out
from rig.sim.model import PoweredDevice

# Long interface type -> (show-output abbreviation, CDP-table abbreviation).
INTERFACE_TYPES: dict[str, tuple[str, str]] = {
    "GigabitEthernet": ("Gi", "Gig"),
    "FastEthernet": ("Fa", "Fas"),
    "TenGigabitEthernet": ("Te", "Ten"),
    "TwoGigabitEthernet": ("Tw", "Two"),
    "FiveGigabitEthernet": ("Fi", "Fiv"),
    "TwentyFiveGigE": ("Twe", "Twe"),
    "FortyGigabitEthernet": ("Fo", "For"),
    "HundredGigE": ("Hu", "Hun"),
}
_INTERFACE = re.compile(r"([A-Za-z][A-Za-z-]*)\s*(\d+(?:/\d+)*)")

INVALID_INPUT = "% Invalid input detected at '^' marker."
INCOMPLETE = "% Incomplete command."


def split_interface(text: str) -> tuple[str, str] | None:
    """(`GigabitEthernet`, `1/0/5`) for any spelling IOS accepts, or None."""
    m = _INTERFACE.fullmatch(text.strip())
    if not m:
        return None
    prefix = m.group(1).lower()
    exact = [long for long, (short, _) in INTERFACE_TYPES.items() if short.lower() == prefix]
    candidates = exact or [long for long in INTERFACE_TYPES if long.lower().startswith(prefix)]
    return (candidates[0], m.group(2)) if len(candidates) == 1 else None


@dataclass
class Port:
    """One switch port and what is plugged into it."""

    long_type: str
    number: str
    device: PoweredDevice | None
    admin: str = "auto"  # auto | never
    voice_vlan: int | None = None

    @property
    def long_name(self) -> str:
        return f"{self.long_type}{self.number}"

    @property
    def short_name(self) -> str:
        return f"{INTERFACE_TYPES[self.long_type][0]}{self.number}"

    @property
    def cdp_name(self) -> str:
        return f"{INTERFACE_TYPES[self.long_type][1]} {self.number}"

    def sort_key(self) -> tuple[str, tuple[int, ...]]:
        return self.long_type, tuple(int(n) for n in self.number.split("/"))


class SwitchState:
    """What every session of one switch shares: hostname, ports, their configuration."""

    def __init__(self, hostname: str, ports: dict[str, PoweredDevice | None]) -> None:
        self.hostname = hostname
        self.lock = threading.RLock()
        self.booted = time.monotonic()
        self.ports: dict[tuple[str, str], Port] = {}
        for name, device in ports.items():
            parts = split_interface(name)
            if parts is None:
                raise ValueError(f"switch {hostname}: not an interface name: {name!r}")
            self.ports[parts] = Port(*parts, device=device)

    def port(self, text: str) -> Port | None:
        parts = split_interface(text)
        return self.ports.get(parts) if parts else None

    def sorted_ports(self) -> list[Port]:
        return sorted(self.ports.values(), key=Port.sort_key)

    def set_power(self, port: Port, admin: str) -> None:
        """`power inline never` cuts the device's power; `auto` gives it back."""
        with self.lock:
            port.admin = admin
            if port.device is None:
                return
            if admin == "never":
                port.device.power_off()
            else:
                port.device.power_on()

    # --- what the show commands see -------------------------------------------------------

    def poe_row(self, port: Port) -> out.PoeRow:
        device = port.device
        if port.admin == "never":
            return out.PoeRow(port.short_name, "off", "off", 0.0, "n/a", "n/a")
        if device is None or device.draw_watts <= 0:
            return out.PoeRow(port.short_name, "auto", "off", 0.0, "n/a", "n/a")
        cdp = device.cdp()
        label = cdp.platform.removeprefix("Cisco ") if cdp else "Ieee PD"
        return out.PoeRow(
            port.short_name, "auto", "on", device.draw_watts, label, str(device.poe_class)
        )

    def cdp_row(self, port: Port) -> out.CdpRow | None:
        if port.device is None or port.admin == "never":
            return None
        info = port.device.cdp()
        if info is None:
            return None
        return out.CdpRow(
            device_id=info.device_id,
            local_interface=port.long_name,
            cdp_interface=port.cdp_name,
            holdtime=info.holdtime,
            capabilities=info.capabilities,
            platform=info.platform,
            port_id=info.port_id,
            ip=info.ip,
            software=info.software,
            power_drawn_w=info.power_drawn_w,
        )

    def mac_row(self, port: Port) -> out.MacRow | None:
        device = port.device
        if device is None or port.admin == "never" or not device.link_up():
            return None
        vlan = port.voice_vlan if port.voice_vlan is not None else 1
        return out.MacRow(str(vlan), device.mac, "DYNAMIC", port.short_name)

    def uptime(self) -> str:
        minutes = int(time.monotonic() - self.booted) // 60
        return f"{minutes // 60} hours, {minutes % 60} minutes"


class Mode(Enum):
    USER = ">"
    PRIV = "#"
    CONFIG = "(config)#"
    CONFIG_IF = "(config-if)#"


# --- command grammar ----------------------------------------------------------------------

Action = Callable[..., "str | Reply"]
IF = "<interface>"
NUM = "<number>"
_PARAMS = (IF, NUM)


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    param: tuple[str, _Node] | None = None
    action: Action | None = None


class _Mismatch(Exception):
    """Input that no command accepts: `word` is the index of the word the caret points at."""

    def __init__(self, kind: str, word: int = 0) -> None:
        super().__init__(kind)
        self.kind = kind  # invalid | incomplete | ambiguous
        self.word = word


class Grammar:
    """A tree of keywords and parameters; walking it resolves IOS abbreviations."""

    def __init__(self) -> None:
        self.root = _Node()

    def add(self, pattern: str, action: Action) -> None:
        node = self.root
        for token in pattern.split():
            if token in _PARAMS:
                if node.param is None:
                    node.param = (token, _Node())
                node = node.param[1]
            else:
                node = node.children.setdefault(token, _Node())
        node.action = action

    def resolve(
        self, words: list[str], state: SwitchState
    ) -> tuple[Action, list[object]]:
        node, i = self.root, 0
        args: list[object] = []
        while i < len(words):
            word = words[i].lower()
            exact = node.children.get(word)
            matches = [k for k in node.children if k.startswith(word)]
            if exact is not None or len(matches) == 1:
                node = exact if exact is not None else node.children[matches[0]]
                i += 1
            elif len(matches) > 1:
                raise _Mismatch("ambiguous", i)
            elif node.param is None:
                raise _Mismatch("invalid", i)
            else:
                kind, nxt = node.param
                value, used = self._param(kind, words, i, state)
                args.append(value)
                node, i = nxt, i + used
        if node.action is None:
            raise _Mismatch("incomplete", len(words))
        return node.action, args

    @staticmethod
    def _param(kind: str, words: list[str], i: int, state: SwitchState) -> tuple[object, int]:
        if kind == NUM:
            if not words[i].isdigit():
                raise _Mismatch("invalid", i)
            return int(words[i]), 1
        # An interface is one word (gi1/0/5) or two (GigabitEthernet 1/0/5).
        spellings = [(words[i], 1)]
        if words[i].isalpha() and i + 1 < len(words):
            spellings.insert(0, (words[i] + words[i + 1], 2))
        for text, used in spellings:
            port = state.port(text)
            if port is not None:
                return port, used
        raise _Mismatch("invalid", i)


# --- sessions -----------------------------------------------------------------------------


@dataclass
class Reply:
    text: str  # everything the terminal shows after the echoed line, prompt included
    close: bool = False  # the session ends (`exit` from exec mode)
    echo: bool = True  # whether the next line typed is echoed (not for passwords)


class IosSession:
    """One terminal session: its mode, current interface and terminal settings."""

    def __init__(self, state: SwitchState, *, enable_secret: str | None) -> None:
        self.state = state
        self.enable_secret = enable_secret
        self.mode = Mode.USER if enable_secret else Mode.PRIV
        self.interface: Port | None = None
        self.terminal_length = 24
        self.terminal_width = 80
        self.commands_seen = 0  # non-empty lines typed, for the switch's drop fault
        self._awaiting_secret = False
        self._grammars = _build_grammars(self)

    def prompt(self) -> str:
        return f"{self.state.hostname}{self.mode.value}"

    def banner(self) -> Reply:
        return Reply(out.lines("") + self.prompt())

    def handle(self, line: str) -> Reply:
        """One line typed at the prompt -> what the switch prints next."""
        if self._awaiting_secret:
            return self._check_secret(line)
        words = line.split()
        if not words:
            return Reply(self.prompt())
        try:
            action, args = self._grammars[self.mode].resolve(words, self.state)
        except _Mismatch as miss:
            return Reply(self._error(line, miss) + self.prompt())
        result = action(*args)
        if isinstance(result, Reply):
            return result
        return Reply(result + self.prompt())

    def _error(self, line: str, miss: _Mismatch) -> str:
        if miss.kind == "incomplete":
            return out.lines(INCOMPLETE, "")
        if miss.kind == "ambiguous":
            return out.lines(f'% Ambiguous command:  "{line.strip()}"')
        offset = [m.start() for m in re.finditer(r"\S+", line)][miss.word]
        return out.lines(" " * (len(self.prompt()) + offset) + "^", INVALID_INPUT, "")

    # --- exec ------------------------------------------------------------------------------

    def enable(self) -> str | Reply:
        if self.mode is Mode.PRIV:
            return ""
        if self.enable_secret is None:
            self.mode = Mode.PRIV
            return ""
        self._awaiting_secret = True
        return Reply("Password: ", echo=False)

    def _check_secret(self, line: str) -> Reply:
        self._awaiting_secret = False
        if line.strip() == self.enable_secret:
            self.mode = Mode.PRIV
            return Reply(out.lines("") + self.prompt())
        return Reply(out.lines("", "% Bad secrets", "") + self.prompt())

    def disable(self) -> str:
        self.mode = Mode.USER
        return ""

    def exit_exec(self) -> Reply:
        return Reply("", close=True)

    def set_length(self, n: int) -> str:
        self.terminal_length = n
        return ""

    def set_width(self, n: int) -> str:
        self.terminal_width = n
        return ""

    def show_version(self) -> str:
        return out.version(self.state.hostname, self.state.uptime())

    def _poe_rows(self, port: Port | None) -> list[out.PoeRow]:
        with self.state.lock:
            ports = [port] if port else self.state.sorted_ports()
            return [self.state.poe_row(p) for p in ports]

    def show_power(self, port: Port | None = None) -> str:
        return out.power_inline(self._poe_rows(port), module_block=port is None)

    def show_power_detail(self, port: Port | None = None) -> str:
        return out.power_inline_detail(self._poe_rows(port))

    def _cdp_rows(self, port: Port | None) -> list[out.CdpRow]:
        with self.state.lock:
            ports = [port] if port else self.state.sorted_ports()
            return [r for p in ports if (r := self.state.cdp_row(p)) is not None]

    def show_cdp(self, port: Port | None = None) -> str:
        return out.cdp_neighbors(self._cdp_rows(port))

    def show_cdp_detail(self, port: Port | None = None) -> str:
        return out.cdp_neighbors_detail(self._cdp_rows(port))

    def show_macs(self, port: Port | None = None) -> str:
        with self.state.lock:
            ports = [port] if port else self.state.sorted_ports()
            rows = [r for p in ports if (r := self.state.mac_row(p)) is not None]
        return out.mac_address_table(rows if port else out.cpu_mac_rows() + rows)

    def show_running_interface(self, port: Port) -> str:
        body = [f"interface {port.long_name}"]
        if port.voice_vlan is not None:
            body.append(f" switchport voice vlan {port.voice_vlan}")
        if port.admin == "never":
            body.append(" power inline never")
        body.append("end")
        size = sum(len(b) + 1 for b in body)
        return out.lines(
            "Building configuration...", "", f"Current configuration : {size} bytes", "!", *body, ""
        )

    def configure(self) -> str:
        self.mode = Mode.CONFIG
        return out.lines("Enter configuration commands, one per line.  End with CNTL/Z.")

    # --- config ----------------------------------------------------------------------------

    def enter_interface(self, port: Port) -> str:
        self.mode, self.interface = Mode.CONFIG_IF, port
        return ""

    def end(self) -> str:
        self.mode, self.interface = Mode.PRIV, None
        return ""

    def exit_config(self) -> str:
        if self.mode is Mode.CONFIG_IF:
            self.mode, self.interface = Mode.CONFIG, None
        else:
            self.mode = Mode.PRIV
        return ""

    def _current(self) -> Port:
        assert self.interface is not None, "config-if mode always has an interface"
        return self.interface

    def power_never(self) -> str:
        self.state.set_power(self._current(), "never")
        return ""

    def power_auto(self) -> str:
        self.state.set_power(self._current(), "auto")
        return ""

    def voice_vlan(self, vlan: int) -> str:
        self._current().voice_vlan = vlan
        return ""

    def no_voice_vlan(self) -> str:
        self._current().voice_vlan = None
        return ""


def _build_grammars(s: IosSession) -> dict[Mode, Grammar]:
    exec_common: list[tuple[str, Action]] = [
        ("enable", s.enable),
        ("exit", s.exit_exec),
        ("logout", s.exit_exec),
        (f"terminal length {NUM}", s.set_length),
        (f"terminal width {NUM}", s.set_width),
        ("show version", s.show_version),
        ("show power inline", s.show_power),
        (f"show power inline {IF}", s.show_power),
        ("show power inline detail", s.show_power_detail),
        (f"show power inline {IF} detail", s.show_power_detail),
        ("show cdp neighbors", s.show_cdp),
        (f"show cdp neighbors {IF}", s.show_cdp),
        ("show cdp neighbors detail", s.show_cdp_detail),
        (f"show cdp neighbors {IF} detail", s.show_cdp_detail),
        ("show mac address-table", s.show_macs),
        (f"show mac address-table interface {IF}", s.show_macs),
        ("show mac-address-table", s.show_macs),
        (f"show mac-address-table interface {IF}", s.show_macs),
    ]
    privileged: list[tuple[str, Action]] = [
        ("disable", s.disable),
        ("configure terminal", s.configure),
        (f"show running-config interface {IF}", s.show_running_interface),
    ]
    config: list[tuple[str, Action]] = [
        (f"interface {IF}", s.enter_interface),
        ("end", s.end),
        ("exit", s.exit_config),
    ]
    config_if = config + [
        ("power inline never", s.power_never),
        ("power inline auto", s.power_auto),
        ("no power inline", s.power_auto),
        ("no power inline never", s.power_auto),
        (f"switchport voice vlan {NUM}", s.voice_vlan),
        ("no switchport voice vlan", s.no_voice_vlan),
    ]
    tables = {
        Mode.USER: exec_common,
        Mode.PRIV: exec_common + privileged,
        Mode.CONFIG: config,
        Mode.CONFIG_IF: config_if,
    }
    grammars: dict[Mode, Grammar] = {}
    for mode, table in tables.items():
        grammars[mode] = Grammar()
        for pattern, action in table:
            grammars[mode].add(pattern, action)
    return grammars
