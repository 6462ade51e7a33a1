"""What the simulated 7942 shows on its own screen and labels: pure functions of its state.

The menu pages are the ones the ITL-erase path walks (Settings > Security Configuration > Trust
List > ITL File; Settings > Model Information; Status Messages); their body lines are the
simulator's own rendering, not a capture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rig import trust
from rig.sim.loads import app_image
from rig.sim.phone_boot import MODEL


@dataclass(frozen=True)
class Shown:
    """The state the settings pages read."""

    ip: str
    tftp_server: str
    mac: str
    load: str
    itl: trust.TrustFile | None
    messages: tuple[str, ...]


def directory_number(mac: str) -> str:
    """A stable extension per phone (2000..9999)."""
    return str(2000 + int(mac, 16) % 8000)


def serial_number(mac: str) -> str:
    """A stable serial per phone in Cisco's FCH + 8 digits form."""
    return f"FCH{int(mac, 16) % 10**8:08d}"


def idle_lines(dn: str, registered: bool) -> Sequence[str]:
    return (dn, datetime.now().strftime("%H:%M %m/%d/%y"), "" if registered else "Registering")


def page_lines(page: str, shown: Shown) -> Sequence[str]:
    """Body lines of a settings leaf page ("itl", "ctl", "network", "model", "status")."""
    if page == "itl":
        if shown.itl is None:
            return ("Not Installed",)
        sast = shown.itl.records_with("SAST")
        return (f"{len(shown.itl.records)} records", f"Signer: {shown.itl.signer.name}",
                *(f"SAST {r.subject}" for r in sast[:1]))
    if page == "ctl":
        return ("Not Installed",)
    if page == "network":
        return (f"IP Address {shown.ip}", f"TFTP Server 1 {shown.tftp_server}")
    if page == "model":
        return (f"Model Number {MODEL}", f"MAC Address {shown.mac}", f"App Load ID {app_image(shown.load)}")
    if page == "status":
        return shown.messages[-6:]
    return ()
