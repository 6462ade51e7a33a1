"""rig.bench.port_proof on readings of a port: each contradiction and each sign of an uplink alone
refuses, naming what it saw; the port modes come from a real access switch's `show interfaces
switchport` (Gi1/0/1 an access port with voice VLAN 200, Gi1/0/4 a trunk)."""

from __future__ import annotations

import pytest

from rig.drivers.ios_parsers import CdpNeighbor, MacEntry
from rig.drivers.ios_switchport import parse_switchport
from rig.config.lab import PhoneConfig
from rig.drivers.ios_lldp import LldpNeighbor
from rig.bench.port_proof import MAX_MACS, PortReading, learned, prove, uplink_signs
from tests.test_ios_parsers import FIXTURES

PHONE = PhoneConfig(name="desk-01", mac="001D705F9EA8", switch="sw1", port="Gi1/0/1")
PC = "00505600AA01"
ACCESS, TRUNK = "GigabitEthernet1/0/1", "GigabitEthernet1/0/4"
SWITCHPORTS = parse_switchport(
    (FIXTURES / "show_interfaces_switchport" / "cisco_ios_show_interfaces_switchport_app_interfaces.raw").read_text())
PHONE_CDP = CdpNeighbor("SEP001D705F9EA8", ACCESS, "Cisco IP Phone 7942", "Port 1", None,
                        capabilities="Host Phone Two-port Mac Relay")


def reading(*, macs: list[MacEntry] | None = None, cdp: list[CdpNeighbor] | None = None, port: str = ACCESS,
            config: str = "interface GigabitEthernet1/0/1\n switchport voice vlan 200\nend\n",
            lldp: list[LldpNeighbor] | None = None) -> PortReading:
    """The phone on its access port with its PC behind it, unless told otherwise."""
    if macs is None:
        macs = [MacEntry(PHONE.mac, 200, ACCESS), MacEntry(PC, 100, ACCESS)]
    return PortReading(port, macs, [PHONE_CDP] if cdp is None else cdp, SWITCHPORTS, config, lldp or [])


def test_a_phone_and_its_pc_on_an_access_port_are_proven_with_the_evidence():
    proof = prove(reading(), PHONE)
    assert proof.ok, proof.evidence
    assert proof.evidence == ("MAC 001d.705f.9ea8 learned on sw1 Gi1/0/1 only (VLAN 200); CDP neighbour "
                              "SEP001D705F9EA8 there; access port, 2 MAC(s) behind it")


def test_the_mac_on_another_port_only_is_a_moved_cable():
    proof = prove(reading(macs=[MacEntry(PHONE.mac, 200, "GigabitEthernet1/0/3")], cdp=[]), PHONE)
    assert not proof.ok
    assert "MAC 001d.705f.9ea8 is learned on GigabitEthernet1/0/3 (VLAN 200), not on GigabitEthernet1/0/1" \
        in proof.evidence


def test_the_mac_on_two_ports_is_refused_naming_both():
    macs = [MacEntry(PHONE.mac, 200, ACCESS), MacEntry(PHONE.mac, 300, "GigabitEthernet1/0/7")]
    proof = prove(reading(macs=macs), PHONE)
    assert not proof.ok
    assert ("seen on two ports: GigabitEthernet1/0/1 (VLAN 200) and GigabitEthernet1/0/7 (VLAN 300)"
            in proof.evidence)


def test_the_mac_in_two_vlans_of_its_own_port_is_no_contradiction():
    macs = [MacEntry(PHONE.mac, 100, ACCESS), MacEntry(PHONE.mac, 200, ACCESS)]
    proof = prove(reading(macs=macs), PHONE)
    assert proof.ok and "(VLAN 100, 200)" in proof.evidence


def test_cdp_on_one_port_and_the_mac_table_on_another_disagree():
    elsewhere = CdpNeighbor("SEP001D705F9EA8", "Gi1/0/9", "Cisco IP Phone 7942", "Port 1", None,
                            capabilities="Host Phone")
    proof = prove(reading(cdp=[elsewhere]), PHONE)
    assert not proof.ok
    assert ("CDP sees SEP001D705F9EA8 on GigabitEthernet1/0/9 while the MAC table has it on GigabitEthernet1/0/1"
            in proof.evidence)


def test_a_phone_seen_nowhere_is_not_proven():
    proof = prove(reading(macs=[MacEntry(PC, 100, ACCESS)], cdp=[]), PHONE)
    assert not proof.ok and "not seen on sw1 Gi1/0/1: the switch sees MACs 0050.5600.aa01" in proof.evidence


def _macs(count: int) -> list[MacEntry]:
    return [MacEntry(PHONE.mac, 200, ACCESS)] + [MacEntry(f"0050560000{i:02X}", 100, ACCESS) for i in range(count - 1)]


def test_more_macs_than_a_phone_and_a_pc_is_an_uplink():
    assert prove(reading(macs=_macs(MAX_MACS)), PHONE).ok
    proof = prove(reading(macs=_macs(MAX_MACS + 1)), PHONE)
    assert not proof.ok
    assert proof.evidence == ("sw1 Gi1/0/1 looks like an uplink or trunk: 4 MACs learned on it "
                              "(a phone and its PC are 2)")


@pytest.mark.parametrize("capabilities", ["Switch IGMP", "Router Switch IGMP", "Router Trans-Bridge"])
def test_a_switch_router_or_bridge_as_cdp_neighbour_is_an_uplink(capabilities):
    switch = CdpNeighbor("access-sw2", ACCESS, "cisco WS-C3560X-24P", "GigabitEthernet0/8", "10.0.0.2",
                         capabilities=capabilities)
    proof = prove(reading(cdp=[PHONE_CDP, switch]), PHONE)
    assert not proof.ok
    assert f"CDP neighbour access-sw2 (cisco WS-C3560X-24P) is a {capabilities}" in proof.evidence


def test_trunk_mode_in_show_interfaces_switchport_is_a_trunk():
    macs = [MacEntry(PHONE.mac, 200, TRUNK)]
    phone = PHONE.model_copy(update={"port": "Gi1/0/4"})
    proof = prove(reading(macs=macs, cdp=[], port=TRUNK, config=""), phone)
    assert not proof.ok
    assert proof.evidence == ("sw1 Gi1/0/4 looks like an uplink or trunk: `show interfaces switchport`: "
                              "Administrative Mode trunk, Operational Mode trunk")


def test_switchport_mode_trunk_in_the_running_configuration_is_a_trunk():
    signs = uplink_signs(reading(config="interface GigabitEthernet1/0/1\n switchport mode trunk\nend\n"))
    assert signs == ["its running configuration says `switchport mode trunk`"]


def test_a_port_whose_mode_the_switch_does_not_show_is_not_proven():
    signs = uplink_signs(PortReading("GigabitEthernet3/0/1", [], [], SWITCHPORTS, ""))
    assert signs == ["`show interfaces switchport` does not show the port's mode"]


def test_a_phone_is_learned_when_its_mac_is_in_the_mac_table_on_any_port():
    assert not learned([MacEntry(PC, 100, ACCESS)], PHONE)
    assert learned([MacEntry(PHONE.mac, 200, "GigabitEthernet1/0/3")], PHONE)


def test_a_neighbour_entry_alone_identifies_a_phone_but_never_proves_it_for_a_power_off():
    """A restarting phone has no link for a moment: the switch forgets its MAC on the port, while
    its CDP entry stays until the holdtime runs out."""
    stale = reading(macs=[MacEntry(PC, 100, ACCESS)])
    assert prove(stale, PHONE).ok
    refused = prove(stale, PHONE, to_power_off=True)
    assert not refused.ok
    assert refused.evidence == ("desk-01 (SEP001D705F9EA8) not proven on sw1 Gi1/0/1: CDP names it there but its "
                                "MAC is not learned on the port (a neighbour entry outlives the link; the MAC "
                                "table forgets a port whose link went down)")
    assert prove(reading(), PHONE, to_power_off=True).ok


def _lldp_phone(port: str | None) -> LldpNeighbor:
    return LldpNeighbor(port, "001d.705f.9ea8", "Port 1", "SW PORT", "SEP001D705F9EA8.cisco.com",
                        "Cisco IP Phone CP-7942G", "B,T", None)


def test_with_cdp_off_and_the_mac_aged_out_the_phones_lldp_entry_identifies_it_on_its_port():
    seen = PortReading(ACCESS, [], [], SWITCHPORTS, "", [_lldp_phone(ACCESS)])
    proof = prove(seen, PHONE)
    assert proof.ok, proof.evidence
    assert proof.evidence.startswith("LLDP neighbour SEP001D705F9EA8 there")
    assert not prove(seen, PHONE, to_power_off=True).ok


def test_lldp_on_another_port_is_a_moved_cable():
    proof = prove(PortReading(ACCESS, [], [], SWITCHPORTS, "", [_lldp_phone("GigabitEthernet1/0/3")]), PHONE)
    assert not proof.ok and "LLDP sees SEP001D705F9EA8 on GigabitEthernet1/0/3" in proof.evidence


def test_an_lldp_entry_whose_local_port_the_switch_does_not_print_neither_proves_nor_contradicts():
    """Some switches print no `Local Intf:` line (the real captures
    tests/fixtures/real/ios/show_lldp_neighbors_detail/cisco_ios_show_lldp_neighbors_detail2.raw
    and ...detail5.raw): the entry places the phone nowhere, so the MAC table decides."""
    unplaced = [_lldp_phone(None)]
    assert prove(reading(lldp=unplaced), PHONE, to_power_off=True).ok
    proof = prove(PortReading(ACCESS, [], [], SWITCHPORTS, "", unplaced), PHONE)
    assert not proof.ok and proof.unseen and "None" not in proof.evidence
