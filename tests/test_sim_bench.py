"""The simulated bench, driven only by standard clients written by other people.

If paramiko, pyserial, tftpy, requests and pyvisa can drive it the way they drive hardware, rig's
drivers cannot tell it from hardware either.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import paramiko
import pytest
import pyvisa
import requests
import serial
import tftpy

from rig.config import LabConfig, PhoneConfig, Simulation
from rig.sim.bench import PASSWORD, USERNAME, SimBench
from rig.trust import parse, verify
from tests.ios_shell import IosShell
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


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


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


def app_load(phone: PhoneConfig) -> str:
    match = re.search(r"<appLoadID>([^<]*)</appLoadID>", http_get(phone, "/DeviceInformationX").text)
    assert match, "DeviceInformationX has no appLoadID"
    return match.group(1)


def test_every_endpoint_binds_loopback_only(lab: LabConfig) -> None:
    hosts = [sw.host for sw in lab.switches.values()] + [str(p.ip) for p in lab.phones]
    assert lab.cucm is not None
    hosts.append(lab.cucm.tftp.host)
    assert all(h.startswith("127.") for h in hosts)
    assert len({str(p.ip) for p in lab.phones}) == 8, "each phone has its own loopback address"


def test_config_has_the_form_of_a_real_bench(lab: LabConfig) -> None:
    assert lab.simulation is None
    assert lab.cucm is not None and lab.cucm.trust_anchor is not None
    assert lab.cucm.trust_anchor.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
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
        wait_for(lambda: app_load(phone) == "SCCP42.9-4-2SR3-1S", what="the upgrade to the new load")
    finally:
        shell.close()
        console.close()
        meter.close()


def test_stale_itl_phone_shows_the_seed_symptoms_until_its_itl_is_erased(
    sim: SimBench, lab: LabConfig
) -> None:
    phone = lab.phones[0]
    assert sim.phones[phone.name].scenario == "stale_itl"
    status = http_get(phone, "/CGI/Java/Serviceability?adapter=device.statistics.statusmessages").text
    assert "Trust List Update Failed" in status
    assert f"TFTP Timeout : SEP{phone.mac}.cnf.xml.sgn" in status
    old_load = app_load(phone)
    keypad = next(k for k in phone.keypad if k.backend == "serial_actuator")
    board = serial.serial_for_url(keypad.url, timeout=2)
    try:
        for key in ["Settings", "KeyPad4", "KeyPad5", "KeyPad2", "KeyPadStar", "KeyPadStar",
                    "KeyPadPound", "Soft4", "Soft2"]:
            board.write(f"PRESS {keypad.target} {key} 50\n".encode())
            assert board.readline().strip() == b"OK"
    finally:
        board.close()
    wait_for(lambda: http_up(phone) and app_load(phone) == "SCCP42.9-4-2SR3-1S", what="the new load")
    assert old_load != "SCCP42.9-4-2SR3-1S"
    fetched = {name for client, name, ok in sim.cucm.requests if ok and client == str(phone.ip)}
    assert f"ITLSEP{phone.mac}.tlv" in fetched
    assert f"SEP{phone.mac}.cnf.xml.sgn" in fetched
    assert "SCCP42.9-4-2SR3-1S.loads" in fetched
    assert len([f for f in fetched if f.endswith(".sbn")]) == 5
