"""PoE access switch over SSH: power a port off/on, read PoE, MAC table and CDP.

Why netmiko (on paramiko) rather than a hand-made expect loop: an IOS vty is an interactive
terminal, not an RPC. Knowing when an answer is complete (the prompt, which changes with
`(config)#`/`(config-if)#` and is cut at 20 characters in config mode), getting rid of paging and
line wrapping (`terminal length 0`, `terminal width 511`), `enable` with its password dialog,
entering and leaving config mode, stripping the echoed command - netmiko's `cisco_ios` driver has
done this against real switches for years. rig adds what it needs on top: one persistent session
per switch guarded by a lock (many phone threads share it), one transparent reconnect when the
switch dropped the session, strict host-key checking with optional trust-on-first-use, and
errors that name the switch and the command but never a secret.

Host keys (default `~/.ssh/known_hosts`): the policy is in `rig.drivers.ssh_host_keys`; its refusals
become `SwitchHostKeyError`, an unknown or changed key always named by its fingerprint.
Port names are validated (`canonical_interface`) and sent in canonical long form, so no CLI
line is ever built from unvalidated text.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import paramiko
from netmiko.cisco.cisco_ios import CiscoIosSSH
from netmiko.exceptions import (NetmikoAuthenticationException, NetmikoTimeoutException, ReadException, ReadTimeout,
                                 WriteException)

from rig.drivers.ios_lldp import LldpNeighbor, parse_lldp_neighbors_detail
from rig.drivers.ios_parsers import (CdpNeighbor, IosParseError, MacEntry, PoePort, canonical_interface,
                                 parse_cdp_neighbors_detail, parse_mac_table, parse_power_inline)
from rig.drivers.ios_budget import PoeBudget, parse_power_budget
from rig.drivers.ios_switchport import Switchport, parse_switchport
from rig.drivers.ios_errors import (SwitchAuthError, SwitchCommandError, SwitchError, SwitchHostKeyError, SwitchTimeout,
                                cause_of, cause_text)
from rig.drivers.ios_discovery import protocol_off, protocols_running
from rig.drivers.ios_ranges import interface_ranges
from rig.drivers.ssh_host_keys import (
    HostKeyRefused,
    HostUnreachable,
    changed_key_message,
    ensure_known_host,
)

__all__ = [
    "CdpNeighbor",
    "IosSwitch",
    "MacEntry",
    "PoePort",
    "SwitchAuthError",
    "SwitchCommandError",
    "SwitchError",
    "SwitchHostKeyError",
    "SwitchTimeout",
]

T = TypeVar("T")
_log = logging.getLogger(__name__)
_ERROR_LINE = re.compile(r"^\s*% ?\S.*$", re.MULTILINE)
_PROMPT = re.compile(r"^\S*?[>#]")
_SESSION_LOST = (ReadException, WriteException, OSError, EOFError, paramiko.SSHException)


class _IosConnection(CiscoIosSSH):
    """netmiko's IOS driver, told to notice a session the switch closed.

    netmiko polls `recv_ready()`, which stays False on a closed channel, so a dropped session
    would only show up as a read timeout; raising here lets IosSwitch reconnect at once.
    """

    def read_channel(self) -> str:
        data = super().read_channel()
        channel = self.remote_conn
        if not data and isinstance(channel, paramiko.Channel):
            if channel.closed or channel.eof_received:
                raise ReadException("the switch closed the session")
        return data


class IosSwitch:
    """One Cisco IOS switch; thread-safe, one persistent SSH session."""

    def __init__(
        self,
        name: str,
        host: str,
        username: str,
        *,
        port: int = 22,
        password: str | None = None,
        key_file: str | None = None,
        enable_secret: str | None = None,
        known_hosts: str | None = None,
        accept_new_host_key: bool = False,
        timeout: float = 15.0,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.username = username
        self.timeout = timeout
        self.known_hosts = Path(known_hosts or "~/.ssh/known_hosts").expanduser()
        self.accept_new_host_key = accept_new_host_key
        self._password = password
        self._key_file = key_file
        self._enable_secret = enable_secret
        self._lock = threading.RLock()
        self._conn: _IosConnection | None = None
        self._prompt = ""

    def __repr__(self) -> str:
        return f"IosSwitch({self.name!r}, {self.host}:{self.port}, user {self.username!r})"

    # --- session ---------------------------------------------------------------------------

    def connect(self) -> None:
        with self._lock:
            if self._conn is None:
                self._open()

    def close(self) -> None:
        with self._lock:
            self._drop(graceful=True)

    def __enter__(self) -> IosSwitch:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _error(self, cls: type[SwitchError], command: str, problem: str) -> SwitchError:
        return cls(self.name, command, problem)

    def _ensure_known_host(self) -> None:
        try:
            ensure_known_host(self.known_hosts, self.host, self.port, timeout=self.timeout,
                              accept_new=self.accept_new_host_key)
        except HostKeyRefused as exc:
            raise self._error(SwitchHostKeyError, "connect", str(exc)) from None
        except HostUnreachable as exc:
            raise self._error(SwitchError, "connect", str(exc)) from None

    def _open(self) -> None:
        self._ensure_known_host()
        try:
            conn = self._login()
        except NetmikoAuthenticationException:
            raise self._error(
                SwitchAuthError, "login", f"user {self.username!r} refused (wrong password or key)"
            ) from None
        except NetmikoTimeoutException as exc:
            raise self._connect_error(exc) from None
        except ReadTimeout:
            raise self._error(SwitchTimeout, "connect", f"no prompt within {self.timeout}s") from None
        except _SESSION_LOST as exc:
            raise self._error(SwitchError, "connect", f"session setup failed: {exc}") from None
        transport = conn.remote_conn_pre.get_transport() if conn.remote_conn_pre else None
        if transport is not None:
            # paramiko logs a switch hanging up after `exit` as an error on the root of its
            # "paramiko.transport" log; under drivers.* it stays with the rest of this driver's log.
            transport.set_log_channel(f"rig.drivers.ios_switch.{self.name}")
        self._conn = conn
        self._prompt = rf"(?m)^{re.escape(conn.base_prompt)}[^\n]*[>#]\s*$"

    def _login(self) -> _IosConnection:
        """Log in (host key checked strictly against known_hosts) and reach privileged mode."""
        conn = _IosConnection(
            device_type="cisco_ios",
            host=self.host,
            port=self.port,
            username=self.username,
            password=self._password or "",
            secret=self._enable_secret or "",
            key_file=self._key_file,
            use_keys=self._key_file is not None,
            allow_agent=False,
            ssh_strict=True,
            system_host_keys=False,
            alt_host_keys=True,
            alt_key_file=str(self.known_hosts),
            fast_cli=True,
            global_delay_factor=0.1,
            conn_timeout=self.timeout,
            auth_timeout=self.timeout,
            banner_timeout=self.timeout,
            read_timeout_override=self.timeout,
        )
        try:
            if not conn.check_enable_mode():
                if not self._enable_secret:
                    raise self._error(
                        SwitchAuthError, "enable", "login is not privileged and no enable secret is set"
                    )
                conn.enable()
        except ValueError:  # netmiko: "Failed to enter enable mode"
            conn.paramiko_cleanup()
            raise self._error(SwitchAuthError, "enable", "enable secret refused") from None
        except BaseException:
            conn.paramiko_cleanup()
            raise
        return conn

    def _connect_error(self, exc: NetmikoTimeoutException) -> SwitchError:
        """netmiko reports host-key refusals and unreachable hosts alike; tell them apart."""
        changed = cause_of(exc, paramiko.BadHostKeyException)
        if changed is not None:
            return self._error(
                SwitchHostKeyError, "connect", changed_key_message(changed, self.host, self.port, self.known_hosts)
            )
        cause = cause_text(exc)
        if "known_hosts" in cause:
            return self._error(SwitchHostKeyError, "connect", cause)
        return self._error(SwitchError, "connect", f"{self.host}:{self.port}: {cause}")

    def _drop(self, *, graceful: bool = False) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if graceful:
                conn.disconnect()
            else:
                conn.paramiko_cleanup()
        except Exception:  # noqa: BLE001 - the session is being thrown away either way
            pass

    def _alive(self) -> bool:
        channel = self._conn.remote_conn if self._conn else None
        if not isinstance(channel, paramiko.Channel) or channel.closed or channel.eof_received:
            return False
        transport = channel.get_transport()
        return transport is not None and transport.is_active()

    def _run(self, command: str, operation: Callable[[_IosConnection], str]) -> str:
        """Run one operation on the session; reconnect once if the switch had dropped it."""
        with self._lock:
            for attempt in (1, 2):
                if not self._alive():
                    self._drop()
                    self._open()
                assert self._conn is not None
                try:
                    output = operation(self._conn)
                except (ReadTimeout, NetmikoTimeoutException):
                    self._drop()
                    raise self._error(
                        SwitchTimeout, command, f"no answer within {self.timeout}s"
                    ) from None
                except _SESSION_LOST as exc:
                    self._drop()
                    if attempt == 2:
                        raise self._error(SwitchError, command, f"session lost twice: {exc}") from None
                    continue
                self._raise_on_error_line(command, output)
                return output
        raise AssertionError("unreachable")

    def _raise_on_error_line(self, command: str, output: str) -> None:
        match = _ERROR_LINE.search(output)
        if match is None:
            return
        before = [ln for ln in output[: match.start()].splitlines() if ln.strip()]
        echoed = [ln for ln in before if not set(ln.strip()) <= {"^"}]
        where = f" (at {_PROMPT.sub('', echoed[-1]).strip()!r})" if echoed else ""
        raise self._error(SwitchCommandError, command, f"{match.group(0).strip()}{where}")

    def _show(self, command: str) -> str:
        return self._run(
            command,
            lambda conn: conn.send_command(
                command, expect_string=self._prompt, read_timeout=self.timeout
            ),
        )

    def _configure(self, lines: list[str]) -> None:
        """One configuration session (`configure terminal` ... `end`) for all `lines`."""
        self._run(" / ".join(lines), lambda conn: conn.send_config_set(lines, read_timeout=self.timeout))

    def _port_name(self, port: str) -> str:
        """The port's canonical long name; refused before anything is sent unless it is one."""
        try:
            return canonical_interface(port)
        except ValueError as exc:
            raise self._error(SwitchCommandError, f"port {port!r}", str(exc)) from None

    def _parsed(self, command: str, parse: Callable[[str], list[T]], text: str) -> list[T]:
        """The rows of `text`; a row the parser could not read is logged with its line (the others count)."""
        try:
            rows = parse(text)
        except IosParseError as exc:
            raise self._error(SwitchCommandError, command, str(exc)) from None
        for unread in getattr(rows, "unread", ()):
            _log.warning("switch %s: %s: row not read, %s", self.name, command, unread)
        return rows

    def _neighbours(self, command: str, parse: Callable[[str], list[T]]) -> list[T]:
        """A neighbour table; [] when the switch says the protocol is not enabled."""
        try:
            return self._parsed(command, parse, self._show(command))
        except SwitchCommandError as error:
            if protocol_off(error):
                return []
            raise

    # --- operations ------------------------------------------------------------------------

    def power_off(self, port: str) -> None:
        """`power inline never`: the port stops powering (and detecting) its device."""
        self._configure([f"interface {self._port_name(port)}", "power inline never"])

    def power_on(self, port: str) -> None:
        """`power inline auto`: the port detects and powers its device again."""
        self._configure([f"interface {self._port_name(port)}", "power inline auto"])

    def set_power(self, off: Sequence[str] = (), on: Sequence[str] = ()) -> None:
        """Many ports off and on in one configuration session (`interface range`, at most five
        ranges a command: rig.drivers.ios_ranges). A port in both lists is refused."""
        if set(map(self._port_name, off)) & set(map(self._port_name, on)):
            raise self._error(SwitchCommandError, "set_power", "a port cannot be turned off and on at once")
        lines: list[str] = []
        for ports, setting in ((off, "power inline never"), (on, "power inline auto")):
            for command in interface_ranges(map(self._port_name, ports)):
                lines += [command, setting]
        if lines:
            self._configure(lines)

    def power_cycle(self, port: str, off_seconds: float) -> None:
        """Off, wait, on. The session is free for other ports during the wait."""
        self.power_off(port)
        time.sleep(off_seconds)
        self.power_on(port)

    def poe_status(self, port: str | None = None) -> list[PoePort]:
        """PoE state of one port (a one-element list) or of every port."""
        command = "show power inline" if port is None else f"show power inline {self._port_name(port)}"
        ports = self._parsed(command, parse_power_inline, self._show(command))
        if port is None:
            return ports
        wanted = self._port_name(port)
        found = [p for p in ports if p.interface == wanted]
        if not found:
            raise self._error(SwitchCommandError, command, f"port {port} is not in the output")
        return found

    def macs_on_port(self, port: str) -> list[str]:
        """Canonical MACs the switch has learned on `port` (empty while no link)."""
        wanted = self._port_name(port)
        command = f"show mac address-table interface {wanted}"
        entries = self._parsed(command, parse_mac_table, self._show(command))
        return list(dict.fromkeys(e.mac for e in entries if e.port == wanted))

    def poe_budget(self) -> list[PoeBudget]:
        """The PoE budget lines of `show power inline` (rig.drivers.ios_budget); [] when none is shown."""
        return parse_power_budget(self._show("show power inline"))

    def mac_table(self) -> list[MacEntry]:
        """The whole MAC address table (`show mac address-table`): every port in one read."""
        command = "show mac address-table"
        return self._parsed(command, parse_mac_table, self._show(command))

    def cdp_neighbors(self) -> list[CdpNeighbor]:
        """CDP neighbours with full platform, IP, version and power drawn (`show cdp neighbors detail`);
        [] when CDP is not running."""
        return self._neighbours("show cdp neighbors detail", parse_cdp_neighbors_detail)

    def lldp_neighbors(self) -> list[LldpNeighbor]:
        """LLDP neighbours with their MED data (`show lldp neighbors detail`); [] when LLDP is not running."""
        return self._neighbours("show lldp neighbors detail", parse_lldp_neighbors_detail)

    def protocols_running(self) -> dict[str, bool]:
        """{"CDP": running, "LLDP": running}, from `show cdp` and `show lldp` (rig.drivers.ios_discovery)."""
        return protocols_running(self._show)

    def switchport(self) -> list[Switchport]:
        """`show interfaces switchport`: every port's access or trunk mode (rig.drivers.ios_switchport)."""
        command = "show interfaces switchport"
        return self._parsed(command, parse_switchport, self._show(command))

    def show_text(self, command: str) -> str:
        """One `show` command's output verbatim (diagnostics); anything else is refused unsent."""
        if not command.startswith("show ") or any(c in command for c in "\r\n|"):
            raise self._error(SwitchCommandError, command, "only a single `show` command is read")
        return self._show(command)

    def running_config(self) -> str:
        """`show running-config` as the switch prints it (rig.drivers.ios_switchport.interface_config)."""
        return self._show("show running-config")
