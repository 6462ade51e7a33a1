"""The simulator's randomized-fault points and its timed record, which the chaos harness
(bench/chaos.py) injects through and judges rig by; and the harness's invariant checks themselves."""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
import requests

from rig.sim.actuator import SimActuator
from rig.sim.chaos import ExchangeFaults, ExchangePlan
from rig.sim.clock import SimClock
from rig.sim.switch import SimSwitch
from rig.sim.switch_history import Heard, PortEvent
from tests.ios_shell import IosShell
from tests.sim_helpers import PASSWORD as WEB_PASSWORD, USER as WEB_USER, running_lab
from tests.switch_devices import StubPhone
from tests.waiting import wait_for

_SPEC = importlib.util.spec_from_file_location("bench_chaos_checks", Path(__file__).parents[1] / "bench" / "chaos_checks.py")
checks = sys.modules[_SPEC.name] = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(checks)

USER, PASSWORD = "rig", "rig-sim"
ALWAYS_LOST = ExchangePlan(rates={"switch": {"lost_answer": 1.0}, "board": {"lost_answer": 1.0}})


def test_a_seed_draws_the_same_faults_at_the_same_exchanges_and_no_more_than_the_limit():
    plan = ExchangePlan(rates={"switch": {"drop": 0.3, "slow": 0.2}}, limit=5)
    runs = [ExchangeFaults(42, plan) for _ in range(2)]
    picks = [[faults.pick("switch", f"line {i}") for i in range(60)] for faults in runs]
    assert picks[0] == picks[1]
    assert sum(kind is not None for kind in picks[0]) == 5
    other = ExchangeFaults(43, plan)
    assert [other.pick("switch", f"line {i}") for i in range(60)] != picks[0]


def test_no_fault_at_a_point_without_rates_nor_after_stop():
    faults = ExchangeFaults(1, ExchangePlan(rates={"switch": {"drop": 1.0}}))
    assert faults.pick("board", "PING") is None
    faults.stop()
    assert faults.pick("switch", "show version") is None
    assert faults.injected() == []


@pytest.fixture
def phones() -> list[StubPhone]:
    return [StubPhone("desk-01", "001D705F0000"), StubPhone("desk-02", "001D705F0001")]


@pytest.fixture
def switch(phones: list[StubPhone]) -> Iterator[SimSwitch]:
    ports = {"Gi1/0/1": phones[0], "Gi1/0/2": phones[1]}
    with SimSwitch("sw1", ports, SimClock(), username=USER, password=PASSWORD,
                   host_key=paramiko.RSAKey.generate(1024)) as sw:
        yield sw


def _shell(sw: SimSwitch) -> IosShell:
    keys = paramiko.HostKeys()
    host, port = sw.address
    keys.add(f"[{host}]:{port}", sw.host_key.get_name(), sw.host_key)
    return IosShell(host, port, USER, PASSWORD, host_keys=keys)


def test_a_command_applied_with_its_answer_lost_turns_the_port_off_and_closes_the_session(switch, phones):
    shell = _shell(switch)
    shell.run("configure terminal")
    shell.run("interface Gi1/0/1")
    switch.exchange_faults = ExchangeFaults(7, ALWAYS_LOST)
    shell.channel.send("power inline never\r")
    wait_for(lambda: shell.channel.closed or shell.channel.eof_received, 10, "the session to close")
    shell.close()
    assert phones[0].calls == ["off"]
    assert [(e.port, e.what, e.device) for e in switch.history.port_events()] == [("Gi1/0/1", "never", "desk-01")]
    assert [(i.point, i.kind, i.detail) for i in switch.exchange_faults.injected()] == [
        ("switch", "lost_answer", "power inline never")]


def test_a_show_line_is_recorded_with_time_and_the_macs_the_table_showed_on_each_port(switch):
    shell = _shell(switch)
    shell.run("show mac address-table")
    shell.run("terminal length 0")
    shell.close()
    heard = switch.history.lines()
    assert [h.line for h in heard] == ["show mac address-table", "terminal length 0"]
    assert heard[0].visible == {"Gi1/0/1": "desk-01", "Gi1/0/2": "desk-02"}
    assert heard[1].visible == {} and heard[0].at <= heard[1].at


def test_swapped_cables_move_the_phones_powered_only_where_the_port_is_on_and_are_recorded(switch, phones):
    shell = _shell(switch)
    shell.run("configure terminal")
    shell.run("interface Gi1/0/2")
    shell.run("power inline never")
    shell.close()
    switch.swap_cables("Gi1/0/1", "GigabitEthernet1/0/2")
    assert phones[0].calls == ["off"]  # now on Gi1/0/2, which is turned off
    assert phones[1].calls == ["off", "on"]  # its port was off; now on Gi1/0/1, powered
    plugged = [(e.port, e.device) for e in switch.history.port_events() if e.what == "plugged"]
    assert plugged == [("Gi1/0/1", "desk-02"), ("Gi1/0/2", "desk-01")]


def test_the_board_presses_a_key_whose_answer_is_lost_and_drops_the_connection():
    phone = type("Keyed", (), {"name": "desk-01", "keys": [], "press_key": lambda self, k: self.keys.append(k)})()
    with SimActuator({"desk-01": phone}) as board:
        board.exchange_faults = ExchangeFaults(3, ALWAYS_LOST)
        with socket.create_connection(board.address, timeout=5) as conn:
            conn.sendall(b"PRESS desk-01 Settings 1\n")
            assert conn.recv(100) == b""  # closed, no OK
    assert phone.keys == ["Settings"]


def test_a_phone_takes_a_key_whose_answer_is_lost_and_drops_a_request_without_acting():
    with running_lab({"good": "healthy"}) as lab:
        phone = lab.phones["good"]
        body = {"XML": '<CiscoIPPhoneExecute><ExecuteItem Priority="0" URL="Key:Settings"/></CiscoIPPhoneExecute>'}
        for kind, taken in (("lost_answer", ["Settings"]), ("drop", ["Settings"])):
            phone.exchange_faults = ExchangeFaults(5, ExchangePlan(rates={"phone_http": {kind: 1.0}}))
            with pytest.raises(requests.ConnectionError):
                lab.web.post(lab.url(phone, "/CGI/Execute"), data=body, auth=(WEB_USER, WEB_PASSWORD), timeout=5)
            assert [e.key for e in phone.keys_received()] == taken


# --- the invariant checks, on records written by hand -----------------------------------

PORTS = {"Gi1/0/1": "desk-01", "Gi1/0/2": "desk-02"}


def _read(at: float, **visible: str) -> Heard:
    return Heard(at, "show mac address-table", {p.replace("_", "/"): n for p, n in visible.items()})


def _kinds(heard, events, talked=None) -> list[str]:
    return [v.kind for v in checks.switch_violations("sw1", heard, events, PORTS, talked or {})]


PROOF = _read(10.0, Gi1_0_1="desk-01", Gi1_0_2="desk-02")
CYCLE = [PortEvent(10.5, "Gi1/0/1", "never", "desk-01"), PortEvent(11.0, "Gi1/0/1", "auto", "desk-01")]


def test_a_cycle_right_after_the_table_showed_the_phone_on_its_port_is_clean():
    assert _kinds([PROOF], CYCLE) == []
    assert _kinds([PROOF], CYCLE, {"desk-01": [9.0, 11.5], "desk-02": [10.2]}) == []


def test_a_port_left_off_and_a_power_command_outside_the_config_are_violations():
    assert _kinds([PROOF], CYCLE[:1]) == ["port_left_off"]
    assert _kinds([PROOF], [PortEvent(10.5, "Gi1/0/48", "never", "uplink")]) == ["unconfigured_port", "port_left_off"]


def test_any_power_command_to_an_uplink_is_a_violation_even_with_the_phone_proven_behind_it():
    kinds = [v.kind for v in checks.switch_violations("sw1", [PROOF], CYCLE, PORTS, {}, frozenset({"GigabitEthernet1/0/1"}))]
    assert kinds == ["uplink_touched", "uplink_touched"]


def test_a_proof_is_the_last_read_of_the_port_fresh_and_not_followed_by_work_on_the_phone():
    late = [PortEvent(10.0 + checks.FRESH_S + 1, "Gi1/0/1", "never", "desk-01"), PortEvent(20.0, "Gi1/0/1", "auto", "desk-01")]
    assert _kinds([PROOF], late) == ["unproven"]
    assert _kinds([PROOF], CYCLE, {"desk-01": [10.2]}) == ["unproven"]  # its keys came after the read
    assert _kinds([], CYCLE) == ["unproven"]
    assert _kinds([PROOF, _read(10.3, Gi1_0_1="desk-02")], CYCLE) == ["unproven"]  # the last read shows another
    assert _kinds([Heard(10.0, "show mac address-table interface Gi1/0/2", {"Gi1/0/1": "desk-01"})], CYCLE) == ["unproven"]
    assert _kinds([Heard(10.0, "sh mac address-table interface gi1/0/1", {"Gi1/0/1": "desk-01"})], CYCLE) == []


def test_a_cable_moved_before_the_last_read_is_the_wrong_phone_and_after_a_fresh_read_a_race():
    moved_before = [PortEvent(9.5, "Gi1/0/1", "plugged", "desk-02"), *(PortEvent(e.at, e.port, e.what, "desk-02") for e in CYCLE)]
    assert _kinds([PROOF], moved_before) == ["wrong_phone"]
    moved_after = [PortEvent(10.2, "Gi1/0/1", "plugged", "desk-02"), *(PortEvent(e.at, e.port, e.what, "desk-02") for e in CYCLE)]
    assert _kinds([PROOF], moved_after) == ["race"]
    assert _kinds([PROOF], moved_after, {"desk-01": [10.3]}) == ["unproven", "wrong_phone"]


def test_reports_and_journal_are_judged_by_parsing_them(tmp_path):
    (tmp_path / "journal.jsonl").write_text('{"event": "run_started", "at": 1}\n')
    (tmp_path / "results.json").write_text('{"phones": []}')
    (tmp_path / "junit.xml").write_text("<testsuite><testcase name='\x01'/></testsuite>")
    kinds = [v.kind for v in checks.file_violations(tmp_path, expect_reports=True)]
    assert kinds == ["journal_unreadable", "report_malformed"]
    assert [v.kind for v in checks.file_violations(tmp_path / "none", expect_reports=True)] == [
        "reports_missing", "reports_missing"]
    assert [v.kind for v in checks.output_violations("Traceback (most recent call last):\nOSError: x", hung=True)] == [
        "traceback", "hang"]
