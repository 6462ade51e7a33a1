"""SimPhone's life: steady state per scenario, power, boot, TFTP trust checks, upgrade, ITL erase.

Driven directly (power_on/power_off/press_key, as the switch and key board will) and observed only
through what a lab observes: HTTP pages, the console port, the CUCM's TFTP request log.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import requests
import serial

from rig.sim.loads import IMAGES_9_4_2, app_image
from tests.sim_helpers import NEW_LOAD, OLD_LOAD, SETTLED, Lab, running_lab
from tests.waiting import wait_for

ERASE_KEYS = ["Settings", "KeyPad4", "KeyPad5", "KeyPad2", "KeyPadStar", "KeyPadStar", "KeyPadPound", "Soft4", "Soft2"]
SCENARIOS = {"stale": "stale_itl", "regen": "regenerated_cert", "fresh": "no_itl", "good": "healthy"}


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with running_lab(SCENARIOS) as lab:
        yield lab


def http_refused(lab: Lab, name: str) -> bool:
    try:
        lab.get(lab.phones[name], "/DeviceInformationX")
    except requests.ConnectionError:
        return True
    return False


def test_at_start_every_phone_is_powered_and_up_on_the_old_load(lab: Lab) -> None:
    for phone in lab.phones.values():
        assert phone.draw_watts == pytest.approx(6.3)
        assert phone.link_up()
        cdp = phone.cdp()
        assert cdp is not None and cdp.device_id == f"SEP{phone.mac}" and cdp.platform == "Cisco IP Phone 7942"
        assert lab.running_load(phone) == OLD_LOAD
    assert lab.cucm.reads() == [], "no phone boots when the simulation starts"


@pytest.mark.parametrize("name", ["stale", "regen"])
def test_stuck_phones_start_with_the_seed_symptoms(lab: Lab, name: str) -> None:
    phone = lab.phones[name]
    status = lab.status(phone)
    assert "Trust List Update Failed" in status
    assert f"TFTP Timeout : SEP{phone.mac}.cnf.xml.sgn" in status
    assert phone.status().state == "stuck"


def test_device_information_is_shaped_like_the_real_7962g_capture(lab: Lab) -> None:
    """tests/fixtures/real/device_info: one line of elements in the capture's order, versionID the
    load in asterisks, appLoadID the load's jar42sccp image."""
    phone = lab.phones["good"]
    xml = lab.get(phone, "/DeviceInformationX").text
    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>\n<DeviceInformation><MACAddress>')
    tags = re.findall(r"<(\w+)>", xml)
    assert tags[1:8] == ["MACAddress", "HostName", "phoneDN", "appLoadID", "bootLoadID", "versionID", "addonModule1"]
    assert f"<versionID>*{OLD_LOAD}*</versionID>" in xml
    assert f"<appLoadID>{app_image(OLD_LOAD)}</appLoadID>" in xml and app_image(OLD_LOAD).startswith("jar42sccp.")
    assert "<modelNumber>CP-7942G</modelNumber>" in xml and "<bootLoadID>tnp42.8-3-1-21a.bin</bootLoadID>" in xml
    assert f"<udi>phone\nCisco Unified IP Phone 7942G, Global\nCP-7942G\n" in xml


def test_the_new_load_reports_the_image_named_in_the_real_capture() -> None:
    assert app_image(NEW_LOAD) == "jar42sccp.9-4-2ES26.sbn"


def test_network_configuration_names_both_tftp_servers_and_the_auth_url(lab: Lab) -> None:
    xml = lab.get(lab.phones["stale"], "/NetworkConfigurationX").text
    assert "<TFTPServer1>127.0.0.1</TFTPServer1>" in xml and f"<IPAddress>{lab.phones['stale'].ip}<" in xml
    assert "<AuthenticationURL>http://127.0.0.1:9/" in xml, "a stuck phone keeps its dead auth URL"


def test_power_off_stops_everything_at_once_but_the_console_port(lab: Lab) -> None:
    phone = lab.phones["regen"]
    console = serial.serial_for_url(f"socket://{phone.console_address[0]}:{phone.console_address[1]}", timeout=0.2)
    try:
        phone.power_off()
        assert phone.draw_watts == 0.0 and phone.cdp() is None and not phone.link_up()
        assert http_refused(lab, "regen")
        assert console.read(4096) == b"", "an unpowered phone prints nothing"
        phone.press_key("Settings")  # a key on an unpowered phone is not an error
    finally:
        console.close()
        phone.power_on()
        wait_for(lambda: phone.status().state in SETTLED, what="regen to settle")


def test_boot_draws_rising_power_prints_boot_lines_and_serves_http_only_once_settled(lab: Lab) -> None:
    phone = lab.phones["regen"]
    console = serial.serial_for_url(f"socket://{phone.console_address[0]}:{phone.console_address[1]}", timeout=0.05)
    samples: list[tuple[float, bool, bool]] = []  # (watts, link, web server answers) while booting
    try:
        phone.power_off()
        phone.power_on()
        while True:
            sample = (phone.draw_watts, phone.link_up(), not http_refused(lab, "regen"))
            if phone.status().state != "booting":  # read after the sample: it was taken while booting
                break
            samples.append(sample)
            time.sleep(0.005)
        text = console.read(65536).decode(errors="replace")
    finally:
        console.close()
    assert phone.status().state == "stuck"
    watts = [w for w, _, _ in samples]
    assert watts == sorted(watts) and 0 < watts[0] < 6.3, "the draw rises while the phone boots"
    assert any(link for _, link, _ in samples), "the link comes up during the boot"
    assert not any(web for _, _, web in samples), "no web server until the phone has settled"
    assert text.count("\r\n") > 10 and "boot loader" in text
    assert "STATUS: Trust List Update Failed" in text
    assert phone.draw_watts == pytest.approx(6.3)


@pytest.mark.parametrize("name", ["stale", "regen"])
def test_a_stuck_phone_after_a_power_cycle_retries_its_config_and_never_fetches_the_load(lab: Lab, name: str) -> None:
    phone = lab.phones[name]
    lab.power_cycle_and_settle(phone)
    assert phone.status().state == "stuck" and lab.running_load(phone) == OLD_LOAD
    status = lab.status(phone)
    assert "Trust List Update Failed" in status and f"TFTP Timeout : SEP{phone.mac}.cnf.xml.sgn" in status
    asked = lab.asked(phone)
    assert asked.count(f"SEP{phone.mac}.cnf.xml.sgn") >= 3
    assert not [f for f in asked if f.endswith((".loads", ".sbn"))]
    assert phone.status().holds_itl, "it keeps its old ITL"


def test_a_healthy_phone_upgrades_at_its_next_boot(lab: Lab) -> None:
    phone = lab.phones["good"]
    lab.power_cycle_and_settle(phone)
    assert phone.status().state == "registered" and lab.running_load(phone) == NEW_LOAD
    fetched = lab.fetched(phone)
    assert fetched[:3] == [f"ITLSEP{phone.mac}.tlv", f"SEP{phone.mac}.cnf.xml.sgn", f"{NEW_LOAD}.loads"]
    assert fetched[3:8] == list(IMAGES_9_4_2)
    assert fetched[8:] == [f"ITLSEP{phone.mac}.tlv", f"SEP{phone.mac}.cnf.xml.sgn"], "after the reboot: same load"
    assert "Trust List Updated" in lab.status(phone)
    cdp = phone.cdp()
    assert cdp is not None and cdp.software == NEW_LOAD


def test_a_phone_without_itl_trusts_the_first_one_and_upgrades(lab: Lab) -> None:
    phone = lab.phones["fresh"]
    assert not phone.status().holds_itl
    lab.power_cycle_and_settle(phone)
    assert phone.status().holds_itl and lab.running_load(phone) == NEW_LOAD
    assert "Trust List Updated" in lab.status(phone)


def test_erasing_the_itl_from_the_keypad_lets_a_stale_phone_fetch_its_load(lab: Lab) -> None:
    phone = lab.phones["stale"]
    for key in ERASE_KEYS:
        phone.press_key(key)
    assert "Erasing CTL and ITL files" in lab.status(phone)
    assert not phone.status().holds_itl
    wait_for(lambda: phone.status().state == "booting", what="the phone to restart by itself")
    wait_for(lambda: phone.status().state == "registered", timeout=15, what="the upgraded phone to register")
    assert lab.running_load(phone) == NEW_LOAD
    fetched = lab.fetched(phone)
    tail = fetched[fetched.index(f"{NEW_LOAD}.loads") - 2 :]
    assert tail[:3] == [f"ITLSEP{phone.mac}.tlv", f"SEP{phone.mac}.cnf.xml.sgn", f"{NEW_LOAD}.loads"]
    assert sorted(f for f in tail if f.endswith(".sbn")) == sorted(IMAGES_9_4_2)
    status = lab.status(phone)
    assert "Trust List Updated" in status
    assert "Trust List Update Failed" not in status.split("Erasing CTL and ITL files")[-1]
