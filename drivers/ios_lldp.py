"""`show lldp neighbors [IF] detail` read entry by entry, LLDP-MED included.

Sites that turn CDP off still see phones by LLDP: a real CP-7962G announces `System Name:
SEPC8F9F9D61BC2`, `System Description: Cisco IP Phone 7962G,V12, SCCP42.9-3-1ES27S` and, under
`MED Information:`, its model, `S/W revision: SCCP42.9-3-1ES27S`, `Capabilities: NP, PD, IN` and
`Wattage: 6.3` (genieparser iosxe/tests/ShowLldpNeighborsDetail golden_output_2; the same capture
is ntc-templates' cisco_ios_show_lldp_neighbors_detail3). Its `Chassis id` is an IP address, so
the phone's MAC comes from the system name first, the chassis id only when it is a MAC.

Entries are cut at each `Chassis id:` line (with the `Local Intf:` line just above it, which some
IOS releases do not print, and the per-interface form need not); an entry without `Chassis id`
and `Port id` is named in `unread` and the rest still count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rig.drivers.ios_names import Rows, canonical_interface, unexpected, unread_line
from rig.drivers.macaddr import normalize_mac


@dataclass(frozen=True)
class LldpNeighbor:
    local_interface: str | None
    """Canonical name; None when the output does not print `Local Intf:`."""
    chassis_id: str
    port_id: str
    port_description: str
    system_name: str
    system_description: str
    """The lines under `System Description:`, joined by newlines."""
    capabilities: str  # Enabled Capabilities: `B,T`
    ip: str | None
    med_capabilities: tuple[str, ...] = field(default=())  # `NP`, `PD`, `IN` ...
    model: str | None = None
    software_revision: str | None = None
    power_watts: float | None = None

    @property
    def mac(self) -> str | None:
        """The neighbour's MAC: `SEP<MAC>` of its system name (a domain after it dropped), else its
        chassis id when that is a MAC; None when neither says."""
        for text in (self.system_name.split(".", 1)[0], self.chassis_id):
            try:
                return normalize_mac(text)
            except ValueError:
                continue
        return None


_CHASSIS = re.compile(r"^Chassis id: *(.*?)\s*$", re.MULTILINE)
_LOCAL = re.compile(r"^Local Intf: *(\S+)\s*$")


def _value(block: str, label: str) -> str:
    """The text after `label:` on its line; "" when absent or `label - not advertised`."""
    m = re.search(rf"^ *{re.escape(label)}: *(.*?)\s*$", block, re.MULTILINE)
    return m.group(1) if m else ""


def _description(block: str) -> str:
    m = re.search(r"^System Description: *\n(.*?)(?:\n\s*\n|\Z)", block, re.MULTILINE | re.DOTALL)
    return "\n".join(line.strip() for line in m.group(1).splitlines()) if m else ""


def _entry(block: str, local: str | None) -> LldpNeighbor | str:
    chassis, port = _value(block, "Chassis id"), _value(block, "Port id")
    if not chassis or not port:
        return "no `Chassis id` or `Port id`"
    med = block.split("MED Information:", 1)[1] if "MED Information:" in block else ""
    capabilities = _value(med, "Capabilities")
    power = re.search(r"Wattage: *([\d.]+)", med)
    ip = re.search(r"^Management Addresses:\s*\n\s+IP(?:v4|v6|V6)?: *(\S+)", block, re.MULTILINE)
    return LldpNeighbor(
        local_interface=local,
        chassis_id=chassis,
        port_id=port,
        port_description=_value(block, "Port Description"),
        system_name=_value(block, "System Name"),
        system_description=_description(block),
        capabilities=_value(block, "Enabled Capabilities"),
        ip=ip.group(1) if ip else None,
        med_capabilities=tuple(c.strip() for c in capabilities.split(",") if c.strip()),
        model=_value(med, "Model") or None,
        software_revision=_value(med, "S/W revision") or None,
        power_watts=float(power.group(1)) if power else None,
    )


def parse_lldp_neighbors_detail(text: str, interface: str | None = None) -> Rows[LldpNeighbor]:
    """Every entry of `show lldp neighbors [IF] detail`; `interface` is the local port of the
    per-interface form, for entries that do not print `Local Intf:`."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _CHASSIS.match(line)]
    if not starts and text.strip() and "Total entries displayed" not in text:
        raise unexpected("show lldp neighbors detail", text)
    found: Rows[LldpNeighbor] = Rows()
    for begin, end in zip(starts, starts[1:] + [len(lines)]):
        # `Local Intf:` just before (IOS-XE may print `Local Intf service instance: -` between).
        local_line = next((m for m in map(_LOCAL.match, lines[max(0, begin - 3):begin]) if m), None)
        try:
            local = canonical_interface(local_line.group(1) if local_line else interface or "")
        except ValueError:
            local = None
        entry = _entry("".join(lines[begin:end]), local)
        if isinstance(entry, str):
            found.unread.append(unread_line(begin + 1, lines[begin], entry))
        else:
            found.append(entry)
    return found
