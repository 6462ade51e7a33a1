"""An IOS vty over real SSH (a paramiko server) for the simulated devices: the switch
(`rig.sim.switch`) and the CUCME router (`rig.sim.cme`).

It behaves like an IOS vty line as clients see it - the banner says `SSH-2.0-Cisco-1.25`, typed
characters are echoed, every output line ends in CRLF, the prompt follows every answer, an empty
line gets a fresh prompt - so netmiko, a raw paramiko `invoke_shell` or an operator's ssh client
drive it without knowing it is simulated. Each session runs in its own thread; every device
listens on its own loopback port. A device says what a session is (`_new_session`, an
`rig.sim.ios_exec.IosExec`) and how a line is answered (`_answer`: where faults and logs go).
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import paramiko

from rig.sim.box import SimBox
from rig.sim.ios_exec import IosExec, Reply

T = TypeVar("T")
SSH_VERSION = "SSH-2.0-Cisco-1.25"
_POLL = 0.2  # seconds a blocked read waits before checking for stop()
_BACKSPACE = ("\x7f", "\x08")
_CTRL_Z = "\x1a"


class _LineEditor:
    """Turns typed characters into lines and the echo a terminal shows for them.

    CR, LF and CRLF end a line; backspace rubs out; Ctrl-Z in config mode means `end`. Echo is
    collected and sent in one write per burst, as a real vty does, instead of a packet per key.
    """

    def __init__(self) -> None:
        self.echo = True  # False while a secret is being typed
        self._line = ""
        self._last = ""
        self._out: list[str] = []

    def take_echo(self) -> str:
        text, self._out = "".join(self._out), []
        return text

    def feed(self, chars: str, session: IosExec) -> Iterator[str]:
        for char in chars:
            last, self._last = self._last, char
            if char == "\n" and last == "\r":
                continue  # CRLF is one line end
            if char in ("\r", "\n", _CTRL_Z):
                if char == _CTRL_Z:
                    self._line = "end" if session.mode.name.startswith("CONFIG") else ""
                    self._out.append("^Z")
                self._out.append("\r\n")
                line, self._line = self._line, ""
                yield line
            elif char in _BACKSPACE:
                if self._line:
                    self._line = self._line[:-1]
                    if self.echo:
                        self._out.append("\b \b")
            elif char.isprintable():
                self._line += char
                if self.echo:
                    self._out.append(char)


class _Auth(paramiko.ServerInterface):
    """Password (and optionally public-key) login; a pty and a shell, nothing else."""

    def __init__(self, username: str, password: str, authorized_keys: list[paramiko.PKey]) -> None:
        self._username = username
        self._password = password
        self._keys = authorized_keys
        self.shell_requested = threading.Event()

    def get_allowed_auths(self, username: str) -> str:
        return "password,publickey" if self._keys else "password"

    def check_auth_password(self, username: str, password: str) -> int:
        ok = hmac.compare_digest(username.encode(), self._username.encode()) and hmac.compare_digest(
            password.encode(), self._password.encode()
        )
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        ok = username == self._username and any(key == k for k in self._keys)
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, *args: object) -> bool:
        return True

    def check_channel_window_change_request(self, *args: object) -> bool:
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        self.shell_requested.set()
        return True


class SshVty(SimBox):
    """A loopback SSH server whose shells are IOS sessions of one device."""

    log_kind = "vty"
    """The middle of the server side's log channel (`rig.sim.<kind>.<name>`)."""

    def __init__(
        self,
        name: str,
        *,
        username: str,
        password: str,
        enable_secret: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        host_key: paramiko.PKey | None = None,
        authorized_keys: list[paramiko.PKey] | None = None,
    ) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"{self.log_kind} {name}: simulated devices bind loopback only, not {host}")
        self.name = name
        self.host_key: paramiko.PKey = host_key or paramiko.RSAKey.generate(2048)
        self._username = username
        self._password = password
        self._enable_secret = enable_secret
        self._authorized_keys = list(authorized_keys or [])
        self._bind = (host, port)
        self._listener: socket.socket | None = None
        self._address: tuple[str, int] | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._transports: list[paramiko.Transport] = []
        self._command_log: list[str] = []

    def _new_session(self) -> IosExec:
        raise NotImplementedError

    def _answer(self, session: IosExec, line: str, *, logged: bool) -> Reply | None:
        """The session's reply to one line, or None to end the session unanswered (a fault)."""
        self._heard(line, logged=logged)
        return session.handle(line)

    def _heard(self, line: str, *, logged: bool) -> bool:
        """Log a command line; False for an empty one or a typed secret (`logged` False), never logged."""
        if not line.strip() or not logged:
            return False
        with self._lock:
            self._command_log.append(line)
        return True

    def commands_received(self) -> list[str]:
        """Every non-empty command line received, oldest first; a typed enable secret never."""
        with self._lock:
            return list(self._command_log)

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) actually bound; kept after stop() so a test can restart on it."""
        if self._address is None:
            raise RuntimeError(f"{self.log_kind} {self.name} is not started")
        return self._address

    def start(self) -> None:
        self._stop.clear()
        listener = socket.create_server(self._bind)
        listener.settimeout(_POLL)
        self._listener = listener
        self._address = listener.getsockname()[:2]
        self._spawn(self._accept_loop, f"{self.name}-accept")

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() at once
            except OSError:
                pass
            self._listener.close()
        with self._lock:
            transports = list(self._transports)
        for transport in transports:
            transport.close()
        for thread in list(self._threads):
            thread.join(timeout=2)
        self._threads.clear()

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # listener closed by stop()
            self._spawn(self._serve, f"{self.name}-ssh", sock)

    # --- one SSH connection ----------------------------------------------------------------

    def _serve(self, sock: socket.socket) -> None:
        """One SSH connection: login, a shell, then lines until the client leaves or stop()."""
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = paramiko.Transport(sock)
        transport.local_version = SSH_VERSION
        # The server side's own log, apart from any client's "paramiko.transport" log: a client
        # hanging up abruptly is news for the device, not an error of the process hosting it.
        transport.set_log_channel(f"rig.sim.{self.log_kind}.{self.name}")
        transport.add_server_key(self.host_key)
        with self._lock:
            self._transports.append(transport)
        try:
            auth = _Auth(self._username, self._password, self._authorized_keys)
            try:
                transport.start_server(server=auth)
            except (paramiko.SSHException, EOFError, OSError):
                return
            channel = self._wait(transport, lambda: transport.accept(timeout=_POLL))
            if channel is None or not self._wait(
                transport, lambda: auth.shell_requested.wait(timeout=_POLL)
            ):
                return
            self._run_shell(channel)
        except (OSError, EOFError, paramiko.SSHException):
            pass  # the client went away mid-answer: nothing left to serve
        finally:
            transport.close()
            with self._lock:
                self._transports.remove(transport)

    def _wait(self, transport: paramiko.Transport, poll: Callable[[], T | None]) -> T | None:
        """Poll until `poll()` gives something, the client goes away or the device stops."""
        while transport.is_active() and not self._stop.is_set():
            if result := poll():
                return result
        return None

    def _run_shell(self, channel: paramiko.Channel) -> None:
        session = self._new_session()
        channel.settimeout(_POLL)
        channel.sendall(session.banner().text.encode())
        terminal = _LineEditor()
        while not self._stop.is_set():
            try:
                data = channel.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            for line in terminal.feed(data.decode("utf-8", errors="replace"), session):
                channel.sendall(terminal.take_echo().encode())
                reply = self._answer(session, line, logged=terminal.echo)
                if reply is None:
                    return
                channel.sendall(reply.text.encode())
                if reply.close:
                    return
                terminal.echo = reply.echo
            if echo := terminal.take_echo():
                channel.sendall(echo.encode())
