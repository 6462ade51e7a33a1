"""IosSwitch against the simulated switch over real SSH on 127.0.0.1, host keys checked
against a known_hosts file in tmp_path."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from rig.drivers.ios_switch import (
    IosSwitch,
    SwitchAuthError,
    SwitchCommandError,
    SwitchError,
    SwitchHostKeyError,
    SwitchTimeout,
)
from rig.drivers.ssh_host_keys import fingerprint
from rig.sim.clock import SimClock
from rig.sim.switch import SimSwitch, SwitchFaults
from tests.switch_devices import StubPhone

USER, PASSWORD, SECRET = "labadmin", "pw-do-not-leak", "en-do-not-leak"
MAC1, MAC3 = "001D705F9EA8", "001D705F9EB0"


@pytest.fixture(scope="module")
def host_key() -> paramiko.RSAKey:
    return paramiko.RSAKey.generate(2048)


@pytest.fixture
def phones() -> dict[str, StubPhone]:
    return {"Gi1/0/1": StubPhone("desk-1", MAC1), "Gi1/0/3": StubPhone("desk-3", MAC3, ip="10.10.20.33")}


@pytest.fixture
def switch(phones: dict[str, StubPhone], host_key: paramiko.RSAKey) -> Iterator[SimSwitch]:
    ports: dict[str, StubPhone | None] = {**phones, "Gi1/0/2": None}
    with SimSwitch(
        "sw1", ports, SimClock(), username=USER, password=PASSWORD, enable_secret=SECRET,
        host_key=host_key,
    ) as sw:
        yield sw


def known_hosts_for(path: Path, sw: SimSwitch, key: paramiko.PKey | None = None) -> Path:
    host, port = sw.address
    key = key or sw.host_key
    path.write_text(f"[{host}]:{port} {key.get_name()} {key.get_base64()}\n")
    return path


def driver(sw: SimSwitch, known_hosts: Path, **overrides: object) -> IosSwitch:
    host, port = sw.address
    settings: dict[str, object] = {
        "port": port, "password": PASSWORD, "enable_secret": SECRET,
        "known_hosts": str(known_hosts), "timeout": 3.0,
    }
    settings.update(overrides)
    return IosSwitch("sw1", host, USER, **settings)  # type: ignore[arg-type]


@pytest.fixture
def ios(switch: SimSwitch, tmp_path: Path) -> Iterator[IosSwitch]:
    with driver(switch, known_hosts_for(tmp_path / "known_hosts", switch)) as sw:
        yield sw


def assert_no_secret(error: BaseException) -> None:
    assert PASSWORD not in str(error) and SECRET not in str(error)


# --- PoE ----------------------------------------------------------------------------------


def test_power_off_unpowers_the_phone_on_that_port_only(
    ios: IosSwitch, phones: dict[str, StubPhone]
) -> None:
    ios.power_off("Gi1/0/1")
    assert not phones["Gi1/0/1"].powered
    assert phones["Gi1/0/3"].calls == []


def test_power_on_powers_it_again(ios: IosSwitch, phones: dict[str, StubPhone]) -> None:
    ios.power_off("Gi1/0/1")
    ios.power_on("GigabitEthernet1/0/1")
    assert phones["Gi1/0/1"].calls == ["off", "on"] and phones["Gi1/0/1"].powered


def test_power_cycle_keeps_the_port_off_for_the_given_time(
    ios: IosSwitch, switch: SimSwitch, phones: dict[str, StubPhone]
) -> None:
    started = time.monotonic()
    ios.power_cycle("Gi1/0/3", off_seconds=0.2)
    assert time.monotonic() - started >= 0.2
    assert phones["Gi1/0/3"].calls == ["off", "on"]
    assert [c for c in switch.commands_received() if "power inline" in c] == [
        "power inline never", "power inline auto"
    ]


def test_poe_status_of_one_port(ios: IosSwitch) -> None:
    (port,) = ios.poe_status("gi1/0/1")
    assert port.interface == "GigabitEthernet1/0/1"
    assert (port.admin, port.oper, port.watts) == ("auto", "on", 6.3)
    assert (port.device, port.poe_class, port.max_watts) == ("IP Phone 7942", "2", 15.4)


def test_poe_status_after_power_off_shows_off_off(ios: IosSwitch) -> None:
    ios.power_off("Gi1/0/1")
    (port,) = ios.poe_status("Gi1/0/1")
    assert (port.admin, port.oper, port.watts) == ("off", "off", 0.0)


def test_poe_status_of_the_whole_switch(ios: IosSwitch) -> None:
    ports = {p.interface: p.oper for p in ios.poe_status()}
    assert ports == {
        "GigabitEthernet1/0/1": "on", "GigabitEthernet1/0/2": "off", "GigabitEthernet1/0/3": "on"
    }


# --- identity -----------------------------------------------------------------------------


def test_macs_on_port_lists_the_phone_mac_while_linked(
    ios: IosSwitch, phones: dict[str, StubPhone]
) -> None:
    assert ios.macs_on_port("Gi1/0/3") == [MAC3]
    assert ios.macs_on_port("Gi1/0/2") == []
    phones["Gi1/0/3"].power_off()
    assert ios.macs_on_port("Gi1/0/3") == []


def test_cdp_neighbors_name_each_phone_with_its_port_platform_and_ip(ios: IosSwitch) -> None:
    by_port = {n.local_interface: n for n in ios.cdp_neighbors()}
    phone = by_port["GigabitEthernet1/0/3"]
    assert (phone.device_id, phone.platform, phone.port_id, phone.ip) == (
        f"SEP{MAC3}", "Cisco IP Phone 7942", "Port 1", "10.10.20.33"
    )
    assert set(by_port) == {"GigabitEthernet1/0/1", "GigabitEthernet1/0/3"}


# --- errors -------------------------------------------------------------------------------


def test_a_port_the_switch_does_not_have_is_a_command_error(ios: IosSwitch) -> None:
    with pytest.raises(SwitchCommandError, match=r"switch sw1: interface GigabitEthernet1/0/7 .*% Invalid input"):
        ios.power_off("Gi1/0/7")
    with pytest.raises(SwitchCommandError, match=r"show power inline GigabitEthernet1/0/7"):
        ios.poe_status("Gi1/0/7")


def test_a_name_that_is_no_interface_is_refused_before_anything_is_sent(
    ios: IosSwitch, switch: SimSwitch
) -> None:
    before = list(switch.commands_received())
    with pytest.raises(SwitchCommandError, match=r"switch sw1: port 'desk-1'"):
        ios.power_off("desk-1")
    assert switch.commands_received() == before


@pytest.mark.parametrize("bad", ["foo", "", "Gi1/0/1x", "Gi1/0/3\nshow version", "Gi1/0/1; reload"])
def test_no_cli_line_is_built_from_a_name_that_is_no_interface(
    ios: IosSwitch, switch: SimSwitch, bad: str
) -> None:
    before = list(switch.commands_received())
    for operation in (ios.power_off, ios.power_on, ios.poe_status, ios.macs_on_port):
        with pytest.raises(SwitchCommandError, match=r"switch sw1: port "):
            operation(bad)
    assert switch.commands_received() == before


def test_commands_name_the_port_in_canonical_form(ios: IosSwitch, switch: SimSwitch) -> None:
    ios.power_on("gi1/0/1")
    assert "interface GigabitEthernet1/0/1" in switch.commands_received()


def test_wrong_password_is_an_auth_error_without_the_password(
    switch: SimSwitch, tmp_path: Path
) -> None:
    kh = known_hosts_for(tmp_path / "known_hosts", switch)
    with pytest.raises(SwitchAuthError, match="switch sw1: login") as err:
        driver(switch, kh, password="wrong-" + PASSWORD).connect()
    assert_no_secret(err.value)


def test_wrong_enable_secret_is_an_auth_error(switch: SimSwitch, tmp_path: Path) -> None:
    kh = known_hosts_for(tmp_path / "known_hosts", switch)
    with pytest.raises(SwitchAuthError, match="switch sw1: enable") as err:
        driver(switch, kh, enable_secret="wrong-" + SECRET).connect()
    assert_no_secret(err.value)


def test_an_unprivileged_login_without_enable_secret_is_an_auth_error(
    switch: SimSwitch, tmp_path: Path
) -> None:
    kh = known_hosts_for(tmp_path / "known_hosts", switch)
    with pytest.raises(SwitchAuthError, match="no enable secret"):
        driver(switch, kh, enable_secret=None).connect()


def test_a_slow_switch_raises_timeout_and_the_next_command_works(
    switch: SimSwitch, tmp_path: Path
) -> None:
    kh = known_hosts_for(tmp_path / "known_hosts", switch)
    with driver(switch, kh, timeout=0.5) as ios:
        switch.set_faults(SwitchFaults(delay=2.0))
        with pytest.raises(SwitchTimeout, match=r"switch sw1: show power inline GigabitEthernet1/0/1: no answer"):
            ios.poe_status("Gi1/0/1")
        switch.set_faults(SwitchFaults())
        assert ios.poe_status("Gi1/0/1")[0].oper == "on"


def test_a_dropped_session_is_reconnected_transparently(ios: IosSwitch, switch: SimSwitch) -> None:
    switch.set_faults(SwitchFaults(drop_every=6))  # login takes 3 lines: the 3rd command is dropped
    for _ in range(4):
        assert ios.macs_on_port("Gi1/0/1") == [MAC1]
    assert switch.commands_received().count("terminal width 511") == 2, "one drop, one reconnect"


def test_commands_from_many_threads_share_one_session(ios: IosSwitch, switch: SimSwitch) -> None:
    results: list[str] = []

    def worker(port: str) -> None:
        for _ in range(3):
            results.extend(ios.macs_on_port(port))

    threads = [threading.Thread(target=worker, args=(p,)) for p in ("Gi1/0/1", "Gi1/0/3")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [MAC1] * 3 + [MAC3] * 3
    assert switch.commands_received().count("terminal width 511") == 1


def test_show_commands_are_fast_on_loopback(ios: IosSwitch) -> None:
    ios.poe_status("Gi1/0/1")  # warm up (template index loading)
    started = time.perf_counter()
    for _ in range(10):
        ios.poe_status("Gi1/0/1")
    per_command = (time.perf_counter() - started) / 10
    assert per_command < 0.1, f"{per_command * 1000:.0f} ms per show command"


# --- host keys ----------------------------------------------------------------------------


def test_an_unknown_host_key_is_refused_before_login(switch: SimSwitch, tmp_path: Path) -> None:
    kh = tmp_path / "known_hosts"
    with pytest.raises(SwitchHostKeyError, match=r"not in .*known_hosts \(offered ssh-rsa SHA256:"):
        driver(switch, kh).connect()
    assert switch.commands_received() == []
    assert not kh.exists()


def test_accept_new_host_key_records_it_and_later_connections_check_it(
    switch: SimSwitch, tmp_path: Path
) -> None:
    kh = tmp_path / "ssh" / "known_hosts"
    with driver(switch, kh, accept_new_host_key=True) as sw:
        assert sw.macs_on_port("Gi1/0/1") == [MAC1]
    host, port = switch.address
    recorded = paramiko.HostKeys(str(kh)).lookup(f"[{host}]:{port}")
    assert recorded is not None and recorded["ssh-rsa"] == switch.host_key
    with driver(switch, kh) as sw:
        assert sw.poe_status("Gi1/0/1")


def test_a_changed_host_key_is_refused_even_with_accept_new(
    switch: SimSwitch, tmp_path: Path
) -> None:
    old_key = paramiko.RSAKey.generate(1024)
    kh = known_hosts_for(tmp_path / "known_hosts", switch, key=old_key)
    with pytest.raises(SwitchHostKeyError, match="differs") as caught:
        driver(switch, kh, accept_new_host_key=True).connect()
    assert switch.commands_received() == []
    message = str(caught.value)
    assert f"offered {fingerprint(switch.host_key)}" in message
    assert f"recorded {fingerprint(old_key)}" in message


def test_a_switch_nobody_answers_on_is_a_switch_error(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    ios = IosSwitch("sw9", "127.0.0.1", USER, port=port, password=PASSWORD, timeout=1.0,
                    known_hosts=str(tmp_path / "known_hosts"), accept_new_host_key=True)
    with pytest.raises(SwitchError, match=rf"switch sw9: connect: cannot reach 127.0.0.1:{port}"):
        ios.connect()


def test_errors_are_switch_errors_naming_the_switch(ios: IosSwitch) -> None:
    with pytest.raises(SwitchError) as err:
        ios.poe_status("Gi1/0/9")
    assert str(err.value).startswith("switch sw1: ")
