"""The ports of a simulated switch and IOS's spellings of interface names.

`SwitchState` is what every session of one switch shares (hostname, ports, their PoE and voice
VLAN settings) and what the `show` commands read; the interpreter lives in `rig.sim.ios_cli`.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from rig.sim import ios_output as out
from rig.sim.ios_lldp import LldpRow
from rig.sim.model import CdpInfo, PoweredDevice
from rig.sim.switch_history import SwitchHistory

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
MAX_RANGES = 5
_RANGE = re.compile(r"(.+?)(?:\s*-\s*(\d+))?")
_INTERFACE = re.compile(r"([A-Za-z][A-Za-z-]*)\s*(\d+(?:/\d+)*)")


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
    trunk: bool = False  # `switchport mode trunk`
    poe: bool = True  # False: a port without PoE, absent from `show power inline`
    behind: list[tuple[int, str]] = field(default_factory=list)
    """(VLAN, MAC) entries learned on the port besides its device's: what sits behind it."""
    neighbours: list[CdpInfo] = field(default_factory=list)
    """CDP neighbours on the port besides its device (a switch behind an uplink)."""

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

    def __init__(self, hostname: str, ports: dict[str, PoweredDevice | None], *,
                 budgets: dict[int, float] | None = None, cdp: bool = True, lldp: bool = False) -> None:
        self.hostname = hostname
        self.budgets = dict(budgets or {1: out.MODULE_BUDGET_WATTS})
        """Stack member -> available PoE watts, one `Module` block each in `show power inline`."""
        self.cdp = cdp
        self.lldp = lldp
        self.version_text: str | None = None
        """`show version` answered verbatim (a bundle's switch), instead of the simulator's own."""
        self.lock = threading.RLock()
        self.booted = time.monotonic()
        self.ports: dict[tuple[str, str], Port] = {}
        self.history = SwitchHistory()
        for name, device in ports.items():
            parts = split_interface(name)
            if parts is None:
                raise ValueError(f"switch {hostname}: not an interface name: {name!r}")
            self.ports[parts] = Port(*parts, device=device)
        for member in {int(number.split("/")[0]) for _, number in self.ports if "/" in number}:
            # a member with ports has a `Module` block too (a 49th phone on a one-member bench
            # is on Gi2/0/1: without its block, `show power inline` left it out)
            self.budgets.setdefault(member, out.MODULE_BUDGET_WATTS)

    def port(self, text: str) -> Port | None:
        parts = split_interface(text)
        return self.ports.get(parts) if parts else None

    def port_ranges(self, text: str) -> list[Port] | None:
        """The ports of `Gi1/0/1 - 4 , Gi1/0/9`: at most five comma-separated ranges, each of
        existing ports (source: Cisco Catalyst 3750 configuration guide, "Configuring a Range of
        Interfaces"; what IOS prints past five ranges is unconfirmed: refused here as invalid)."""
        parts = text.split(",")
        if len(parts) > MAX_RANGES:
            return None
        chosen: list[Port] = []
        for part in parts:
            m = _RANGE.fullmatch(part.strip())
            first = self.port(m.group(1)) if m else None
            if m is None or first is None:
                return None
            base, _, start = first.number.rpartition("/")
            last = int(m.group(2) or start)
            numbers = [f"{base}/{n}" if base else str(n) for n in range(int(start), last + 1)]
            ports = [self.ports.get((first.long_type, n)) for n in numbers]
            if not ports or None in ports:
                return None
            chosen += [p for p in ports if p is not None]
        return chosen

    def sorted_ports(self) -> list[Port]:
        return sorted(self.ports.values(), key=Port.sort_key)

    def set_power(self, port: Port, admin: str) -> None:
        """`power inline never` cuts the device's power; `auto` gives it back."""
        with self.lock:
            port.admin = admin
            self.history.port_event(port.short_name, "never" if admin == "never" else "auto",
                                    port.device.name if port.device else None)
            if port.device is None:
                return
            if admin == "never":
                port.device.power_off()
            else:
                port.device.power_on()

    # --- cables and entries moved under a running switch (tests drive these) ----------------

    def swap_cables(self, a: str, b: str) -> None:
        """The devices of ports `a` and `b` change places (two desks' cables swapped), as one
        instant replug: a device keeps running on a port whose power is on (`auto`), and is
        unpowered on a port turned off (`never`) - the MAC table shows it on its new port at once."""
        with self.lock:
            first, second = self.port(a), self.port(b)
            if first is None or second is None:
                raise ValueError(f"switch {self.hostname}: no port {a if first is None else b!r}")
            first.device, second.device = second.device, first.device
            for port in (first, second):
                self.history.port_event(port.short_name, "plugged", port.device.name if port.device else None)
                if port.device is not None:
                    (port.device.power_on if port.admin == "auto" else port.device.power_off)()

    def visible_macs(self) -> dict[str, str]:
        """Port -> name of the device whose own MAC the address table shows on it now."""
        with self.lock:
            return {p.short_name: p.device.name for p in self.ports.values()
                    if p.device is not None and p.admin != "never" and p.device.link_up()}

    def add_entry(self, port: str, mac: str, vlan: int) -> None:
        """The MAC table shows `mac` on `port` in `vlan` too (a stale entry, a PC behind a phone)."""
        with self.lock:
            self._existing(port).behind.append((vlan, mac))

    def remove_poe(self, port: str) -> None:
        with self.lock:
            self._existing(port).poe = False

    def make_uplink(self, port: str, neighbour: CdpInfo, macs: list[str]) -> None:
        """The port becomes a trunk to another switch: `neighbour` on CDP, `macs` behind it."""
        with self.lock:
            found = self._existing(port)
            found.trunk = True
            found.neighbours.append(neighbour)
            found.behind += [(1, mac) for mac in macs]

    def _existing(self, text: str) -> Port:
        found = self.port(text)
        if found is None:
            raise ValueError(f"switch {self.hostname}: no port {text!r}")
        return found

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

    def cdp_rows(self, port: Port) -> list[out.CdpRow]:
        own = self._device_cdp(port)
        return [self._cdp_row(port, info) for info in ([own] if own else []) + port.neighbours]

    @staticmethod
    def _device_cdp(port: Port) -> CdpInfo | None:
        if port.device is None or port.admin == "never":
            return None
        return port.device.cdp()

    @staticmethod
    def _cdp_row(port: Port, info: CdpInfo) -> out.CdpRow:
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
            # any stable number, as on the real phones; a switch behind the port shows none
            power_request_id=int(info.device_id[-4:], 16) if info.device_id.startswith("SEP") else 0,
        )

    def lldp_row(self, port: Port) -> LldpRow | None:
        """What the device on the port announces by LLDP-MED: the facts it announces by CDP."""
        if port.device is None or port.admin == "never":
            return None
        info = port.device.cdp()
        if info is None:
            return None
        return LldpRow(port.short_name, port.device.mac, info.ip, info.platform, info.software,
                       info.power_drawn_w, port.voice_vlan)

    def mac_rows(self, port: Port) -> list[out.MacRow]:
        rows = [out.MacRow(str(vlan), mac, "DYNAMIC", port.short_name) for vlan, mac in port.behind]
        device = port.device
        if device is None or port.admin == "never" or not device.link_up():
            return rows
        vlan = port.voice_vlan if port.voice_vlan is not None else 1
        return [out.MacRow(str(vlan), device.mac, "DYNAMIC", port.short_name), *rows]

    def switchport(self, port: Port) -> out.SwitchportBlock:
        up = port.trunk or (port.device is not None and port.admin != "never" and port.device.link_up())
        return out.SwitchportBlock(port.short_name, port.trunk, up, port.voice_vlan)

    def uptime(self) -> str:
        minutes = int(time.monotonic() - self.booted) // 60
        return f"{minutes // 60} hours, {minutes % 60} minutes"
