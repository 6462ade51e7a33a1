"""`show cdp neighbors detail` read entry by entry, each entry from whichever blocks it has.

Real entries do not all have the same blocks: a camera with no `Capabilities:` after its platform
(genieparser iosxe/tests/ShowCdpNeighborsDetail device_output_6), a switch with no `Version :`
block (device_output_11: 5 entries, ntc-templates' template returns 4), a router on a
`Serial0/0/0:1` link (device_output_7). Each entry needs only its `Device ID:` and `Interface:`
lines; one without them is named in `unread`, and the other entries still count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rig.drivers.ios_names import Rows, canonical_interface, unexpected, unread_line


@dataclass(frozen=True)
class CdpNeighbor:
    device_id: str
    local_interface: str
    platform: str  # "Cisco IP Phone 7942"
    port_id: str
    ip: str | None
    # First line under `Version :` (a phone's running load, e.g. SCCP42.8-4-2S); detail only.
    version: str | None = None
    # `Power drawn: 6.300 Watts` of a PoE device; detail only, absent for most neighbours.
    power_drawn: float | None = None
    # `Capabilities: Router Switch IGMP`, `Host Phone Two-port Mac Relay`; "" when the entry has none.
    capabilities: str = ""


_DEVICE_ID = re.compile(r"^Device ID: *(\S+)", re.MULTILINE)
_PLATFORM = re.compile(r"^Platform: *(.*?)\s*(?:, *Capabilities:.*)?$", re.MULTILINE)
_INTERFACE = re.compile(r"^Interface: *([^,]+?) *, *Port ID \(outgoing port\): *(.*?)\s*$", re.MULTILINE)
_IP = re.compile(r"^ *IP(?:v4)? address: *(\S+)", re.MULTILINE)
_VERSION = re.compile(r"^Version *:\s*\n\s*(\S.*?)\s*$", re.MULTILINE)
_POWER_DRAWN = re.compile(r"^Power drawn: *([\d.]+) *Watts", re.MULTILINE)
_CAPABILITIES = re.compile(r"Capabilities: *(.*?)\s*$", re.MULTILINE)


def _entry(block: str) -> CdpNeighbor | str:
    """One entry, or why it cannot be one."""
    device = _DEVICE_ID.match(block)
    interface = _INTERFACE.search(block)
    if device is None or interface is None:
        return "no `Interface: ..., Port ID (outgoing port): ...` line"
    try:
        local = canonical_interface(interface.group(1))
    except ValueError as exc:
        return str(exc)
    platform, ip, version, power, capabilities = (_PLATFORM.search(block), _IP.search(block),
                                                  _VERSION.search(block), _POWER_DRAWN.search(block),
                                                  _CAPABILITIES.search(block))
    return CdpNeighbor(
        device_id=device.group(1),
        local_interface=local,
        platform=platform.group(1) if platform else "",
        port_id=interface.group(2),
        ip=ip.group(1) if ip else None,
        version=version.group(1) if version else None,
        power_drawn=float(power.group(1)) if power else None,
        capabilities=capabilities.group(1) if capabilities else "",
    )


def parse_cdp_neighbors_detail(text: str) -> Rows[CdpNeighbor]:
    """Every entry of `show cdp neighbors detail`: full platform (`Cisco IP Phone 7942`), first IP
    address, the first line under `Version :` and the PoE draw where shown."""
    starts = [m.start() for m in _DEVICE_ID.finditer(text)]
    if not starts and text.strip() and "Total cdp entries displayed" not in text:
        raise unexpected("show cdp neighbors detail", text)
    found: Rows[CdpNeighbor] = Rows()
    for begin, end in zip(starts, starts[1:] + [len(text)]):
        entry = _entry(text[begin:end])
        if isinstance(entry, str):
            line = text.count("\n", 0, begin) + 1
            found.unread.append(unread_line(line, text[begin:].split("\n", 1)[0], entry))
        else:
            found.append(entry)
    return found
