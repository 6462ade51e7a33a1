"""`show cdp neighbors detail` read from real captures with IP phones in them (sources in
tests/fixtures/real/PROVENANCE.md): the platform, the first `Version :` line and the PoE draw."""

from __future__ import annotations

from pathlib import Path

from rig.drivers.ios_parsers import parse_cdp_neighbors_detail

REAL = Path(__file__).parent / "fixtures" / "real" / "cdp"


def neighbours() -> dict[str, object]:
    text = (REAL / "ntc-templates-cisco_ios_show_cdp_neighbors_detail3.raw").read_text()
    return {(n.device_id, n.local_interface): n for n in parse_cdp_neighbors_detail(text)}


def test_a_phone_shows_platform_version_and_power_drawn() -> None:
    phone = neighbours()[("SEP9CAAEFA930D7", "GigabitEthernet1/0/5")]
    assert (phone.platform, phone.port_id) == ("Poly VVX D230", "Port 1")
    assert phone.version == "7.1.3.9112"
    assert phone.power_drawn == 6.5
    assert phone.ip is None, "its entry lists no address"


def test_power_drawn_belongs_to_its_own_entry_only() -> None:
    found = neighbours()
    assert found[("CCNNN-AP-NNNNNN1.subdomain.domain", "GigabitEthernet1/0/41")].power_drawn == 15.383
    assert found[("CCNNN-AP-NNNNNN2", "TenGigabitEthernet1/0/41")].power_drawn == 16.8
    assert found[("Linux-host", "GigabitEthernet1/0/11")].power_drawn is None
    assert found[("CCNNN-SW-TI4112.subdomain.domain", "GigabitEthernet1/2")].power_drawn is None


def test_a_switch_version_is_the_first_line_under_version() -> None:
    switch = neighbours()[("CCNNN-SW-TI4112.subdomain.domain", "GigabitEthernet1/2")]
    assert switch.version == ("Cisco IOS Software, s72033_rp Software (s72033_rp-ADVIPSERVICESK9-M), "
                              "Version 15.1(2)SY11, RELEASE SOFTWARE (fc3)")
