"""A Cisco Unified CME router over SSH: which phones (ephones) it has registered, read from
`show ephone registered`, or from `show ephone summary` where that is refused.

Why this exists: a phone moved to CUCME proves its move by registering there, and the router's own
list is the evidence (issue 24). The session is `rig.drivers.ios_switch.IosSwitch`'s - netmiko's
`cisco_ios` driver, strict host keys, one persistent session with one reconnect, `% ...` error
lines raised - because a CME router is an IOS router: its vty behaves as a switch's does. Its
errors are re-raised as CmeError (`part` "cme"), naming the router, never a secret.

The layout parsed (sources: tests/fixtures/real/cme/, tests/cme_samples.py, docs/cme.md):
- one block per ephone, starting `ephone-<tag>[<index>] Mac:<dotted MAC> TCP socket:[<n>]
  activeLine:<n> [whisperLine:<n>] <STATE> ...` (`[<index>]` and `whisperLine` only in later
  releases); STATE is REGISTERED, UNREGISTERED or DECEASED;
- `IP:<address> [*] [<port>] <model> keepalive <n> ...` (`Telecaster 7960`, `7941`, `6941`,
  `Unknown 0`); `show ephone summary` prints no port, and after the keepalive count the button to
  ephone-dn pairs (`1:1 2:2`);
- `button <n>: [cw:1 ccw:(0 0)] dn <tag>  number <number> CH1 ...` in `show ephone registered`
  (in CME 12.6 output the `dn` part starts the next line);
- `show ephone summary` ends with `Max 10, Registered 3, Unregistered 0, Deceased 0, Sockets 3`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from rig.drivers.errors import DeviceError
from rig.drivers.ios_errors import SwitchAuthError, SwitchCommandError, SwitchError, SwitchHostKeyError, SwitchTimeout
from rig.drivers.ios_switch import IosSwitch
from rig.drivers.macaddr import normalize_mac, sep_name

__all__ = ["CmeAuthError", "CmeCommandError", "CmeError", "CmeRouter", "CmeTimeout", "Ephone", "parse_ephones"]

REGISTERED = "REGISTERED"
_HEADER = re.compile(
    r"^ephone-(?P<tag>\d+)(?:\[\d+\])?\s+Mac:\s*(?P<mac>[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})"
    r"\s+TCP socket:\[(?P<socket>-?\d+)\](?P<rest>.*)$"
)
_STATE = re.compile(r"\b(UNREGISTERED|REGISTERED|DECEASED)\b")
_IP_LINE = re.compile(
    r"^IP:(?P<ip>\d{1,3}(?:\.\d{1,3}){3})\*?\s+(?:\*\s+)?(?:\d+\s+(?=\S.*?\skeepalive\b))?"
    r"(?P<model>.*?)\s*keepalive\s+\d+(?P<tail>.*)$"
)
_DN_NUMBER = re.compile(r"\bdn (\d+)\s+number (\S+)")
_BUTTON_PAIR = re.compile(r"(?<![\w:])(\d+):(\d+)(?![\w:])")


@dataclass(frozen=True)
class Ephone:
    """One ephone as the router lists it."""

    tag: int
    """The `ephone <tag>` of the router's configuration."""
    mac: str
    """12 upper-case hex digits (the router prints `0024.C445.168B`)."""
    state: str
    """REGISTERED, UNREGISTERED or DECEASED, as printed."""
    ip: str | None
    """The phone's address; None where the router shows none (or 0.0.0.0)."""
    socket: int
    """The SCCP TCP socket number; -1 when the phone has none (not registered)."""
    model: str | None
    """The phone type as the router names it (`7941`, `Telecaster 7960`); None where not shown."""
    dns: tuple[int, ...] = ()
    """The ephone-dn tags on its buttons, in button order."""
    numbers: tuple[str, ...] = ()
    """Their directory numbers, where the output shows them (`show ephone registered` does,
    `show ephone summary` does not)."""

    @property
    def registered(self) -> bool:
        return self.state == REGISTERED

    @property
    def device_name(self) -> str:
        return sep_name(self.mac)


def _block(lines: list[str]) -> Ephone:
    header = _HEADER.match(lines[0])
    assert header is not None, "blocks start at a header line"
    state = _STATE.search(header["rest"])
    ip = model = None
    dns: list[int] = []
    numbers: list[str] = []
    for line in lines[1:]:
        found = _IP_LINE.match(line)
        if found:
            ip = None if found["ip"] == "0.0.0.0" else found["ip"]
            model = found["model"].strip(" *") or None
            dns += [int(dn) for _button, dn in _BUTTON_PAIR.findall(found["tail"])]
        for dn, number in _DN_NUMBER.findall(line):
            dns.append(int(dn))
            numbers.append(number)
    return Ephone(
        tag=int(header["tag"]), mac=normalize_mac(header["mac"]),
        state=state.group(1) if state else "UNKNOWN", ip=ip, socket=int(header["socket"]), model=model,
        dns=tuple(dict.fromkeys(dns)), numbers=tuple(numbers),
    )


def parse_ephones(text: str) -> list[Ephone]:
    """Every ephone block of `show ephone registered`, `show ephone summary` or `show ephone`."""
    blocks: list[list[str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if _HEADER.match(line):
            blocks.append([line])
        elif blocks and line:
            blocks[-1].append(line)
    return [_block(b) for b in blocks]


class CmeError(DeviceError):
    """A CME router operation failed; the message names the router and the command."""

    part = "cme"

    def __init__(self, router: str, command: str, problem: str) -> None:
        super().__init__(f"CME router {router}: {command}: {problem}")
        self.router = router
        self.command = command
        self.problem = problem


class CmeAuthError(CmeError):
    """Login or `enable` refused, or the router's host key not trusted."""


class CmeCommandError(CmeError):
    """The router rejected a command (`% Invalid input`)."""


class CmeTimeout(CmeError):
    """No prompt within the timeout; the session is rebuilt on next use."""


_TRANSLATED: list[tuple[type[SwitchError], type[CmeError]]] = [
    (SwitchAuthError, CmeAuthError), (SwitchHostKeyError, CmeAuthError),
    (SwitchCommandError, CmeCommandError), (SwitchTimeout, CmeTimeout), (SwitchError, CmeError),
]


class CmeRouter:
    """One CUCME router over an SSH session built as a switch's: `CmeRouter(IosSwitch(name, host,
    username, port=..., password=..., known_hosts=...))`; thread-safe, the session's own lock."""

    def __init__(self, session: IosSwitch) -> None:
        self._ios = session
        self.name = session.name

    def __repr__(self) -> str:
        return f"CmeRouter({self.name!r}, {self._ios.host}:{self._ios.port}, user {self._ios.username!r})"

    def connect(self) -> None:
        self._call("connect", self._ios.connect)

    def close(self) -> None:
        self._ios.close()

    def __enter__(self) -> CmeRouter:
        self.connect()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _call(self, command: str, operation: Callable[[], str | None]) -> str:
        """Run `operation` on the session; a SwitchError comes out as the CmeError of its kind."""
        try:
            return operation() or ""
        except SwitchError as error:
            kind = next(cme for ios, cme in _TRANSLATED if isinstance(error, ios))
            raise kind(self.name, error.command or command, error.problem or str(error)) from None

    def show(self, command: str) -> str:
        """One `show` command's output verbatim; anything else is refused unsent."""
        return self._call(command, lambda: self._ios.show_text(command))

    def registered(self) -> list[Ephone]:
        """The registered ephones: `show ephone registered`, or the registered ones of `show ephone
        summary` where the router refuses the former."""
        try:
            return parse_ephones(self.show("show ephone registered"))
        except CmeCommandError:
            return [e for e in self.ephones() if e.registered]

    def ephones(self) -> list[Ephone]:
        """Every configured ephone, registered or not (`show ephone summary`)."""
        return parse_ephones(self.show("show ephone summary"))

    def registration(self, mac: str) -> Ephone | None:
        """The registered ephone with this MAC (any spelling), or None."""
        wanted = normalize_mac(mac)
        return next((e for e in self.registered() if e.mac == wanted), None)
