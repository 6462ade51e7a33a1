"""The simulated switch behaves like an IOS vty to clients written by others: a raw paramiko
shell, netmiko's cisco_ios driver, and ntc-templates reading what it prints."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import paramiko
import pytest
from netmiko import BaseConnection, ConnectHandler
from netmiko.exceptions import NetmikoAuthenticationException
from ntc_templates.parse import parse_output

from rig.sim.clock import SimClock
from rig.sim.switch import SimSwitch, SwitchFaults
from tests.ios_shell import IosShell
from tests.switch_devices import StubPhone

USER, PASSWORD, SECRET = "labadmin", "s3cret-pw", "en-secret"
PHONE_MAC = "001D705F9EA8"


@pytest.fixture(scope="module")
def host_key() -> paramiko.RSAKey:
    return paramiko.RSAKey.generate(2048)


@pytest.fixture
def phone() -> StubPhone:
    return StubPhone("desk-1", PHONE_MAC)


@pytest.fixture
def switch(phone: StubPhone, host_key: paramiko.RSAKey) -> Iterator[SimSwitch]:
    ports = {"Gi1/0/1": phone, "Gi1/0/2": None, "Gi1/0/3": StubPhone("desk-3", "001D705F9EB0")}
    with SimSwitch(
        "sw1", ports, SimClock(), username=USER, password=PASSWORD, host_key=host_key
    ) as sw:
        yield sw


def shell_on(sw: SimSwitch, password: str = PASSWORD) -> IosShell:
    """A raw `invoke_shell` session on the switch, its host key known."""
    host, port = sw.address
    keys = paramiko.HostKeys()
    keys.add(f"[{host}]:{port}", sw.host_key.get_name(), sw.host_key)
    return IosShell(host, port, USER, password, host_keys=keys)


@pytest.fixture
def shell(switch: SimSwitch) -> Iterator[IosShell]:
    s = shell_on(switch)
    yield s
    s.close()


@pytest.fixture
def netmiko_conn(switch: SimSwitch) -> Iterator[BaseConnection]:
    host, port = switch.address
    conn = ConnectHandler(
        device_type="cisco_ios",
        host=host,
        port=port,
        username=USER,
        password=PASSWORD,
        use_keys=False,
        allow_agent=False,
        fast_cli=True,
    )
    yield conn
    conn.disconnect()


# --- the terminal -----------------------------------------------------------------------


def test_login_lands_at_the_privileged_prompt(shell: IosShell) -> None:
    assert shell.greeting.endswith("\r\nsw1#")


def test_input_is_echoed_and_output_lines_end_in_crlf(shell: IosShell) -> None:
    out = shell.run("show version")
    assert out.startswith("show version\r\n")
    body = out.removesuffix("sw1#")
    assert "\n" not in body.replace("\r\n", "")
    assert "sw1 uptime is" in out


def test_an_empty_line_is_answered_with_the_prompt(shell: IosShell) -> None:
    assert shell.run("") == "\r\nsw1#"


def test_terminal_settings_are_accepted_silently(shell: IosShell) -> None:
    assert shell.run("terminal length 0") == "terminal length 0\r\nsw1#"
    assert shell.run("terminal width 511") == "terminal width 511\r\nsw1#"


def test_unknown_input_gets_the_caret_under_the_bad_word(shell: IosShell) -> None:
    out = shell.run("show powre inline")
    assert out == (
        "show powre inline\r\n"
        "         ^\r\n"  # len("sw1#") + len("show ") = 9 spaces, then the caret
        "% Invalid input detected at '^' marker.\r\n\r\nsw1#"
    )


def test_an_interface_the_switch_does_not_have_is_invalid_input(shell: IosShell) -> None:
    out = shell.run("show power inline Gi1/0/48")
    assert "% Invalid input detected at '^' marker." in out


def test_incomplete_and_ambiguous_commands_are_reported_like_ios(shell: IosShell) -> None:
    assert "% Incomplete command." in shell.run("show power")
    assert '% Ambiguous command:  "e"' in shell.run("e")


def test_config_mode_prompts_follow_the_mode(shell: IosShell) -> None:
    out = shell.run("conf t")
    assert "Enter configuration commands, one per line.  End with CNTL/Z." in out
    assert out.endswith("sw1(config)#")
    assert shell.run("int gi1/0/1").endswith("sw1(config-if)#")
    assert shell.run("exit").endswith("sw1(config)#")
    assert shell.run("interface GigabitEthernet 1/0/1").endswith("sw1(config-if)#")
    assert shell.run("end").endswith("\r\nsw1#")


@pytest.mark.parametrize(
    "spelling",
    [
        "show power inline Gi1/0/1",
        "sh pow inl gi1/0/1",
        "sh power inline GigabitEthernet1/0/1",
        "show power inline g1/0/1",
        "show power inline GigabitEthernet 1/0/1",
    ],
)
def test_abbreviations_and_interface_spellings_are_accepted(shell: IosShell, spelling: str) -> None:
    assert re.search(r"Gi1/0/1\s+auto\s+on\s+6\.3\s+IP Phone 7942\s+2\s+15\.4", shell.run(spelling))


def test_exit_ends_the_session(shell: IosShell) -> None:
    shell.channel.send("exit\r")
    shell.read_until(r"$^")  # returns when the channel closes
    assert shell.channel.closed or shell.channel.eof_received


# --- PoE, CDP, MAC table ----------------------------------------------------------------


def test_power_inline_never_unpowers_the_device_and_auto_powers_it(
    shell: IosShell, phone: StubPhone
) -> None:
    for line in ("configure terminal", "interface Gi1/0/1", "power inline never"):
        shell.run(line)
    assert phone.calls == ["off"] and not phone.powered
    shell.run("power inline auto")
    shell.run("end")
    assert phone.calls == ["off", "on"] and phone.powered


def test_a_port_set_to_never_shows_off_off(shell: IosShell) -> None:
    for line in ("conf t", "int Gi1/0/1", "power inline never", "end"):
        shell.run(line)
    out = shell.run("show power inline Gi1/0/1")
    assert re.search(r"Gi1/0/1\s+off\s+off\s+0\.0\s+n/a\s+n/a\s+15\.4", out)
    assert "power inline never" in shell.run("show running-config interface Gi1/0/1")


def test_the_phone_leaves_cdp_and_the_mac_table_while_unpowered(
    shell: IosShell, phone: StubPhone
) -> None:
    assert f"SEP{PHONE_MAC}" in shell.run("show cdp neighbors")
    assert "001d.705f.9ea8" in shell.run("show mac address-table interface Gi1/0/1")
    phone.power_off()
    assert f"SEP{PHONE_MAC}" not in shell.run("show cdp neighbors detail")
    assert "001d.705f.9ea8" not in shell.run("show mac address-table")


def test_a_voice_vlan_moves_the_phone_mac_to_that_vlan(shell: IosShell) -> None:
    for line in ("conf t", "int gi1/0/1", "switchport voice vlan 120", "end"):
        shell.run(line)
    assert re.search(r"^\s+120\s+001d\.705f\.9ea8\s+DYNAMIC\s+Gi1/0/1", shell.run("sh mac add"), re.M)


def test_every_command_line_is_logged(switch: SimSwitch, shell: IosShell) -> None:
    shell.run("sh pow inl")
    shell.run("")
    shell.run("show cdp neighbors")
    assert switch.commands_received() == ["sh pow inl", "show cdp neighbors"]


# --- standard clients ---------------------------------------------------------------------


def ntc(conn: BaseConnection, command: str) -> list[dict[str, object]]:
    """What ntc-templates make of the switch's answer, as netmiko received it."""
    return parse_output(platform="cisco_ios", command=command, data=conn.send_command(command))


def test_netmiko_drives_the_switch_and_ntc_templates_read_its_output(
    netmiko_conn: BaseConnection,
) -> None:
    poe = ntc(netmiko_conn, "show power inline")
    assert {
        "interface": "Gi1/0/1",
        "admin_status": "auto",
        "operational_status": "on",
        "power": "6.3",
        "device": "IP Phone 7942",
        "class": "2",
        "max": "15.4",
    } in poe
    assert {r["interface"]: r["operational_status"] for r in poe}["Gi1/0/2"] == "off"

    cdp = ntc(netmiko_conn, "show cdp neighbors")
    assert cdp[0] == {
        "neighbor_name": f"SEP{PHONE_MAC}",
        "local_interface": "Gig 1/0/1",
        "capabilities": "H P M",
        "platform": "IP Phone",
        "neighbor_interface": "Port 1",
    }
    detail = ntc(netmiko_conn, "show cdp neighbors detail")
    assert (detail[0]["neighbor_name"], detail[0]["platform"], detail[0]["local_interface"]) == (
        f"SEP{PHONE_MAC}",
        "Cisco IP Phone 7942",
        "GigabitEthernet1/0/1",
    )
    assert detail[0]["mgmt_address"] == "10.10.20.31"
    assert detail[0]["neighbor_description"] == "SCCP42.9-4-2SR3-1S", "the load, from the line after `Version :`"

    macs = ntc(netmiko_conn, "show mac address-table")
    assert {
        "destination_address": "001d.705f.9ea8",
        "type": "DYNAMIC",
        "vlan_id": "1",
        "destination_port": ["Gi1/0/1"],
    } in macs


def test_netmiko_send_config_set_powers_a_port_off(
    netmiko_conn: BaseConnection, phone: StubPhone
) -> None:
    out = netmiko_conn.send_config_set(["interface Gi1/0/1", "power inline never"])
    assert "%" not in out and not phone.powered
    assert netmiko_conn.find_prompt() == "sw1#"


def test_enable_asks_for_the_secret_and_never_logs_it(phone: StubPhone) -> None:
    with SimSwitch(
        "sw2", {"Gi1/0/1": phone}, SimClock(), username=USER, password=PASSWORD,
        enable_secret=SECRET,
    ) as sw:
        shell = shell_on(sw)
        try:
            assert shell.greeting.endswith("sw2>")
            assert shell.run("enable", until="Password: $").endswith("Password: ")
            assert shell.run("wrong").endswith("% Bad secrets\r\n\r\nsw2>")
            shell.run("enable", until="Password: $")
            out = shell.run(SECRET)
            assert SECRET not in out and out.endswith("sw2#")
        finally:
            shell.close()
        assert SECRET not in sw.commands_received() and "wrong" not in sw.commands_received()


def test_wrong_password_is_refused(switch: SimSwitch) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        shell_on(switch, password="nope")
    host, port = switch.address
    with pytest.raises(NetmikoAuthenticationException):
        ConnectHandler(
            device_type="cisco_ios", host=host, port=port, username=USER, password="nope",
            use_keys=False, allow_agent=False,
        )
    assert switch.commands_received() == []


def test_public_key_login_when_authorized(phone: StubPhone, host_key: paramiko.RSAKey) -> None:
    user_key = paramiko.RSAKey.generate(2048)
    with SimSwitch(
        "sw3", {"Gi1/0/1": phone}, SimClock(), username=USER, password=PASSWORD,
        host_key=host_key, authorized_keys=[user_key],
    ) as sw:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect(
            *sw.address, username=USER, pkey=user_key, look_for_keys=False, allow_agent=False
        )
        assert client.get_transport().is_authenticated()  # type: ignore[union-attr]
        client.close()


def test_drop_fault_closes_the_session_instead_of_answering(
    switch: SimSwitch, shell: IosShell
) -> None:
    switch.set_faults(SwitchFaults(drop_every=2))
    shell.run("show version")
    shell.channel.send("show version\r")
    assert "uptime" not in shell.read_until(r"$^")
    assert shell.channel.closed or shell.channel.eof_received


def test_delay_fault_holds_each_answer_for_device_seconds(phone: StubPhone) -> None:
    with SimSwitch(
        "sw4", {"Gi1/0/1": phone}, SimClock(scale=0.01), username=USER, password=PASSWORD,
        faults=SwitchFaults(delay=30.0),
    ) as sw:
        shell = shell_on(sw)
        started = time.monotonic()
        shell.run("show version")
        assert time.monotonic() - started >= 0.3
        shell.close()


def test_several_switches_run_side_by_side(host_key: paramiko.RSAKey) -> None:
    a, b = (
        SimSwitch(name, {"Gi1/0/1": None}, SimClock(), username=USER, password=PASSWORD,
                  host_key=host_key)
        for name in ("swa", "swb")
    )
    with a, b:
        assert a.address != b.address
        for sw in (a, b):
            shell = shell_on(sw)
            assert shell.greeting.endswith(f"{sw.name}#")
            shell.close()


def test_only_loopback_addresses_are_served() -> None:
    with pytest.raises(ValueError, match="loopback"):
        SimSwitch("sw9", {}, SimClock(), username=USER, password=PASSWORD, host="0.0.0.0")


# The 7942 block of a real IOS 15.2(2)E5 `show cdp neighbors detail` (public Django CDP tool's
# sample; find_string `SEP0021D8BA0965`), each line cut at its first digit: the shape the
# simulated switch must print for a phone.
REAL_7942_BLOCK_SHAPE = [
    "-------------------------", "Device ID: SEP", "Entry address(es):", "  IP address: ",
    "Platform: Cisco IP Phone ", "Interface: GigabitEthernet", "Holdtime : ", "Second Port Status: Down", " ",
    "Version :", "SCCP", " ", "advertisement version: ", "Duplex: full", "Power drawn: ",
    "Power request id: ", "Power request levels are:", " ",
]


def test_cdp_detail_of_a_phone_has_the_shape_of_a_real_7942_block(shell: IosShell) -> None:
    text = shell.run("show cdp neighbors detail").replace("\r", "")
    block = text.split("\n")[1:1 + len(REAL_7942_BLOCK_SHAPE)]
    assert [re.split(r"\d", line, maxsplit=1)[0] for line in block] == REAL_7942_BLOCK_SHAPE
    assert "Power drawn: 6.300 Watts" in block and "Power request levels are:6300 0 0 0 0" in block
