"""What every simulated IOS terminal shares, switch or router: modes, prompt, `enable` with its
secret dialog, `terminal length/width`, `exit`, and IOS's error lines (the caret under the word no
command accepts, `% Incomplete command.`, `% Ambiguous command:`).

A device's session derives from IosExec and adds its own commands (`rig.sim.ios_cli` for the
switch, `rig.sim.cme_cli` for the CUCME router); `handle(line)` returns what the terminal shows
next. No sockets here: `rig.sim.ssh_vty` puts a session behind SSH.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from rig.sim import ios_output as out
from rig.sim.ios_grammar import NUM, Action, Grammar, Mismatch
from rig.sim.ios_ports import SwitchState

INVALID_INPUT = "% Invalid input detected at '^' marker."
INCOMPLETE = "% Incomplete command."


class Mode(Enum):
    USER = ">"
    PRIV = "#"
    CONFIG = "(config)#"
    CONFIG_IF = "(config-if)#"
    CONFIG_IF_RANGE = "(config-if-range)#"


@dataclass
class Reply:
    text: str  # everything the terminal shows after the echoed line, prompt included
    close: bool = False  # the session ends (`exit` from exec mode)
    echo: bool = True  # whether the next line typed is echoed (not for passwords)


class IosExec:
    """One terminal session's mode and terminal settings; subclasses give the hostname and the
    command tables of each mode (`_tables`)."""

    state: SwitchState | None = None
    """What interface parameters resolve against (a switch's ports); None where no command takes one."""

    def __init__(self, *, enable_secret: str | None) -> None:
        self.enable_secret = enable_secret
        self.mode = Mode.USER if enable_secret else Mode.PRIV
        self.terminal_length = 24
        self.terminal_width = 80
        self.commands_seen = 0  # non-empty lines typed, for the switch's drop fault
        self._awaiting_secret = False
        self._grammars: dict[Mode, Grammar] = {}
        for mode, table in self._tables().items():
            self._grammars[mode] = Grammar()
            for pattern, action in table:
                self._grammars[mode].add(pattern, action)

    @property
    def hostname(self) -> str:
        raise NotImplementedError

    def _tables(self) -> dict[Mode, list[tuple[str, Action]]]:
        raise NotImplementedError

    def exec_commands(self) -> list[tuple[str, Action]]:
        """The commands of user and privileged exec mode that every IOS device has."""
        return [
            ("enable", self.enable),
            ("exit", self.exit_exec),
            ("logout", self.exit_exec),
            (f"terminal length {NUM}", self.set_length),
            (f"terminal width {NUM}", self.set_width),
        ]

    def prompt(self) -> str:
        return f"{self.hostname}{self.mode.value}"

    def banner(self) -> Reply:
        return Reply(out.lines("") + self.prompt())

    def handle(self, line: str) -> Reply:
        """One line typed at the prompt -> what the device prints next."""
        if self._awaiting_secret:
            return self._check_secret(line)
        words = line.split()
        if not words:
            return Reply(self.prompt())
        try:
            action, args = self._grammars[self.mode].resolve(words, self.state)
        except Mismatch as miss:
            return Reply(self._error(line, miss) + self.prompt())
        result = action(*args)
        if isinstance(result, Reply):
            return result
        return Reply(f"{result}{self.prompt()}")

    def _error(self, line: str, miss: Mismatch) -> str:
        if miss.kind == "incomplete":
            return out.lines(INCOMPLETE, "")
        if miss.kind == "ambiguous":
            return out.lines(f'% Ambiguous command:  "{line.strip()}"')
        offset = [m.start() for m in re.finditer(r"\S+", line)][miss.word]
        return out.lines(" " * (len(self.prompt()) + offset) + "^", INVALID_INPUT, "")

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
