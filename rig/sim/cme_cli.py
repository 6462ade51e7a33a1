"""The simulated CUCME router's IOS command line: its ephones, which of them are registered, and
`show ephone registered`, `show ephone summary`, `show ephone` and `show telephony-service
tftp-bindings` in the layout real routers print (docs/cme.md has the sources):

- a registered phone's block, as `show ephone reg` prints it on CUCME 7.1/8.5 (Cisco document
  211258, a 7965): `ephone-1[0] Mac:0023.5E18.23EC TCP socket:[1] activeLine:0 whisperLine:0
  REGISTERED in SCCP ver 17/12 max_streams=5`, the `mediaActive:0 ...` line, `IP:10.10.202.2
  22856 7965  keepalive 186 max_line 6 available_line 6`, `button 1: dn 1  number 3001 CH1   IDLE
  CH2   IDLE`; blocks separated by a blank line (a 2801's `sh ephone registered`, two 7941s);
- an unregistered one as Cisco's CME troubleshooting guide shows it: `TCP socket:[-1] ...
  UNREGISTERED`, `IP:<last address> <port> Unknown 0 keepalive 0 max_line 0`;
- `show ephone summary` as Cisco's SRST MIB guide shows it: header, `mediaActive:0 ... debug:0`,
  `IP:<address> <model>  keepalive <n>  <button>:<dn>`, then `Max 10, Registered 3, Unregistered
  0, Deceased 0, Sockets 3` and the lines after it.

Unconfirmed, chosen by analogy and named in docs/cme.md: the model token `7942` (real output
shows `7941`, `7965`, `6941`), the SCCP versions, `max_line 2` for a 7942 (a 7941 shows 2),
`available_line`, the keepalive counts, and a never-registered phone's `IP:0.0.0.0`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from rig.sim import ios_output as out
from rig.sim.ios_exec import IosExec, Mode
from rig.sim.ios_grammar import Action
from rig.sim.names import canonical_mac, ios_mac

MODEL = "7942"
SCCP_VERSION = "17/12"
KEEPALIVE = 1


@dataclass(frozen=True)
class SimEphone:
    """One `ephone <tag>` with `mac-address` and `button 1:<tag>` on `ephone-dn <tag>`."""

    tag: int
    name: str
    mac: str  # canonical
    number: str

    @property
    def dotted(self) -> str:
        return ios_mac(self.mac).upper()


@dataclass(frozen=True)
class Registration:
    ip: str
    port: int
    socket: int


class CmeState:
    """The router's ephones and registrations; thread-safe (phones register while a client reads)."""

    def __init__(self, hostname: str, phones: Iterable[tuple[str, str]], *, first_number: int = 1001,
                 max_ephones: int = 0) -> None:
        self.hostname = hostname
        self.ephones = [SimEphone(tag, name, canonical_mac(mac), str(first_number + tag - 1))
                        for tag, (name, mac) in enumerate(phones, start=1)]
        self.max_ephones = max_ephones or len(self.ephones)
        self.bindings: list[str] = []
        """`show telephony-service tftp-bindings` lines (set by the router from its TFTP files)."""
        self._by_mac = {e.mac: e for e in self.ephones}
        self._registered: dict[str, Registration] = {}
        self._last_ip: dict[str, str] = {}
        self._sockets = 0
        self._lock = threading.Lock()

    def ephone(self, mac: str) -> SimEphone:
        found = self._by_mac.get(canonical_mac(mac))
        if found is None:
            raise ValueError(f"{mac}: no ephone of router {self.hostname} has this MAC")
        return found

    def register(self, mac: str, ip: str, port: int | None = None) -> None:
        ephone = self.ephone(mac)
        with self._lock:
            self._sockets += 1
            self._registered[ephone.mac] = Registration(ip, port or 49152 + ephone.tag, self._sockets)
            self._last_ip[ephone.mac] = ip

    def unregister(self, mac: str) -> None:
        ephone = self.ephone(mac)
        with self._lock:
            self._registered.pop(ephone.mac, None)

    def registrations(self) -> dict[str, Registration]:
        with self._lock:
            return dict(self._registered)

    def last_ip(self, mac: str) -> str:
        with self._lock:
            return self._last_ip.get(mac, "0.0.0.0")


def _header(e: SimEphone, socket: int, tail: str) -> str:
    return (f"ephone-{e.tag}[{e.tag - 1}] Mac:{e.dotted} TCP socket:[{socket}] activeLine:0 whisperLine:0 "
            f"{tail}")


def registered_block(e: SimEphone, r: Registration) -> list[str]:
    return [
        _header(e, r.socket, f"REGISTERED in SCCP ver {SCCP_VERSION} max_streams=5"),
        "mediaActive:0 whisper_mediaActive:0 startMedia:0 offhook:0 ringing:0 reset:0 reset_sent:0 paging 0 "
        "debug:0 caps:9",
        f"IP:{r.ip} {r.port} {MODEL}  keepalive {KEEPALIVE} max_line 2 available_line 2",
        f"button 1: dn {e.tag}  number {e.number} CH1   IDLE         CH2   IDLE",
        "",
    ]


def unregistered_block(e: SimEphone, last_ip: str) -> list[str]:
    return [
        _header(e, -1, "UNREGISTERED"),
        "mediaActive:0 whisper_mediaActive:0 startMedia:0 offhook:0 ringing:0 reset:0 reset_sent:0 paging 0 "
        "debug:0 caps:0",
        f"IP:{last_ip} 0 Unknown 0 keepalive 0 max_line 0",
        "",
    ]


class CmeSession(IosExec):
    """One terminal session of the router (user and privileged exec mode)."""

    def __init__(self, state: CmeState, *, enable_secret: str | None) -> None:
        self.router = state
        super().__init__(enable_secret=enable_secret)

    @property
    def hostname(self) -> str:
        return self.router.hostname

    def _tables(self) -> dict[Mode, list[tuple[str, Action]]]:
        shows: list[tuple[str, Action]] = self.exec_commands() + [
            ("show ephone", self.show_ephone),
            ("show ephone registered", self.show_registered),
            ("show ephone unregistered", self.show_unregistered),
            ("show ephone summary", self.show_summary),
        ]
        privileged: list[tuple[str, Action]] = [
            ("disable", self.disable),
            ("show telephony-service tftp-bindings", self.show_bindings),
        ]
        return {Mode.USER: shows, Mode.PRIV: shows + privileged}

    def _blocks(self, *, registered: bool, unregistered: bool) -> str:
        now = self.router.registrations()
        lines: list[str] = []
        for e in self.router.ephones:
            if e.mac in now and registered:
                lines += registered_block(e, now[e.mac])
            elif e.mac not in now and unregistered:
                lines += unregistered_block(e, self.router.last_ip(e.mac))
        return out.lines(*lines) if lines else ""

    def show_ephone(self) -> str:
        return self._blocks(registered=True, unregistered=True)

    def show_registered(self) -> str:
        return self._blocks(registered=True, unregistered=False)

    def show_unregistered(self) -> str:
        return self._blocks(registered=False, unregistered=True)

    def show_summary(self) -> str:
        now = self.router.registrations()
        lines: list[str] = []
        for e in self.router.ephones:
            r = now.get(e.mac)
            lines += [
                f"ephone-{e.tag} Mac:{e.dotted} TCP socket:[{r.socket if r else -1}] activeLine:0 "
                + ("REGISTERED" if r else "UNREGISTERED"),
                "mediaActive:0 offhook:0 ringing:0 reset:0 reset_sent:0 debug:0",
                f"IP:{r.ip if r else '0.0.0.0'} {MODEL if r else 'Unknown 0'}  keepalive "
                f"{KEEPALIVE if r else 0}  1:{e.tag}",
            ]
        total = len(self.router.ephones)
        lines += [
            f"Max {self.router.max_ephones}, Registered {len(now)}, Unregistered {total - len(now)}, Deceased 0, "
            f"Sockets {len(now)}",
            "ephone_send_packet process switched 0",
            "Max Conferences 8 with 0 active (8 allowed)",
            "Skinny Music On Hold Status",
            "Active MOH clients 0 (max 480), Media Clients 0",
            "No MOH file loaded",
        ]
        return out.lines(*lines)

    def show_bindings(self) -> str:
        return out.lines(*self.router.bindings)
