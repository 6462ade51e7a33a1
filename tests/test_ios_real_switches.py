"""Real stacks, chassis, CDP entries of every shape and LLDP-MED phones (tests/fixtures/real/ios:
genieparser's and ntc-templates' captures) read to what each source's own expected parse says, on
the fields rig uses; and a row that cannot be read costs that row, named with its line."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml

from rig.drivers.ios_budget import parse_power_budget
from rig.drivers.ios_cdp import parse_cdp_neighbors_detail
from rig.drivers.ios_lldp import parse_lldp_neighbors_detail
from rig.drivers.ios_names import canonical_interface
from rig.drivers.ios_poe import parse_power_inline

REAL = Path(__file__).resolve().parent / "fixtures" / "real" / "ios"
GENIE = REAL / "genieparser"


def genie(folder: str) -> list[Path]:
    found = sorted((GENIE / folder).glob("*_output.txt"))
    assert found, f"no captures in {GENIE / folder}"
    return found


def genie_expected(output: Path) -> dict[str, Any]:
    """genieparser's `expected_output = {...}` literal beside the capture."""
    source = output.with_name(output.name.replace("_output.txt", "_expected.py")).read_text()
    return ast.literal_eval(source.split("=", 1)[1].strip())  # type: ignore[no-any-return]


def advertised(value: str | None) -> str | None:
    """genieparser's `not advertised` is rig's empty value."""
    return None if value in (None, "not advertised") else value


def long_name(name: str) -> str:
    try:
        return canonical_interface(name)
    except ValueError:
        return name


@pytest.mark.parametrize("output", genie("ShowPowerInline"), ids=lambda p: p.stem)
def test_power_inline_of_stacks_and_chassis_agrees_with_genieparser(output: Path) -> None:
    text = output.read_text()
    want = genie_expected(output)
    ports = parse_power_inline(text)
    assert ports.unread == []
    assert {p.interface for p in ports} == set(want["interface"])
    for port in ports:
        row = want["interface"][port.interface]
        assert (port.admin, port.oper, port.watts) == (row["admin_state"], row["oper_state"], row["power"])
        assert (port.device, port.poe_class) == (row.get("device", "n/a"), row.get("class", "n/a"))
        if "From PS" not in text:  # genieparser files a 4500's `From PS` figure under `max`: not a maximum
            assert port.max_watts == row["max"]
    budgets = {b.module or "0": (b.available, b.used, b.remaining) for b in parse_power_budget(text)}
    assert budgets == {k: (w["available"], w["used"], w["remaining"]) for k, w in want.get("watts", {}).items()}


def test_every_port_of_a_stack_draws_on_its_own_member() -> None:
    ports = parse_power_inline((GENIE / "ShowPowerInline" / "golden_output_1_output.txt").read_text())
    assert {p.member for p in ports} == {"1", "2", "3", "4", "5"}
    assert all(p.interface.startswith(f"GigabitEthernet{p.member}/0/") for p in ports)
    # member 4's block repeats the port header inside its budget table: its IP phone still counts
    assert [p.device for p in ports if p.member == "4" and p.oper == "on"] == ["IP Phone 8865"]


def test_one_port_query_on_a_chassis_reads_the_port_row_not_the_admin_table() -> None:
    ports = parse_power_inline((GENIE / "ShowPowerInline" / "golden_output_5_output.txt").read_text())
    assert [(p.interface, p.oper, p.max_watts) for p in ports] == [("GigabitEthernet1/16", "power-deny", 4.0)]


@pytest.mark.parametrize("output", genie("ShowCdpNeighborsDetail"), ids=lambda p: p.stem)
def test_cdp_entries_with_any_blocks_agree_with_genieparser(output: Path) -> None:
    want = genie_expected(output)
    neighbours = parse_cdp_neighbors_detail(output.read_text())
    assert neighbours.unread == []
    assert [(n.device_id, n.local_interface, n.platform, n.port_id, n.ip, n.version) for n in neighbours] == [
        (
            w["device_id"],
            canonical_interface(w["local_interface"]),
            w["platform"].strip(),  # "Cisco " of a platform with no model is kept as "Cisco"
            w["port_id"],
            next(iter(w["entry_addresses"]), None),
            w["software_version"].split("\n")[0] if w.get("software_version") else None,
        )
        for _, w in sorted(want["index"].items())
    ]
    if "total_entries_displayed" in want:
        assert len(neighbours) == want["total_entries_displayed"]


@pytest.mark.parametrize("output", genie("ShowLldpNeighborsDetail"), ids=lambda p: p.stem)
def test_lldp_neighbours_agree_with_genieparser(output: Path) -> None:
    want = genie_expected(output)
    expected = set()
    for interface, by_port in want["interfaces"].items():
        for port_id, found in by_port["port_id"].items():
            for name, w in found["neighbors"].items():
                # genieparser capitalises some port ids (`C81f.77ff.dddd` for the printed `c81f...`)
                expected.add((interface, port_id.lower(), w["chassis_id"], advertised(w.get("system_name")) or "",
                              advertised(w.get("management_address"))))
    neighbours = parse_lldp_neighbors_detail(output.read_text())
    assert {(n.local_interface, long_name(n.port_id).lower(), n.chassis_id, n.system_name, n.ip)
            for n in neighbours} == expected
    med = want.get("med_information")
    if med and "model" in med:
        (phone,) = neighbours
        assert (phone.model, list(phone.med_capabilities), phone.software_revision, phone.power_watts) == (
            med["model"], med["capabilities"], med.get("s/w_revision"), med.get("wattage"))


NTC_LLDP = sorted((REAL / "show_lldp_neighbors_detail").glob("*.raw"))


@pytest.mark.parametrize("raw", NTC_LLDP, ids=lambda p: p.stem)
def test_lldp_neighbours_agree_with_ntc_templates(raw: Path) -> None:
    want = yaml.safe_load(raw.with_suffix(".yml").read_text())["parsed_sample"]
    neighbours = parse_lldp_neighbors_detail(raw.read_text())
    assert [(n.local_interface or "", n.chassis_id, n.port_id, n.port_description, n.system_name, n.capabilities,
             n.ip or "", n.model or "", n.software_revision or "") for n in neighbours] == [
        (canonical_interface(w["local_interface"]) if w["local_interface"] else "", w["chassis_id"],
         w["neighbor_port_id"], w["neighbor_interface"], w["neighbor_name"], w["capabilities"], w["mgmt_address"],
         w["platform"], w["sw_revision"])
        for w in want
    ]


def test_a_real_cp7962g_is_a_phone_by_its_lldp_med() -> None:
    (phone,) = parse_lldp_neighbors_detail((REAL / "show_lldp_neighbors_detail" /
                                            "cisco_ios_show_lldp_neighbors_detail3.raw").read_text())
    assert (phone.mac, phone.local_interface, phone.model) == ("C8F9F9D61BC2", "GigabitEthernet0/1/7", "CP-7962G")
    assert phone.system_description.startswith("Cisco IP Phone 7962G")
    assert ("PD" in phone.med_capabilities, phone.power_watts) == (True, 6.3)


def test_a_phone_named_with_its_domain_still_gives_its_mac() -> None:
    (phone,) = parse_lldp_neighbors_detail((REAL / "show_lldp_neighbors_detail" /
                                            "cisco_ios_show_lldp_neighbors_detail6.raw").read_text())
    assert phone.mac == "AABBCCDDEEFF"


def test_an_unreadable_port_row_costs_that_row_and_names_its_line() -> None:
    text = (GENIE / "ShowPowerInline" / "golden_output_1_output.txt").read_text()
    lines = text.splitlines()
    odd = next(i for i, line in enumerate(lines) if line.startswith("Gi4/0/4"))
    lines[odd] = "Gi4/0/4   auto   on         ???     IP Phone 8865       4     30.0"
    ports = parse_power_inline("\n".join(lines))
    assert len(ports) == len(parse_power_inline(text)) - 1
    assert ports.unread == [f"line {odd + 1}: {lines[odd].strip()!r}: no power figure"]


def test_an_unreadable_cdp_entry_costs_that_entry_and_names_its_line() -> None:
    text = (GENIE / "ShowCdpNeighborsDetail" / "device_output_6_output.txt").read_text()
    broken = text.replace("Interface: GigabitEthernet3/0/29,", "Interface GigabitEthernet3/0/29")
    neighbours = parse_cdp_neighbors_detail(broken)
    assert [n.device_id for n in neighbours] == ["System1"]
    assert neighbours.unread == ["line 3: 'Device ID: e0553d849f1a': no `Interface: ..., Port ID (outgoing port): "
                                 "...` line"]


def test_a_member_whose_budget_row_cannot_be_read_keeps_its_ports_off_the_previous_member() -> None:
    text = (GENIE / "ShowPowerInline" / "golden_output_1_output.txt").read_text()
    garbled = text.replace("3          1550.0      397.4      1152.6", "3          1550.0      397.4      n/a")
    assert {p.member for p in parse_power_inline(garbled) if p.interface.startswith("GigabitEthernet3/")} == {"3"}
    assert [b.module for b in parse_power_budget(garbled)] == ["1", "2", "4", "5"]


def test_the_per_interface_form_gives_entries_without_local_intf_their_port() -> None:
    text = (REAL / "show_lldp_neighbors_detail" / "cisco_ios_show_lldp_neighbors_detail2.raw").read_text()
    assert {n.local_interface for n in parse_lldp_neighbors_detail(text)} == {None}
    assert {n.local_interface for n in parse_lldp_neighbors_detail(text, "Gi1/0/48")} == {"GigabitEthernet1/0/48"}
