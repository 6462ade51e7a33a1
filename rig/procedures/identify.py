"""identify: the phone must be shown to be the configured one before anything touches it.

With a switch, the switch must see this phone's MAC on its port, nowhere else, on a port that is
no uplink (rig.bench.port_proof): a mismatch skips the phone, because powering a port that holds some
other device is exactly the mistake a bench controller must never make. The phone's CDP entry,
when the switch has one, is kept: its platform and the load it announces (`Version :`) are
evidence that needs no web access; where CDP is off or silent, its LLDP-MED entry (model,
`S/W revision`) is recorded instead.

Which of the two applies is the phone's identification part, chosen once per phone
(rig.procedures.parts, from `PhoneConfig.identity_part`): `SwitchTables` or `OwnAnswer`; the
step and the others that read the phone's neighbour entries (verify, observe, the erase watch)
go through it and never ask whether a switch exists.

In field mode (no switch) nothing is powered, but keys still go to an address, so the phone at
that address must say who it is: its own MAC on its device information page (the profile's
page and field), or CUCM's RisPort70 listing `SEP<MAC>` at that IP. Either is enough, a contradiction from either skips the phone, and
neither answering skips it too: rig never guesses. The step names the evidence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from rig.bench.identify import phone_neighbour
from rig.bench.port_proof import prove_port
from rig.config.lab import PhoneConfig
from rig.drivers.ios_names import canonical_interface
from rig.drivers.macaddr import normalize_mac
from rig.drivers.phone_web import PhoneWebError
from rig.drivers.risport import RisPortError
from rig.procedures.context import PhoneContext
from rig.procedures.findings import Identified, StepView
from rig.procedures.registration import registration
from rig.procedures.steps import PhoneSkipped, Step
from rig.record.steps import IDENTIFY

if TYPE_CHECKING:
    from rig.bench.switch_pool import SwitchSessions
    from rig.drivers.ios_lldp import LldpNeighbor
    from rig.drivers.ios_switch import CdpNeighbor

REGISTRATION_MAX_AGE = 2.0
"""Seconds one RisPort answer serves every field-mode phone's identification."""


def run(ctx: PhoneContext, _: StepView) -> Identified:
    with ctx.steps.step(IDENTIFY) as step:
        return ctx.identification.identify(ctx, step)


class Identification(Protocol):
    """How this bench proves a phone is the configured one, and what else it sees of it."""

    def identify(self, ctx: PhoneContext, step: Step) -> Identified:
        """The proof, recorded on `step`; PhoneSkipped when the phone is not shown to be the one."""

    def cdp_entry(self, max_age: float) -> "CdpNeighbor | None":
        """The phone's own CDP entry from a table at most `max_age` seconds old (evidence only)."""

    def lldp_entry(self) -> "LldpNeighbor | None":
        """The phone's own LLDP-MED entry on its port (evidence only)."""

    def cdp_gone(self) -> bool:
        """True when a fresh CDP table misses the phone (a restart signal); False where this part
        reads no CDP table."""


class SwitchTables:
    """The switch's tables: the phone's MAC on its port and nowhere else (rig.bench.port_proof),
    its CDP or LLDP-MED entry kept as evidence."""

    def __init__(self, switch: "SwitchSessions", phone: PhoneConfig) -> None:
        self.switch = switch
        self.phone = phone

    def identify(self, ctx: PhoneContext, step: Step) -> Identified:
        phone = self.phone
        identity = prove_port(self.switch, phone)
        step.detail = identity.evidence
        step.data = {"switch": phone.switch, "port": phone.port, "mac": phone.mac}
        if not identity.ok:
            step.ok = False
            raise PhoneSkipped(f"identity not confirmed on {phone.switch} {phone.port}: {identity.evidence}")
        neighbour = ctx.cdp_entry()
        if neighbour is not None:
            step.data.update(cdp_platform=neighbour.platform, cdp_version=neighbour.version)
        lldp = ctx.lldp_entry() if neighbour is None else None  # CDP off or silent: what it says by LLDP-MED
        if lldp is not None:
            step.data.update(lldp_model=lldp.model, lldp_software=lldp.software_revision)
            step.detail += f"; LLDP-MED neighbour {lldp.system_name} ({lldp.model}, {lldp.software_revision})"
        return Identified(evidence=identity.evidence, cdp_platform=neighbour.platform if neighbour else None,
                          cdp_version=neighbour.version if neighbour else None,
                          lldp_software=lldp.software_revision if lldp else None)

    def cdp_entry(self, max_age: float) -> "CdpNeighbor | None":
        return phone_neighbour(self.switch.recent_cdp_neighbors(max_age), self.phone)

    def lldp_entry(self) -> "LldpNeighbor | None":
        port = canonical_interface(self.phone.port)
        return next((n for n in self.switch.lldp_neighbors() if n.local_interface == port and n.mac == self.phone.mac),
                    None)

    def cdp_gone(self) -> bool:
        return self.cdp_entry(max_age=0) is None  # a restart is brief: look now


class OwnAnswer:
    """Field mode: the phone's web answer or CUCM's IP <-> MAC, never a guess. No switch table
    is read: it has no CDP or LLDP entry to offer."""

    def identify(self, ctx: PhoneContext, step: Step) -> Identified:
        phone, ip = ctx.phone, str(ctx.phone.ip)
        step.data = {"field_mode": True, "ip": ip, "mac": phone.mac}
        confirmed: list[str] = []
        against: list[str] = []
        unanswered: list[str] = []
        mac = _web_mac(ctx, unanswered)
        if mac is not None:
            step.data["web_mac"] = mac
            page, field = ctx.profile.web.device_info, ctx.profile.fields.mac
            (confirmed if mac == phone.mac else against).append(f"{ip} {page} {field} {mac}")
        cucm = None
        try:
            cucm = registration(ctx, REGISTRATION_MAX_AGE)
        except RisPortError as error:
            unanswered.append(f"RisPort: {error}")
        if cucm is not None:
            step.data["registration"] = cucm.data()
            if cucm.ip is None:
                unanswered.append(f"RisPort: {cucm.describe()}, no IP address")
            else:
                (confirmed if cucm.ip == ip else against).append(f"CUCM RisPort lists {cucm.device} at {cucm.ip}")
        step.data.update(confirmed_by=confirmed, contradicted_by=against)
        if against or not confirmed:
            step.ok = False
            why = "; ".join(against) if against else "; ".join(unanswered) or "no web access and no cucm.risport"
            raise PhoneSkipped(f"field mode: {phone.mac} not identified at {ip}: {why}")
        step.detail = f"field mode, identified by {'; '.join(confirmed)}"
        return Identified(evidence=step.detail)

    def cdp_entry(self, max_age: float) -> "CdpNeighbor | None":
        return None

    def lldp_entry(self) -> "LldpNeighbor | None":
        return None

    def cdp_gone(self) -> bool:
        return False


def _web_mac(ctx: PhoneContext, unanswered: list[str]) -> str | None:
    """The MAC the phone's own web server reports (as written when it is not a MAC)."""
    if ctx.web is None:
        return None
    try:
        written = ctx.web.device_info().mac
    except PhoneWebError as error:
        unanswered.append(f"web: {error}")
        return None
    try:
        return normalize_mac(written)
    except ValueError:
        return written
