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

from rig.sim import ios_lldp as lldp
from rig.sim import ios_output as out
from rig.sim.ios_exec import IosExec, Mode, Reply
from rig.sim.ios_grammar import IF, NUM, RANGES, Action
from rig.sim.ios_ports import Port, SwitchState

__all__ = ["IosSession", "Mode", "Reply", "SwitchState"]


class IosSession(IosExec):
    """One terminal session of the switch: its mode, current interface and terminal settings."""

    def __init__(self, state: SwitchState, *, enable_secret: str | None) -> None:
        self.state: SwitchState = state
        self.interfaces: list[Port] = []  # one in config-if mode, several in config-if-range
        super().__init__(enable_secret=enable_secret)

    @property
    def hostname(self) -> str:
        return self.state.hostname

    def _tables(self) -> dict[Mode, list[tuple[str, Action]]]:
        s = self  # the tables read as the switch's command list
        exec_common: list[tuple[str, Action]] = s.exec_commands() + [
            ("show version", s.show_version),
            ("show power inline", s.show_power),
            (f"show power inline {IF}", s.show_power),
            ("show power inline detail", s.show_power_detail),
            (f"show power inline {IF} detail", s.show_power_detail),
            ("show cdp neighbors", s.show_cdp),
            (f"show cdp neighbors {IF}", s.show_cdp),
            ("show cdp neighbors detail", s.show_cdp_detail),
            (f"show cdp neighbors {IF} detail", s.show_cdp_detail),
            ("show cdp", s.show_cdp_global),
            ("show lldp", s.show_lldp_global),
            ("show lldp neighbors detail", s.show_lldp_detail),
            (f"show lldp neighbors {IF} detail", s.show_lldp_detail),
            ("show interfaces switchport", s.show_switchport),
            (f"show interfaces {IF} switchport", s.show_switchport),
            ("show mac address-table", s.show_macs),
            (f"show mac address-table interface {IF}", s.show_macs),
            ("show mac-address-table", s.show_macs),
            (f"show mac-address-table interface {IF}", s.show_macs),
        ]
        privileged: list[tuple[str, Action]] = [
            ("disable", s.disable),
            ("configure terminal", s.configure),
            ("show running-config", s.show_running),
            (f"show running-config interface {IF}", s.show_running_interface),
        ]
        config: list[tuple[str, Action]] = [
            (f"interface {IF}", s.enter_interface),
            (f"interface range {RANGES}", s.enter_range),
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
        return {
            Mode.USER: exec_common,
            Mode.PRIV: exec_common + privileged,
            Mode.CONFIG: config,
            Mode.CONFIG_IF: config_if,
            Mode.CONFIG_IF_RANGE: config_if,
        }

    def show_version(self) -> str:
        return out.version(self.state.hostname, self.state.uptime())

    def _poe_rows(self, port: Port | None) -> list[out.PoeRow]:
        with self.state.lock:
            ports = [port] if port else self.state.sorted_ports()
            return [self.state.poe_row(p) for p in ports if p.poe]

    def show_power(self, port: Port | None = None) -> str:
        return out.power_inline(self._poe_rows(port), budgets=None if port else self.state.budgets)

    def show_power_detail(self, port: Port | None = None) -> str:
        return out.power_inline_detail(self._poe_rows(port))

    def _cdp_rows(self, port: Port | None) -> list[out.CdpRow]:
        with self.state.lock:
            ports = [port] if port else self.state.sorted_ports()
            return [r for p in ports for r in self.state.cdp_rows(p)]

    def show_cdp(self, port: Port | None = None) -> str:
        return out.cdp_neighbors(self._cdp_rows(port)) if self.state.cdp else lldp.CDP_OFF

    def show_cdp_detail(self, port: Port | None = None) -> str:
        return out.cdp_neighbors_detail(self._cdp_rows(port)) if self.state.cdp else lldp.CDP_OFF

    def show_cdp_global(self) -> str:
        return lldp.CDP_GLOBAL if self.state.cdp else lldp.CDP_OFF

    def show_lldp_global(self) -> str:
        return lldp.LLDP_GLOBAL if self.state.lldp else lldp.LLDP_OFF

    def show_lldp_detail(self, port: Port | None = None) -> str:
        if not self.state.lldp:
            return lldp.LLDP_OFF
        with self.state.lock:
            ports = [port] if port else self.state.sorted_ports()
            rows = [r for p in ports if (r := self.state.lldp_row(p)) is not None]
        return lldp.lldp_neighbors_detail(rows)

    def show_macs(self, port: Port | None = None) -> str:
        with self.state.lock:
            ports = [port] if port else self.state.sorted_ports()
            rows = [r for p in ports for r in self.state.mac_rows(p)]
        return out.mac_address_table(rows if port else out.cpu_mac_rows() + rows)

    def show_switchport(self, port: Port | None = None) -> str:
        with self.state.lock:
            ports = [port] if port else self.state.sorted_ports()
            return out.switchport([self.state.switchport(p) for p in ports])

    @staticmethod
    def _interface_config(port: Port) -> list[str]:
        body = [f"interface {port.long_name}"]
        if port.trunk:
            body.append(" switchport mode trunk")
        if port.voice_vlan is not None:
            body.append(f" switchport voice vlan {port.voice_vlan}")
        if port.admin == "never":
            body.append(" power inline never")
        return body

    def show_running_interface(self, port: Port) -> str:
        return self._running([*self._interface_config(port), "end"])

    def show_running(self) -> str:
        """The whole running configuration: the hostname, then every port's section."""
        with self.state.lock:
            sections = [line for p in self.state.sorted_ports() for line in [*self._interface_config(p), "!"]]
        return self._running([f"hostname {self.state.hostname}", "!", *sections, "end"])

    @staticmethod
    def _running(body: list[str]) -> str:
        size = sum(len(b) + 1 for b in body)
        return out.lines(
            "Building configuration...", "", f"Current configuration : {size} bytes", "!", *body, ""
        )

    def configure(self) -> str:
        self.mode = Mode.CONFIG
        return out.lines("Enter configuration commands, one per line.  End with CNTL/Z.")

    # --- config ----------------------------------------------------------------------------

    def enter_interface(self, port: Port) -> str:
        self.mode, self.interfaces = Mode.CONFIG_IF, [port]
        return ""

    def enter_range(self, ports: list[Port]) -> str:
        """`interface range Gi1/0/1 - 4 , Gi1/0/9`: later commands apply to every port (source:
        Cisco Catalyst 3750 configuration guide, "Configuring a Range of Interfaces"; the
        `(config-if-range)#` prompt as Network Warrior's 3750 transcript shows it)."""
        self.mode, self.interfaces = Mode.CONFIG_IF_RANGE, ports
        return ""

    def end(self) -> str:
        self.mode, self.interfaces = Mode.PRIV, []
        return ""

    def exit_config(self) -> str:
        if self.mode in (Mode.CONFIG_IF, Mode.CONFIG_IF_RANGE):
            self.mode, self.interfaces = Mode.CONFIG, []
        else:
            self.mode = Mode.PRIV
        return ""

    def _current(self) -> list[Port]:
        assert self.interfaces, "config-if modes always have an interface"
        return self.interfaces

    def power_never(self) -> str:
        for port in self._current():
            self.state.set_power(port, "never")
        return ""

    def power_auto(self) -> str:
        for port in self._current():
            self.state.set_power(port, "auto")
        return ""

    def voice_vlan(self, vlan: int) -> str:
        for port in self._current():
            port.voice_vlan = vlan
        return ""

    def no_voice_vlan(self) -> str:
        for port in self._current():
            port.voice_vlan = None
        return ""
