"""LLDP and the global CDP/LLDP state as the simulated switch prints them.

Layouts copy real captures (tests/fixtures/real/ios/): `show lldp neighbors detail` of a Cisco IP
Phone CP-7962G, SCCP42.9-3-1ES27S (genieparser ShowLldpNeighborsDetail golden_output_2, the same
capture as ntc-templates' cisco_ios_show_lldp_neighbors_detail3): `Chassis id` is the phone's IP
address, `Port id: <MAC>:P1`, `Port Description: SW PORT`, `System Name: SEP<MAC>`, the
description `Cisco IP Phone 7962G,V12, <load>`, capabilities `B,T`, and under `MED Information:`
the load as `S/W revision`, `Model: CP-7962G`, `Capabilities: NP, PD, IN` and the draw as
`Wattage`. The entries are cut by dashed lines as in ntc-templates' cisco_ios_..._detail1. Applying
the 7962G's spelling to a 7942 (`CP-7942G`, `Cisco IP Phone 7942G,V12`) is unconfirmed: no
7942 LLDP capture was found; the hardware revision `V12` is the 7962G's. `show cdp` and `show lldp`
copy genieparser iosxe ShowCdp and ShowLldp golden_output; a protocol turned off answers
`% CDP is not enabled` (genieparser iosxr ShowCdp golden_output2) or `% LLDP is not enabled`
(ntc-templates' IOS template rule).
"""

from __future__ import annotations

from dataclasses import dataclass

from rig.sim.ios_output import lines


@dataclass(frozen=True)
class LldpRow:
    local_interface: str  # short form, e.g. Gi2/0/5
    mac: str  # canonical 12-hex
    ip: str
    platform: str  # Cisco IP Phone 7942
    software: str  # SCCP42.9-4-2SR3-1S
    watts: float
    voice_vlan: int | None


CDP_OFF = lines("% CDP is not enabled")
LLDP_OFF = lines("% LLDP is not enabled")

CDP_GLOBAL = lines(
    "Global CDP information:",
    "        Sending CDP packets every 60 seconds",
    "        Sending a holdtime value of 180 seconds",
    "        Sending CDPv2 advertisements is  enabled",
)

LLDP_GLOBAL = lines(
    "Global LLDP Information:",
    "  Status: ACTIVE",
    "  LLDP advertisements are sent every 30 seconds",
    "  LLDP hold time advertised is 120 seconds",
    "  LLDP interface reinitialisation delay is 2 seconds",
)


def _entry(r: LldpRow) -> list[str]:
    model = r.platform.split()[-1] + "G"
    policies = [
        f"    Network Policy(Voice): VLAN {r.voice_vlan}, tagged, Layer-2 priority: 5, DSCP: 46",
        f"    Network Policy(Voice Signal): VLAN {r.voice_vlan}, tagged, Layer-2 priority: 4, DSCP: 32",
    ] if r.voice_vlan is not None else []
    return [
        "------------------------------------------------",
        f"Local Intf: {r.local_interface}",
        f"Chassis id: {r.ip}",
        f"Port id: {r.mac}:P1",
        "Port Description: SW PORT",
        f"System Name: SEP{r.mac}",
        "",
        "System Description:",
        f"{r.platform}G,V12, {r.software}",
        "",
        "Time remaining: 127 seconds",
        "System Capabilities: B,T",
        "Enabled Capabilities: B,T",
        "Management Addresses:",
        f"    IP: {r.ip}",
        "Auto Negotiation - supported, enabled",
        "Physical media capabilities:",
        "    1000baseT(HD)",
        "    1000baseX(FD)",
        "    Symm, Asym Pause(FD)",
        "    Symm Pause(FD)",
        "Media Attachment Unit type: 16",
        "Vlan ID: - not advertised",
        "",
        "MED Information:",
        "",
        "    MED Codes:",
        "",
        "        (NP) Network Policy, (LI) Location Identification",
        "        (PS) Power Source Entity, (PD) Power Device",
        "        (IN) Inventory",
        "        ",
        "    H/W revision: 12",
        f"    S/W revision: {r.software}",
        "    Manufacturer: Cisco Systems, Inc.",
        f"    Model: CP-{model}",
        "    Capabilities: NP, PD, IN",
        "    Device type: Endpoint Class III",
        *policies,
        f"    PD device, Power source: Unknown, Power Priority: Unknown, Wattage: {r.watts:.1f}",
        "    Location - not advertised",
        "    ",
    ]


def lldp_neighbors_detail(rows: list[LldpRow]) -> str:
    """`show lldp neighbors [IF] detail`: one block per neighbour, then the total."""
    out = [line for r in rows for line in _entry(r)]
    return lines(*out, "", f"Total entries displayed: {len(rows)}")
