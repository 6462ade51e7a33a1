"""rig.drivers.ios_parsers reads every real IOS capture (tests/fixtures/real/ios) the way ntc-templates'
own expected results (.yml beside each .raw) say, on the fields rig uses."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from rig.drivers.ios_parsers import (
    IosParseError,
    canonical_interface,
    parse_cdp_neighbors,
    parse_cdp_neighbors_detail,
    parse_mac_table,
    parse_power_inline,
    short_interface,
)
from rig.drivers.ios_lldp import parse_lldp_neighbors_detail
from rig.drivers.macaddr import normalize_mac

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real" / "ios"


def captures(folder: str) -> list[Path]:
    found = sorted((FIXTURES / folder).glob("*.raw"))
    assert found, f"no captures in {FIXTURES / folder}"
    return found


def expected(raw: Path) -> list[dict[str, object]]:
    return yaml.safe_load(raw.with_suffix(".yml").read_text())["parsed_sample"]


def maybe_float(text: str) -> float | None:
    return float(text) if text else None


@pytest.mark.parametrize("raw", captures("show_power_inline"), ids=lambda p: p.stem)
def test_power_inline_capture_agrees_with_ntc_expectation(raw: Path) -> None:
    ports = parse_power_inline(raw.read_text())
    want = expected(raw)
    assert [
        (p.interface, p.admin, p.oper, p.watts, p.device, p.poe_class, p.max_watts) for p in ports
    ] == [
        (
            canonical_interface(str(w["interface"])),
            w["admin_status"],
            w["operational_status"],
            float(str(w["power"])),
            w["device"],
            w["class"],
            maybe_float(str(w["max"])),
        )
        for w in want
    ]


@pytest.mark.parametrize("raw", captures("show_cdp_neighbors"), ids=lambda p: p.stem)
def test_cdp_neighbors_capture_agrees_with_ntc_expectation(raw: Path) -> None:
    neighbors = parse_cdp_neighbors(raw.read_text())
    assert [(n.device_id, n.local_interface, n.platform, n.port_id) for n in neighbors] == [
        (
            w["neighbor_name"],
            canonical_interface(str(w["local_interface"])),
            w["platform"],
            w["neighbor_interface"],
        )
        for w in expected(raw)
    ]


@pytest.mark.parametrize("raw", captures("show_cdp_neighbors_detail"), ids=lambda p: p.stem)
def test_cdp_neighbors_detail_capture_agrees_with_ntc_expectation(raw: Path) -> None:
    neighbors = parse_cdp_neighbors_detail(raw.read_text())
    assert [(n.device_id, n.local_interface, n.platform, n.ip or "", n.version or "") for n in neighbors] == [
        (
            w["neighbor_name"],
            canonical_interface(str(w["local_interface"])),
            str(w["platform"]).strip(),  # "Cisco " of a blank platform is kept as "Cisco"
            w["mgmt_address"],
            str(w["neighbor_description"]).strip(),  # the first line under `Version :`
        )
        for w in expected(raw)
    ]


@pytest.mark.parametrize("raw", captures("show_mac-address-table"), ids=lambda p: p.stem)
def test_mac_table_capture_agrees_with_ntc_expectation(raw: Path) -> None:
    entries = parse_mac_table(raw.read_text())
    want = []
    for w in expected(raw):
        for port in w["destination_port"]:  # type: ignore[attr-defined]
            want.append((normalize_mac(str(w["destination_address"])), str(w["vlan_id"]), port))
    assert len(entries) == len(want)
    for entry, (mac, vlan, port) in zip(entries, want, strict=True):
        assert entry.mac == mac
        assert entry.vlan == (int(vlan) if vlan.isdigit() else None)
        assert entry.port in (port, canonical_interface(port) if port[-1].isdigit() else port)


@pytest.mark.parametrize(
    "spelling",
    ["Gi1/0/5", "gi1/0/5", "g1/0/5", "Gig 1/0/5", "GigabitEthernet1/0/5", "GigabitEthernet 1/0/5"],
)
def test_interface_spellings_are_one_canonical_name(spelling: str) -> None:
    assert canonical_interface(spelling) == "GigabitEthernet1/0/5"


@pytest.mark.parametrize(
    ("spelling", "long"),
    [
        ("Fa0/1", "FastEthernet0/1"),
        ("Te1/1/1", "TenGigabitEthernet1/1/1"),
        ("Ten 1/1/3", "TenGigabitEthernet1/1/3"),
        ("Tw1/0/1", "TwoGigabitEthernet1/0/1"),
        ("Twe1/0/1", "TwentyFiveGigE1/0/1"),
        ("Fi1/0/1", "FiveGigabitEthernet1/0/1"),
        ("Hu1/0/49", "HundredGigE1/0/49"),
        ("Po15", "Port-channel15"),
        ("Port-channel15", "Port-channel15"),
        ("Vl99", "Vlan99"),
    ],
)
def test_every_interface_family_has_its_abbreviations(spelling: str, long: str) -> None:
    assert canonical_interface(spelling) == long


def test_short_interface_is_the_spelling_of_show_tables() -> None:
    assert short_interface("GigabitEthernet1/0/5") == "Gi1/0/5"
    assert short_interface("twe1/0/2") == "Twe1/0/2"


@pytest.mark.parametrize(
    "bad",
    ["", "CPU", "1/0/5", "t1/0/1", "Bogus1/0/1", "foo", "Gi1/0/1x", "Gi1/0/3\nshow version", "Gi1/0/1; reload",
     "Gi\n1/0/3", "Gi1/0/1\n", "Gi  1/0/1"],
)
def test_an_unusable_interface_name_is_refused_with_the_name(bad: str) -> None:
    with pytest.raises(ValueError) as caught:
        canonical_interface(bad)
    assert repr(bad) in str(caught.value)


@pytest.mark.parametrize(
    "parse", [parse_power_inline, parse_cdp_neighbors, parse_cdp_neighbors_detail, parse_mac_table,
              parse_lldp_neighbors_detail]
)
def test_text_that_is_not_the_expected_table_raises_instead_of_returning_nothing(
    parse: Callable[[str], list[object]],
) -> None:
    with pytest.raises(IosParseError, match="unexpected output: 'Login invalid'"):
        parse("Login invalid\r\n\r\nsomething else\r\n")


def test_empty_tables_are_not_errors() -> None:
    assert parse_power_inline("%No inline power card on switch\n") == []
    assert parse_cdp_neighbors(
        "Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID\n\n"
        "Total cdp entries displayed : 0\n"
    ) == []
    assert parse_cdp_neighbors_detail("\nTotal cdp entries displayed : 0\n") == []
    assert parse_mac_table(
        "Vlan    Mac Address       Type        Ports\n----    -----------       --------    -----\n"
    ) == []
    assert parse_lldp_neighbors_detail("\nTotal entries displayed: 0\n") == []


@pytest.mark.parametrize("raw", captures("show_mac-address-table"), ids=lambda p: p.stem)
def test_a_mac_table_row_that_cannot_be_read_refuses_the_table_and_names_its_line(raw: Path) -> None:
    """The MAC table proves where a phone is before its port goes off: a row left out could be the
    phone learned on a second port, so it is never skipped; the error names it, not the header."""
    lines = raw.read_text().splitlines()
    number = next(n for n, line in enumerate(lines, 1) if re.search(r"[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}", line))
    lines[number - 1] = lines[number - 1].replace(".", "-", 1) + " ??"  # one MAC garbled
    with pytest.raises(IosParseError) as refused:
        parse_mac_table("\n".join(lines))
    assert str(refused.value) == (f"'show mac address-table': table refused whole at line {number}: "
                                  f"{lines[number - 1].strip()!r}: not a row")
