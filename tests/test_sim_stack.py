"""A simulated 3-member stack with CDP off and LLDP on, read by rig's driver over real SSH: each
member's budget and ports, the phones by LLDP-MED, identification by LLDP where the MAC table is
silent (identified, never powered off on LLDP alone); and `rig preflight` naming an over-budget member and a switch with neither protocol."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paramiko
import pytest
import yaml
from ntc_templates.parse import parse_output
from typer.testing import CliRunner

from rig.drivers.ios_budget import PoeBudget
from rig.drivers.ios_discovery import protocol_off
from rig.drivers.ios_errors import SwitchCommandError
from rig.drivers.ios_switch import IosSwitch
from rig.cli import app
from rig.config.lab import PhoneConfig, dump_config, load_config
from rig.config.simulation import Simulation, SimSwitches
from rig.bench.identify import identify
from rig.sim.bench import SimBench
from rig.sim.clock import SimClock
from rig.sim.ios_cli import IosSession
from rig.sim.ios_ports import SwitchState
from rig.sim.switch import SimSwitch
from tests.switch_devices import StubPhone
from tests.test_erase_e2e import rig

USER, PASSWORD = "labadmin", "pw-stack"
MACS = {"Gi1/0/1": "001D705F9EA8", "Gi2/0/1": "001D705F9EB0", "Gi3/0/2": "001D705F9EC4"}


@dataclass
class AgedOutPhone(StubPhone):
    """Powered and announcing itself, but the switch has no MAC entry for it (aged out)."""

    def link_up(self) -> bool:
        return False


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[IosSwitch]:
    devices = {port: StubPhone(f"desk-{i}", mac) for i, (port, mac) in enumerate(MACS.items(), 1)}
    devices["Gi3/0/2"] = AgedOutPhone("desk-3", MACS["Gi3/0/2"])
    key = paramiko.RSAKey.generate(1024)
    with SimSwitch("sw1", {**devices, "Gi2/0/2": None}, SimClock(), username=USER, password=PASSWORD, host_key=key,
                   budgets={1: 740.0, 2: 370.0, 3: 30.0}, cdp=False, lldp=True) as sim:
        host, port = sim.address
        known = tmp_path / "known_hosts"
        known.write_text(f"[{host}]:{port} {key.get_name()} {key.get_base64()}\n")
        with IosSwitch("sw1", host, USER, port=port, password=PASSWORD, known_hosts=str(known), timeout=3) as ios:
            yield ios


def test_each_member_prints_its_own_budget_and_its_ports(stack: IosSwitch) -> None:
    assert stack.poe_budget() == [PoeBudget("1", 740.0, 6.3, 733.7), PoeBudget("2", 370.0, 6.3, 363.7),
                                  PoeBudget("3", 30.0, 6.3, 23.7)]
    assert [(p.interface, p.member) for p in stack.poe_status()] == [
        ("GigabitEthernet1/0/1", "1"), ("GigabitEthernet2/0/1", "2"), ("GigabitEthernet2/0/2", "2"),
        ("GigabitEthernet3/0/2", "3")]
    assert stack.poe_status("Gi2/0/1")[0].member == "2"  # the one-port form: no budget block


def test_with_cdp_off_the_phones_are_read_by_lldp_med(stack: IosSwitch) -> None:
    assert stack.protocols_running() == {"CDP": False, "LLDP": True}
    assert stack.cdp_neighbors() == []
    phones = stack.lldp_neighbors()
    assert [(n.local_interface, n.mac, n.system_name, n.model, n.software_revision, n.power_watts)
            for n in phones] == [
        ("GigabitEthernet1/0/1", MACS["Gi1/0/1"], f"SEP{MACS['Gi1/0/1']}", "CP-7942G", "SCCP42.9-4-2SR3-1S", 6.3),
        ("GigabitEthernet2/0/1", MACS["Gi2/0/1"], f"SEP{MACS['Gi2/0/1']}", "CP-7942G", "SCCP42.9-4-2SR3-1S", 6.3),
        ("GigabitEthernet3/0/2", MACS["Gi3/0/2"], f"SEP{MACS['Gi3/0/2']}", "CP-7942G", "SCCP42.9-4-2SR3-1S", 6.3)]
    assert all(n.med_capabilities == ("NP", "PD", "IN") for n in phones)


def test_a_phone_the_mac_table_does_not_show_is_identified_by_lldp_and_the_evidence_says_so(stack: IosSwitch) -> None:
    by_mac = identify(stack, PhoneConfig(name="desk-2", mac=MACS["Gi2/0/1"], switch="sw1", port="Gi2/0/1"))
    assert by_mac.ok and by_mac.evidence.startswith("MAC ")
    by_lldp = identify(stack, PhoneConfig(name="desk-3", mac=MACS["Gi3/0/2"], switch="sw1", port="Gi3/0/2"))
    assert by_lldp.ok and by_lldp.evidence == f"LLDP neighbour SEP{MACS['Gi3/0/2']} on sw1 Gi3/0/2"
    wrong = identify(stack, PhoneConfig(name="desk-1", mac=MACS["Gi1/0/1"], switch="sw1", port="Gi3/0/2"))
    assert not wrong.ok and f"LLDP SEP{MACS['Gi3/0/2']}" in wrong.evidence


def preflight(tmp_path: Path, switch: SimSwitches) -> str:
    sim = Simulation(phones=6, scenarios={"healthy": 6}, time_scale=0.004, image_kb=4, keypad="http_execute",
                     switch=switch)
    with SimBench(sim, "stack", tmp_path) as bench:
        config = tmp_path / "lab.yaml"
        config.write_text(yaml.safe_dump(dump_config(bench.lab_config())))
        result = CliRunner().invoke(app, ["--config", str(config), "preflight"])
    assert result.exit_code == 1, result.output
    return result.output


def test_preflight_names_the_stack_member_short_of_poe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    output = preflight(tmp_path, SimSwitches(members=3, member_watts=[740.0, 740.0, 13.0], cdp=False, lldp=True))
    assert "switch sw1 PoE budget" in output and "member 3: 13.0 W left" in output and "at most 1 at once" in output


def test_preflight_names_a_switch_with_neither_cdp_nor_lldp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    output = preflight(tmp_path, SimSwitches(cdp=False, lldp=False))
    assert "switch sw1 neighbour discovery" in output and "neither CDP nor LLDP is running" in output


def test_with_cdp_off_and_web_access_off_preflight_reads_the_load_from_lldp_med(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    sim = Simulation(phones=2, scenarios={"healthy": 2}, time_scale=0.004, image_kb=4, keypad="http_execute",
                     switch=SimSwitches(cdp=False, lldp=True), web_access_off=["desk-01"])
    with SimBench(sim, "stack-load", tmp_path) as bench:
        config = tmp_path / "lab.yaml"
        config.write_text(yaml.safe_dump(dump_config(bench.lab_config())))
        result = CliRunner().invoke(app, ["--config", str(config), "preflight", "desk-01", "--json"])
    checks = {c["name"]: c for c in json.loads(result.stdout)["phones"][0]["checks"]}
    assert checks["load"]["ok"] and "LLDP S/W revision" in checks["load"]["detail"], checks["load"]


def test_with_cdp_off_preflight_names_the_port_where_lldp_hears_a_moved_phone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    sim = Simulation.model_validate({"phones": 2, "scenarios": {"healthy": 2}, "time_scale": 0.004, "image_kb": 4,
                                     "keypad": "http_execute", "switch": {"cdp": False, "lldp": True},
                                     "misconfig": {"moved": {"desk-02": "Gi1/0/40"}}})
    with SimBench(sim, "stack-moved", tmp_path) as bench:
        config = tmp_path / "lab.yaml"
        config.write_text(yaml.safe_dump(dump_config(bench.lab_config())))
        result = CliRunner().invoke(app, ["--config", str(config), "preflight", "desk-02", "--json"])
    checks = {c["name"]: c for c in json.loads(result.stdout)["phones"][0]["checks"]}
    assert not checks["port"]["ok"]
    assert "is on sw1 GigabitEthernet1/0/40, not on sw1" in checks["port"]["detail"], checks["port"]
    assert "fix: plug desk-02 into sw1 Gi1/0/2, or set its switch/port to sw1 GigabitEthernet1/0/40" in \
        checks["port"]["detail"], checks["port"]


def test_the_simulated_stack_prints_what_ntc_templates_reads_as_a_real_one() -> None:
    """The layouts are the real captures': a parser written for real switches reads them unchanged."""
    devices = {port: StubPhone(f"desk-{i}", mac) for i, (port, mac) in enumerate(MACS.items(), 1)}
    session = IosSession(SwitchState("sw1", {**devices, "Gi2/0/2": None}, budgets={1: 740.0, 2: 370.0, 3: 30.0},
                                     cdp=False, lldp=True), enable_secret=None)
    lldp = parse_output(platform="cisco_ios", command="show lldp neighbors detail", data=session.show_lldp_detail())
    assert [(n["local_interface"], n["neighbor_name"], n["platform"], n["sw_revision"]) for n in lldp] == [
        (port, f"SEP{mac}", "CP-7942G", "SCCP42.9-4-2SR3-1S") for port, mac in MACS.items()]
    poe = parse_output(platform="cisco_ios", command="show power inline", data=session.show_power())
    assert [p["interface"] for p in poe] == ["Gi1/0/1", "Gi2/0/1", "Gi2/0/2", "Gi3/0/2"]


def test_discover_finds_the_phones_ports_by_lldp_on_a_stack_with_cdp_off(tmp_path: Path) -> None:
    sim = Simulation(phones=3, scenarios={"healthy": 3}, time_scale=0.004, image_kb=4,
                     switch=SimSwitches(members=3, cdp=False, lldp=True))
    with SimBench(sim, "stack-discover", tmp_path) as bench:
        doc = dump_config(bench.lab_config())
        doc = {**doc, "phones": [], "cucm": {k: v for k, v in doc["cucm"].items() if k != "axl"}}
        seed, out = tmp_path / "seed.yaml", tmp_path / "out" / "bench.yaml"
        out.parent.mkdir()
        seed.write_text(yaml.safe_dump(doc))
        done = rig("discover", "--cucm", "--model", "7942", "--name", "SEP001D705F000*", "--write-config", str(out),
                   "--config", str(seed), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [(p.name, p.port) for p in load_config(out).phones] == [
        ("SEP001D705F0000", "GigabitEthernet1/0/1"), ("SEP001D705F0001", "GigabitEthernet2/0/1"),
        ("SEP001D705F0002", "GigabitEthernet3/0/1")]


GENIE = Path(__file__).resolve().parent / "fixtures" / "real" / "ios" / "genieparser"


def test_show_cdp_and_show_lldp_print_the_real_lines_and_a_protocol_off_is_read_as_off() -> None:
    def shown(text: str) -> list[str]:
        return [line.rstrip() for line in text.splitlines() if line.strip()]

    on = IosSession(SwitchState("sw1", {}, cdp=True, lldp=True), enable_secret=None)
    assert shown(on.show_cdp_global()) == shown((GENIE / "ShowCdp" / "golden_output_output.txt").read_text())
    assert shown(on.show_lldp_global()) == shown((GENIE / "ShowLldp" / "golden_output_output.txt").read_text())
    off = IosSession(SwitchState("sw1", {}, cdp=False, lldp=False), enable_secret=None)
    real_off = shown((GENIE / "ShowCdp" / "iosxr_golden_output2_output.txt").read_text())[-1]
    assert shown(off.show_cdp_global()) == [real_off]
    assert protocol_off(SwitchCommandError("sw1", "show cdp", real_off))
    assert shown(off.show_lldp_global()) == ["% LLDP is not enabled"]


def test_a_phone_only_lldp_shows_is_identified_on_its_port_but_never_powered_off_until_its_mac_is_learned(
        stack: IosSwitch) -> None:
    from rig.actions.power import PhoneUnseen, PoePort, switched_off
    from rig.bench.port_proof import prove_port
    from rig.bench.switch_pool import SwitchSessions

    sessions = SwitchSessions("sw1", lambda: stack, 1)
    desk3 = PhoneConfig(name="desk-3", mac=MACS["Gi3/0/2"], switch="sw1", port="Gi3/0/2")
    proof = prove_port(sessions, desk3)
    assert proof.ok and proof.evidence.startswith(f"LLDP neighbour SEP{MACS['Gi3/0/2']} there"), proof.evidence
    with pytest.raises(PhoneUnseen, match="LLDP names it there but its MAC is not learned on the port"):
        with switched_off(PoePort(sessions, desk3, None)):
            pytest.fail("the port was switched off")
    assert stack.poe_status("Gi3/0/2")[0].admin == "auto"


def test_a_port_past_the_48th_on_a_one_member_bench_is_in_the_whole_switch_power_table() -> None:
    """50 phones on one simulated switch: the 49th is on Gi2/0/1, and its member gets a `Module`
    block (the 1000-phone benchmark's 20 switches of 50 found those ports missing)."""
    ports = {f"Gi1/0/{n}": None for n in range(1, 49)} | {"Gi2/0/1": None, "Gi2/0/2": None}
    session = IosSession(SwitchState("sw1", ports), enable_secret=None)
    poe = parse_output(platform="cisco_ios", command="show power inline", data=session.show_power())
    assert [p["interface"] for p in poe][-3:] == ["Gi1/0/48", "Gi2/0/1", "Gi2/0/2"]
