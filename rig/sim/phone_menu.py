"""The 7942's keypad and settings menus as a pure state machine (no sockets, no threads).

It models the path the ITL-erase keypad script walks, and enough of the rest that a wrong key
lands where it would on a real phone:

    Settings -> 4 Security Configuration -> 5 Trust List -> 2 ITL File
    **# (typed anywhere in the settings menus) unlocks; Soft4 Erase; Soft2 confirms

(`erase_keys`: the softkeys the unlocked ITL File page takes to erase, Soft4 Soft2 by default; a
simulated firmware may want another published path, `simulation.itl_erase_softkeys`.)

`Settings` from anywhere inside the menus goes back to the idle screen (and locks again); NavBack
or the Exit softkey goes up one level; digits pick a numbered item, NavUp/NavDwn/NavSelect move
a highlight. Digits on the idle screen dial. The labels are those of the 7942 SCCP 9.x
administration guide where it gives them, otherwise inferred (docs/design.md, docs/real-phones.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from rig.sim.names import KEY_NAMES

UNLOCK_SEQUENCE = ("KeyPadStar", "KeyPadStar", "KeyPadPound")
ERASE_SOFTKEYS = ("Soft4", "Soft2")
APP_KEYS = {"Services": "Services", "Directories": "Directories", "Messages": "Messages",
            "Applications": "Applications"}
INIT_OBJECTS = ("Settings", "Services", "Messages", "Directories", "CallHistory")
"""The `Init:<object>` names a phone takes (see PhoneMenu.init for the sources)."""


class Effect(Enum):
    """What the phone must do after a key press, beyond redrawing its screen."""

    ERASE_TRUST_LISTS = "erase"


@dataclass(frozen=True)
class MenuItem:
    """A menu entry: either a submenu (`items`) or a leaf screen identified by `page`."""

    title: str
    items: tuple[MenuItem, ...] = ()
    page: str = "info"


@dataclass(frozen=True)
class Screen:
    """What the display shows: a title, body lines and the five softkey labels."""

    title: str
    lines: tuple[str, ...]
    softkeys: tuple[str, ...]
    locked: bool | None = None
    """Padlock icon on settings screens (None: not shown)."""

    def text(self) -> str:
        lock = "" if self.locked is None else (" [locked]" if self.locked else " [unlocked]")
        keys = " | ".join(self.softkeys)
        return "\n".join([self.title + lock, *self.lines, keys])


def _leaf(title: str, page: str = "info") -> MenuItem:
    return MenuItem(title, page=page)


SETTINGS_MENU = MenuItem(
    "Settings",
    (
        MenuItem("User Preferences", (_leaf("Rings"), _leaf("Contrast"), _leaf("Background Images"))),
        _leaf("Network Configuration", "network"),
        _leaf("Model Information", "model"),
        MenuItem(
            "Security Configuration",
            (
                _leaf("Web Access Enabled"),
                _leaf("Security Mode"),
                _leaf("MIC"),
                _leaf("LSC"),
                MenuItem("Trust List", (_leaf("CTL File", "ctl"), _leaf("ITL File", "itl"),
                                        _leaf("Trust List", "trust"))),
                _leaf("802.1X Authentication"),
            ),
        ),
        MenuItem("Status", (_leaf("Status Messages", "status"), _leaf("Network Statistics"))),
        MenuItem("Device Configuration", (_leaf("Unified CM Configuration"), _leaf("SCCP Configuration"))),
    ),
)

PageLines = Callable[[str], Sequence[str]]
"""Body lines of a leaf page ("itl", "network", ...) from the phone's current state."""


@dataclass
class PhoneMenu:
    """Where the phone's display is and what a key press does to it."""

    idle_lines: Callable[[], Sequence[str]] = lambda: ()
    page_lines: PageLines = lambda page: ()
    path: tuple[int, ...] | None = None
    """Indexes into SETTINGS_MENU while in the settings menus; None outside them."""
    cursor: int = 0
    unlocked: bool = False
    erase_keys: tuple[str, ...] = ERASE_SOFTKEYS
    erase_progress: int = 0
    """How many of `erase_keys` the unlocked ITL File page has taken (past the first: confirming)."""
    app: str | None = None
    dialed: str = ""
    _recent: list[str] = field(default_factory=list, init=False, repr=False)

    # -- input ------------------------------------------------------------------------------
    def press(self, key: str) -> Effect | None:
        """Apply one key; unknown key names raise ValueError (the caller answers ERR)."""
        if key not in KEY_NAMES:
            raise ValueError(f"unknown key {key!r}")
        if key == "Settings":
            self._toggle_settings()
            return None
        if key in APP_KEYS:
            self._leave_settings()
            self.app = APP_KEYS[key]
            return None
        if self.path is None:
            self._press_outside_settings(key)
            return None
        return self._press_in_settings(key)

    def init(self, name: str) -> None:
        """`Init:<name>` of CiscoIPPhoneExecute; an object not in INIT_OBJECTS raises ValueError.

        Source: Cisco Unified IP Phone Services Application Development Notes (OL-20949-01,
        "Init"): Init:Services, Init:Messages and Init:Directories close that application and have
        no effect when it is not open; Init:CallHistory clears the call logs (none here). Public
        bulk ITL-erase tools (sloan58/cip3 database/seeds/ItlsSeeder.php; the ucdevops.com remote
        ITL delete script) send Init:Settings before Key:Settings for 7941-7965 phones so that
        Key:Settings opens Settings at its top level: Init:Settings closes the settings menus.
        """
        if name not in INIT_OBJECTS:
            raise ValueError(f"unknown Init: object {name!r}")
        if name == "Settings":
            self._leave_settings()
        elif self.app == name:
            self.app = None

    def reset(self) -> None:
        """After a (re)boot the phone shows its idle screen, menus locked."""
        self._leave_settings()
        self.app = None
        self.dialed = ""

    # -- output -----------------------------------------------------------------------------
    def screen(self) -> Screen:
        if self.path is None:
            if self.app is not None:
                return Screen(self.app, ("No services configured",), ("Exit", "", "", "", ""))
            lines = (*self.idle_lines(), *((f"Dialing: {self.dialed}",) if self.dialed else ()))
            softkeys = ("Redial", "EndCall", "", "", "") if self.dialed else ("Redial", "NewCall", "CFwdALL", "", "")
            return Screen("Cisco IP Phone 7942", tuple(lines), softkeys)
        node = self._node()
        if self.erase_progress:
            return Screen("ITL File", ("Erase CTL and ITL files?",), self._softkeys("Cancel", "Erase"), self.locked)
        if node.items:
            lines = tuple(
                f"{'>' if i == self.cursor else ' '}{i + 1} {item.title}" for i, item in enumerate(node.items)
            )
            return Screen(node.title, lines, ("Exit", "Select", "", "", ""), self.locked)
        softkeys = self._softkeys("Exit", "Erase" if node.page == "itl" and self.unlocked else "")
        return Screen(node.title, tuple(self.page_lines(node.page)), softkeys, self.locked)

    def _softkeys(self, first: str, next_erase_key: str) -> tuple[str, ...]:
        """Five labels: `first` on Soft1, `next_erase_key` on the softkey the erase takes next."""
        labels = [first, "", "", "", ""]
        if next_erase_key:
            labels[int(self.erase_keys[self.erase_progress].removeprefix("Soft")) - 1] = next_erase_key
        return tuple(labels)

    @property
    def locked(self) -> bool:
        return not self.unlocked

    @property
    def current_page(self) -> str | None:
        """The leaf page shown ("itl", ...), "menu" inside a menu, None outside the settings."""
        if self.path is None:
            return None
        node = self._node()
        return "menu" if node.items else node.page

    # -- internals --------------------------------------------------------------------------
    def _node(self) -> MenuItem:
        node = SETTINGS_MENU
        for index in self.path or ():
            node = node.items[index]
        return node

    def _toggle_settings(self) -> None:
        if self.path is None:
            self.app = None
            self.path, self.cursor = (), 0
        else:
            self._leave_settings()

    def _leave_settings(self) -> None:
        self.path = None
        self.cursor = 0
        self.unlocked = False
        self.erase_progress = 0
        self._recent.clear()

    def _press_outside_settings(self, key: str) -> None:
        if self.app is not None:
            if key in ("Soft1", "NavBack"):
                self.app = None
            return
        if key.startswith("KeyPad"):
            self.dialed += {"KeyPadStar": "*", "KeyPadPound": "#"}.get(key, key.removeprefix("KeyPad"))
        elif key in ("Soft2", "NavBack") and self.dialed:
            self.dialed = ""

    def _press_in_settings(self, key: str) -> Effect | None:
        self._recent = [*self._recent, key][-len(UNLOCK_SEQUENCE):]
        if tuple(self._recent) == UNLOCK_SEQUENCE:
            self.unlocked = not self.unlocked
            self._recent.clear()
            return None
        node = self._node()
        if self.erase_progress:
            return self._press_on_confirm(key)
        if key in ("Soft1", "NavBack"):
            self._up()
        elif node.items:
            self._press_in_menu(key, node)
        elif key == self.erase_keys[0] and node.page == "itl" and self.unlocked:
            return self._erase_key()
        return None

    def _press_on_confirm(self, key: str) -> Effect | None:
        if key == self.erase_keys[self.erase_progress]:
            return self._erase_key()
        if key in ("Soft1", "NavBack"):
            self.erase_progress = 0
        return None

    def _erase_key(self) -> Effect | None:
        """The next of `erase_keys` taken: the last one erases."""
        self.erase_progress += 1
        if self.erase_progress < len(self.erase_keys):
            return None
        self.erase_progress = 0
        return Effect.ERASE_TRUST_LISTS

    def _press_in_menu(self, key: str, node: MenuItem) -> None:
        count = len(node.items)
        if key.startswith("KeyPad") and key[6:].isdigit():
            number = int(key[6:])
            if 1 <= number <= count:
                self._open(number - 1)
        elif key == "NavDwn":
            self.cursor = min(self.cursor + 1, count - 1)
        elif key == "NavUp":
            self.cursor = max(self.cursor - 1, 0)
        elif key in ("NavSelect", "Soft2"):
            self._open(self.cursor)

    def _open(self, index: int) -> None:
        assert self.path is not None
        self.path = (*self.path, index)
        self.cursor = 0

    def _up(self) -> None:
        assert self.path is not None
        if not self.path:
            self._leave_settings()
        else:
            self.cursor = self.path[-1]
            self.path = self.path[:-1]
