"""The simulated bench, driven only by standard clients written by other people.

If paramiko, pyserial, tftpy, requests and pyvisa can drive it the way they drive hardware, rig's
drivers cannot tell it from hardware either.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
import pyvisa
import requests
import serial
import tftpy

from rig.config.lab import LabConfig, PhoneConfig

from rig.config.simulation import Simulation
from rig.sim.bench import PASSWORD, USERNAME, SimBench
from rig.sim.observe import KeyEvent
from rig.trust import parse, verify
from tests.ios_shell import IosShell
from tests.waiting import wait_for
from cryptography import x509

SCALE = 0.004


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimBench]:
    settings = Simulation(
        phones=8,
        scenarios={"stale_itl": 3, "regenerated_cert": 1, "no_itl": 1},
        time_scale=SCALE,
        image_kb=4,
    )
    with SimBench(settings, "test-bench", tmp_path_factory.mktemp("sim")) as bench:
        yield bench


@pytest.fixture(scope="module")
def lab(sim: SimBench) -> LabConfig:
    return sim.lab_config()


def switch_shell(lab: LabConfig, switch: str) -> IosShell:
    """A paramiko shell on the switch, its host key checked against the bench's known_hosts."""
    sw = lab.switches[switch]
    assert sw.known_hosts is not None
    return IosShell(sw.host, sw.port, USERNAME, PASSWORD, host_keys=paramiko.HostKeys(str(sw.known_hosts)))


def set_power(shell: IosShell, port: str, mode: str) -> None:
    shell.run("configure terminal")
    shell.run(f"interface {port}")
    shell.run(f"power inline {mode}")
    shell.run("end")


def http_get(phone: PhoneConfig, path: str) -> requests.Response:
    return requests.get(f"http://{phone.ip}:{phone.http_port}{path}", timeout=2)


def http_up(phone: PhoneConfig) -> bool:
    try:
        return http_get(phone, "/DeviceInformationX").ok
    except requests.ConnectionError:
        return False


def running_load(phone: PhoneConfig) -> str:
    """versionID without the asterisks a real 79x2 puts around it."""
    match = re.search(r"<versionID>([^<]*)</versionID>", http_get(phone, "/DeviceInformationX").text)
    assert match, "DeviceInformationX has no versionID"
    return match.group(1).strip("*")


def test_every_endpoint_binds_loopback_only(lab: LabConfig) -> None:
    hosts = [sw.host for sw in lab.switches.values()] + [str(p.ip) for p in lab.phones]
    assert lab.cucm is not None
    hosts.append(lab.cucm.tftp.host)
    assert all(h.startswith("127.") for h in hosts)
    assert len({str(p.ip) for p in lab.phones}) == 8, "each phone has its own loopback address"


def test_config_has_the_form_of_a_real_bench(lab: LabConfig) -> None:
    assert lab.simulation is None
    assert lab.cucm is not None and lab.cucm.trust_anchor is not None
    assert b"\n-----BEGIN CERTIFICATE-----" in lab.cucm.trust_anchor.read_bytes()
    phone = lab.phones[0]
    assert phone.console and phone.console.startswith("socket://")
    assert phone.power_meter is not None


def test_switch_shows_each_phone_by_cdp_and_mac_over_a_paramiko_shell(lab: LabConfig) -> None:
    shell = switch_shell(lab, "sw1")
    try:
        shell.run("terminal length 0")
        cdp = shell.run("show cdp neighbors detail")
        macs = shell.run("show mac address-table")
    finally:
        shell.close()
    for phone in lab.phones:
        assert f"SEP{phone.mac}" in cdp
        dotted = f"{phone.mac[0:4]}.{phone.mac[4:8]}.{phone.mac[8:12]}".lower()
        assert dotted in macs
    assert "Cisco IP Phone 7942" in cdp


def test_cucm_serves_a_signed_itl_to_a_tftp_client(lab: LabConfig) -> None:
    assert lab.cucm is not None
    phone = lab.phones[0]
    client = tftpy.TftpClient(lab.cucm.tftp.host, lab.cucm.tftp.port, options={"blksize": 1428})
    out = io.BytesIO()
    client.download(f"ITLSEP{phone.mac}.tlv", out, timeout=2)
    itl = parse(out.getvalue())
    anchor = x509.load_pem_x509_certificate(lab.cucm.trust_anchor.read_bytes())  # type: ignore[union-attr]
    assert verify(itl, cert=anchor).valid


def test_meter_answers_pyvisa_over_a_tcp_socket(lab: LabConfig) -> None:
    rm = pyvisa.ResourceManager("@py")
    meter = rm.open_resource(lab.instruments["meter1"].resource)
    meter.read_termination = meter.write_termination = "\n"
    try:
        assert "RIG-SIM" in meter.query("*IDN?")
        assert float(meter.query("MEAS:POW? (@1)")) > 5.0
    finally:
        meter.close()


def test_power_off_through_the_switch_is_followed_by_http_console_and_meter(lab: LabConfig) -> None:
    phone = lab.phones[7]  # healthy: registered on the old load, upgrades at its next boot
    assert phone.power_meter is not None and phone.console is not None
    rm = pyvisa.ResourceManager("@py")
    meter = rm.open_resource(lab.instruments["meter1"].resource)
    meter.read_termination = meter.write_termination = "\n"
    console = serial.serial_for_url(phone.console, timeout=0.1)
    watts = lambda: float(meter.query(f"MEAS:POW? (@{phone.power_meter.channel})"))  # noqa: E731
    shell = switch_shell(lab, phone.switch)
    try:
        assert http_up(phone) and watts() > 5.0
        set_power(shell, phone.port, "never")
        wait_for(lambda: watts() == 0.0, what="meter to read 0 W")
        assert not http_up(phone)
        assert re.search(rf"{phone.port}\s+off\s+off", shell.run(f"show power inline {phone.port}"))
        set_power(shell, phone.port, "auto")
        wait_for(lambda: watts() > 0.0, what="draw to return")
        wait_for(lambda: http_up(phone), what="the phone's web server after boot")
        boot_log = console.read(65536).decode(errors="replace")
        assert boot_log.strip(), "the console printed the boot"
        wait_for(lambda: running_load(phone) == "SCCP42.9-4-2SR3-1S", what="the upgrade to the new load")
    finally:
        shell.close()
        console.close()
        meter.close()


def test_stale_itl_phone_shows_the_seed_symptoms_until_its_itl_is_erased(
    sim: SimBench, lab: LabConfig
) -> None:
    phone = lab.phones[0]
    assert sim.observe.phone(phone.name).state == "stuck"
    status = http_get(phone, "/CGI/Java/Serviceability?adapter=device.settings.status.messages").text
    assert "Trust List Update Failed" in status
    assert f"TFTP Timeout : SEP{phone.mac}.cnf.xml.sgn" in status
    old_load = running_load(phone)
    keypad = next(k for k in phone.keypad if k.backend == "serial_actuator")
    board = serial.serial_for_url(keypad.url, timeout=2)
    try:
        for key in ["Settings", "KeyPad4", "KeyPad5", "KeyPad2", "KeyPadStar", "KeyPadStar",
                    "KeyPadPound", "Soft4", "Soft2"]:
            board.write(f"PRESS {keypad.target} {key} 50\n".encode())
            assert board.readline().strip() == b"OK"
    finally:
        board.close()
    wait_for(lambda: http_up(phone) and running_load(phone) == "SCCP42.9-4-2SR3-1S", what="the new load")
    assert old_load != "SCCP42.9-4-2SR3-1S"
    fetched = {read.file for read in sim.observe.tftp_reads(phone.name) if read.served}
    assert f"ITLSEP{phone.mac}.tlv" in fetched
    assert f"SEP{phone.mac}.cnf.xml.sgn" in fetched
    assert "SCCP42.9-4-2SR3-1S.loads" in fetched
    assert len([f for f in fetched if f.endswith(".sbn")]) == 5


def test_cdp_detail_shows_each_phones_running_load_on_the_line_after_version(sim: SimBench, lab: LabConfig) -> None:
    shell = switch_shell(lab, "sw1")
    try:
        shell.run("terminal length 0")
        cdp = shell.run("show cdp neighbors detail").replace("\r", "")
    finally:
        shell.close()
    for phone in lab.phones:
        block = cdp.split(f"Device ID: SEP{phone.mac}\n", 1)[1].split("-------------------------", 1)[0]
        assert f"Version :\n{sim.observe.phone(phone.name).load}\n" in block
        assert "Platform: Cisco IP Phone 7942,  Capabilities: Host Phone Two-port Mac Relay" in block


def test_observer_reads_commands_keys_and_phone_state_by_name(sim: SimBench, lab: LabConfig) -> None:
    shell = switch_shell(lab, "sw1")
    try:
        shell.run("show power inline Gi1/0/2")
    finally:
        shell.close()
    assert sim.observe.commands("sw1")[-1] == "show power inline Gi1/0/2"
    keypad = next(k for k in lab.phones[1].keypad if k.backend == "serial_actuator")
    board = serial.serial_for_url(keypad.url, timeout=2)
    try:
        board.write(f"PRESS {keypad.target} Settings 10\n".encode())
        assert board.readline().strip() == b"OK"
        board.write(f"PRESS {keypad.target} Settings 10\n".encode())
        assert board.readline().strip() == b"OK"
    finally:
        board.close()
    assert sim.observe.keys("desk-02", via="actuator")[-2:] == ["Settings", "Settings"]
    assert sim.observe.keys("desk-02", via="http") == []
    status = sim.observe.phone("desk-08")
    assert (status.holds_itl, status.web_access, status.watts > 5) == (True, True, True)
    assert sim.observe.phones() == [p.name for p in lab.phones]


def test_set_fault_changes_a_running_bench_and_refuses_what_cannot_change(sim: SimBench, lab: LabConfig) -> None:
    phone = lab.phones[6]
    sim.set_fault(web_access_off=[phone.name])
    try:
        assert not http_up(phone) and not sim.observe.phone(phone.name).web_access
    finally:
        sim.set_fault(web_access_off=[])
    assert http_up(phone)
    sim.set_fault(lost_keys={"desk-02": 1})
    try:
        keypad = next(k for k in lab.phones[1].keypad if k.backend == "serial_actuator")
        with serial.serial_for_url(keypad.url, timeout=2) as board:
            board.write(f"PRESS {keypad.target} NavBack 10\n".encode())
            assert board.readline().strip() == b"OK", "the board cannot tell that the solenoid missed"
        assert sim.observe.key_events("desk-02")[-1] == KeyEvent("NavBack", "actuator", taken=False)
    finally:
        sim.set_fault(lost_keys={})
    with pytest.raises(ValueError, match="tftp_loss"):
        sim.set_fault(tftp_loss=0.5)
    with pytest.raises(ValueError, match="desk-99"):
        sim.set_fault(never_returns=["desk-99"])


def test_a_phone_with_web_access_off_keeps_a_web_port_in_the_config_that_refuses(tmp_path: Path) -> None:
    settings = Simulation(phones=2, scenarios={"healthy": 2}, time_scale=SCALE, image_kb=1, web_access_off=["desk-02"])
    with SimBench(settings, "no-web", tmp_path) as bench:
        lab = bench.lab_config()
        off, on = lab.phones[1], lab.phones[0]
        assert off.http_port > 0 and not http_up(off) and http_up(on)
        assert not bench.observe.phone("desk-02").web_access
        shell = switch_shell(lab, "sw1")
        try:
            assert "SEP" + off.mac in shell.run("show cdp neighbors detail"), "the switch still sees it"
        finally:
            shell.close()
