"""rig.drivers.ios_switchport reads real `show interfaces switchport` captures (tests/fixtures/real/ios)
as ntc-templates' expectations say, tells trunks from access ports, and reads the simulated
switch's output the same way; CDP capabilities of real neighbours are read too."""

from __future__ import annotations

from pathlib import Path

import pytest

from rig.drivers.ios_parsers import canonical_interface, parse_cdp_neighbors_detail
from rig.drivers.ios_switchport import interface_config, parse_switchport, trunk_in_config
from rig.sim.ios_cli import IosSession
from rig.sim.ios_ports import SwitchState
from rig.sim.misconfig import SWITCH_BEHIND
from tests.switch_devices import StubPhone
from tests.test_ios_parsers import FIXTURES, captures, expected


@pytest.mark.parametrize("raw", captures("show_interfaces_switchport"), ids=lambda p: p.stem)
def test_switchport_capture_agrees_with_ntc_expectation(raw: Path) -> None:
    ports = parse_switchport(raw.read_text())
    assert [(p.interface, p.admin_mode, p.mode, p.voice_vlan) for p in ports] == [
        (canonical_interface(str(w["interface"])), w["admin_mode"], w["mode"], w["voice_vlan"]) for w in expected(raw)
    ]


def test_trunks_are_told_from_access_ports_in_a_real_access_switch() -> None:
    raw = FIXTURES / "show_interfaces_switchport" / "cisco_ios_show_interfaces_switchport_app_interfaces.raw"
    ports = {p.interface: p for p in parse_switchport(raw.read_text())}
    assert ports["GigabitEthernet1/0/4"].trunk  # Administrative Mode: trunk
    assert not ports["GigabitEthernet1/0/1"].trunk  # static access, Voice VLAN: 200
    assert not ports["GigabitEthernet1/0/2"].trunk  # static access, down


def test_a_dynamic_port_that_negotiated_a_trunk_is_a_trunk() -> None:
    raw = FIXTURES / "show_interfaces_switchport" / "cisco_ios_show_interfaces_switchport.raw"
    ports = parse_switchport(raw.read_text())
    assert [p.interface for p in ports if p.trunk] == ["GigabitEthernet0/1"]


def test_a_port_whose_block_changed_between_two_reads_reads_its_new_mode() -> None:
    """Blocks are parsed once per distinct text: a port that went down between two reads of the
    table is read afresh, its neighbours unchanged."""
    raw = FIXTURES / "show_interfaces_switchport" / "cisco_ios_show_interfaces_switchport_app_interfaces.raw"
    before = {p.interface: p for p in parse_switchport(raw.read_text())}
    block = raw.read_text().split("Name: ")[1]
    changed = raw.read_text().replace(block, block.replace("Operational Mode: static access", "Operational Mode: down"))
    after = {p.interface: p for p in parse_switchport(changed)}
    assert (before["GigabitEthernet1/0/1"].mode, after["GigabitEthernet1/0/1"].mode) == ("static access", "down")
    assert {k: v for k, v in after.items() if k != "GigabitEthernet1/0/1"} == \
        {k: v for k, v in before.items() if k != "GigabitEthernet1/0/1"}


def test_lines_before_the_first_port_are_read_as_the_template_reads_them() -> None:
    raw = FIXTURES / "show_interfaces_switchport" / "cisco_ios_show_interfaces_switchport_app_interfaces.raw"
    stamped = "Load for five secs: 5%/0%; one minute: 4%; five minutes: 4%\n" + raw.read_text()
    assert parse_switchport(stamped) == parse_switchport(raw.read_text())


def test_a_running_configuration_with_switchport_mode_trunk_is_a_trunk() -> None:
    assert trunk_in_config("interface GigabitEthernet1/0/4\n switchport mode trunk\nend\n")
    assert not trunk_in_config("interface GigabitEthernet1/0/1\n switchport mode access\n switchport voice vlan 200\n")


def test_a_ports_section_is_cut_from_the_whole_running_configuration():
    whole = ("hostname sw1\n!\ninterface GigabitEthernet1/0/1\n switchport voice vlan 200\n!\n"
             "interface GigabitEthernet1/0/2\n switchport mode trunk\n!\ninterface GigabitEthernet1/0/3\n!\nend\n")
    assert interface_config(whole, "Gi1/0/2") == "interface GigabitEthernet1/0/2\n switchport mode trunk\n"
    assert not trunk_in_config(interface_config(whole, "Gi1/0/1"))
    assert interface_config(whole, "Gi1/0/3") == "interface GigabitEthernet1/0/3\n"
    assert interface_config(whole, "Gi1/0/9") == ""


def test_cdp_detail_reads_the_capabilities_of_real_neighbours() -> None:
    raw = FIXTURES.parent / "cdp" / "ntc-templates-cisco_ios_show_cdp_neighbors_detail3.raw"
    capabilities = {n.device_id: n.capabilities for n in parse_cdp_neighbors_detail(raw.read_text())}
    assert capabilities["SEP9CAAEFA930D7"] == "Host Phone"
    assert capabilities["EP-Switch-1.detil.corpintra.net"] == "Router Switch IGMP"


def _session() -> IosSession:
    state = SwitchState("sw1", {"Gi1/0/1": StubPhone("desk-1", "001D705F9EA8"), "Gi1/0/2": None, "Gi1/0/3": None})
    state.make_uplink("Gi1/0/3", SWITCH_BEHIND, ["005056000001", "005056000002"])
    return IosSession(state, enable_secret=None)


def _output(session: IosSession, command: str) -> str:
    return session.handle(command).text.removesuffix(session.prompt())


def test_the_simulated_switch_shows_access_ports_down_ports_and_trunks_as_a_real_one() -> None:
    session = _session()
    ports = {p.interface: p for p in parse_switchport(_output(session, "show interfaces switchport"))}
    assert (ports["GigabitEthernet1/0/1"].admin_mode, ports["GigabitEthernet1/0/1"].mode) == ("static access",) * 2
    assert ports["GigabitEthernet1/0/2"].mode == "down"
    assert ports["GigabitEthernet1/0/3"].trunk
    (one,) = parse_switchport(_output(session, "sh int gi1/0/3 switchport"))
    assert one.interface == "GigabitEthernet1/0/3" and one.trunk
    assert trunk_in_config(_output(session, "show running-config interface Gi1/0/3"))
    assert not trunk_in_config(_output(session, "show running-config interface Gi1/0/1"))
    whole = _output(session, "show running-config")
    assert trunk_in_config(interface_config(whole, "Gi1/0/3"))
    assert interface_config(whole, "GigabitEthernet1/0/1").startswith("interface GigabitEthernet1/0/1")
    assert not trunk_in_config(interface_config(whole, "Gi1/0/1"))


def test_the_simulated_uplink_shows_a_switch_as_cdp_neighbour() -> None:
    neighbours = parse_cdp_neighbors_detail(_output(_session(), "show cdp neighbors detail"))
    switch = next(n for n in neighbours if n.local_interface == "GigabitEthernet1/0/3")
    assert (switch.platform, switch.capabilities, switch.power_drawn) == ("cisco WS-C3560X-24P", "Switch IGMP", None)
