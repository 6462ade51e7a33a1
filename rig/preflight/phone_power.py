"""Per-phone check of the meter channel: it reads the draw the switch gives the phone's port.

A channel that reads what another phone's port gives, and not its own, is wired to the other
phone: two phones whose channels read each other's ports are swapped. Phones of one model draw
alike, so a swap between two phones in the same state cannot be seen without powering a port;
what is seen (an unpowered port, a booting phone) is named. How closely a meter and the switch's
`Power` column agree on hardware is unconfirmed (the switch may show the class allocation), hence
the tolerance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rig.drivers.ios_parsers import canonical_interface
from rig.drivers.power_meter import PowerMeter, PowerMeterError
from rig.config.lab import PhoneConfig
from rig.preflight.report import Check, failed, passed, unchecked
from rig.preflight.switches import where_heard

if TYPE_CHECKING:
    from rig.bench.build import Bench
    from rig.preflight.switches import SwitchView

TOLERANCE_W = 1.5
TOLERANCE_RATIO = 0.25
NAME = "meter"


def _matches(reading: float, poe: float) -> bool:
    return abs(reading - poe) <= max(TOLERANCE_W, TOLERANCE_RATIO * poe)


def _port_watts(switches: dict[str, "SwitchView"], switch: str | None, port: str | None) -> float | None:
    view = switches.get(switch) if switch is not None else None
    found = view.poe.get(canonical_interface(port)) if view is not None and port is not None else None
    return found.watts if found is not None else None


def _real_port(switches: dict[str, "SwitchView"], phone: PhoneConfig) -> tuple[str | None, str | None]:
    """The port the phone is really on: where CDP or LLDP hears it, else its configured one."""
    return where_heard(switches, phone.mac) or (phone.switch, phone.port)


def _phone_watts(switches: dict[str, "SwitchView"], phone: PhoneConfig) -> float | None:
    return _port_watts(switches, *_real_port(switches, phone))


def check_meter_channel(bench: "Bench", phone: PhoneConfig, switches: dict[str, "SwitchView"]) -> Check:
    """The phone's channel against the PoE of the port it is really on (where CDP or LLDP hears it)."""
    metered = bench.meter(phone)
    if metered is None or phone.power_meter is None:
        return passed(NAME, "no meter channel configured")
    meter, channel = metered
    label = f"{phone.power_meter.instrument} channel {channel}"
    switch, port = _real_port(switches, phone)
    poe = _port_watts(switches, switch, port)
    if poe is None:
        return unchecked(NAME, f"no PoE reading of the phone's port ({switch or 'no switch'} {port or ''})")
    try:
        reading = meter.measure_watts(channel)
    except PowerMeterError as error:
        return failed(NAME, str(error), f"check {label}")
    seen_text = f"{label} reads {reading:.1f} W, {switch} {port} gives {poe:.1f} W"
    if _matches(reading, poe):
        return passed(NAME, seen_text)
    other = _swapped_with(phone, reading, meter, bench, switches)
    if other is not None:
        assert other.power_meter is not None
        return failed(NAME, f"{seen_text}; it reads like {other.name}'s port, and {other.name}'s channel like "
                      f"this one's", f"swap the leads of {phone.power_meter.instrument} channels {channel} and "
                      f"{other.power_meter.channel}, or swap power_meter.channel of {phone.name} and {other.name}")
    return failed(NAME, seen_text, f"check that {label} is wired to {phone.name}'s cable")


def _swapped_with(phone: PhoneConfig, reading: float, meter: PowerMeter, bench: "Bench",
                  switches: dict[str, "SwitchView"]) -> PhoneConfig | None:
    """Another phone on the same meter whose port gives what this channel reads while its own
    channel reads what this phone's port gives: the two channels are swapped."""
    assert phone.power_meter is not None
    own = _phone_watts(switches, phone)
    for other in bench.config.phones:
        theirs = _phone_watts(switches, other)
        if (other is phone or other.power_meter is None or other.power_meter.instrument != phone.power_meter.instrument
                or own is None or theirs is None or not _matches(reading, theirs) or _matches(own, theirs)):
            continue
        try:
            if _matches(meter.measure_watts(other.power_meter.channel), own):
                return other
        except PowerMeterError:
            continue
    return None
