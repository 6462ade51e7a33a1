"""SimPhone's endpoints and fault knobs: remote key-press and screenshot (with the phone asking
its authentication URL), the console port, and rig's own drivers against the simulated phone."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Iterator

import pytest
import requests
import serial
from PIL import Image

from rig.drivers.console import Console
from rig.drivers.keypad import KeypadAuthError
from rig.drivers.keypad_http import HttpKeypad
from rig.drivers.phone_web import PhoneWeb
from rig.sim.loads import app_image
from rig.sim.observe import KeyEvent
from rig.sim.phone import SimPhone
from tests.sim_helpers import NEW_LOAD, OLD_LOAD, PASSWORD, SETTLED, USER, Lab, running_lab
from tests.waiting import wait_for

EXECUTE = "/CGI/Execute"


def execute_body(*uris: str) -> dict[str, str]:
    items = "".join(f'<ExecuteItem Priority="0" URL="{uri}"/>' for uri in uris)
    return {"XML": f"<CiscoIPPhoneExecute>{items}</CiscoIPPhoneExecute>"}


def console_url(phone: SimPhone) -> str:
    host, port = phone.console_address
    return f"socket://{host}:{port}"


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with running_lab({"good": "healthy", "stale": "stale_itl"}) as lab:
        yield lab


def post(lab: Lab, phone: SimPhone, data: dict[str, str], auth: tuple[str, str] | None = (USER, PASSWORD)) -> requests.Response:
    return lab.web.post(lab.url(phone, EXECUTE), data=data, auth=auth, timeout=5)


def test_execute_presses_keys_on_a_healthy_phone(lab: Lab) -> None:
    phone = lab.phones["good"]
    reply = post(lab, phone, execute_body("Key:Settings", "Key:KeyPad4"))
    assert reply.status_code == 200
    assert reply.text.count('Data="Success"') == 2 and 'URL="Key:Settings"' in reply.text
    shot = Image.open(io.BytesIO(lab.get(phone, "/CGI/Screenshot", auth=(USER, PASSWORD)).content))
    assert shot.format == "PNG" and shot.size == (320, 222)
    post(lab, phone, execute_body("Key:Settings"))  # back to idle


def test_init_settings_is_status_0_and_the_next_settings_key_opens_settings_at_its_top_level(lab: Lab) -> None:
    """Public bulk-erase tools send Init:Settings before Key:Settings (sources: phone_profiles/
    79x2-sccp9.yaml init_settings, docs/real-phones.md); the Development Notes' Init closes an
    application, so Key:Settings then opens Settings afresh instead of closing it."""
    phone = lab.phones["good"]

    def shot() -> bytes:
        return lab.get(phone, "/CGI/Screenshot", auth=(USER, PASSWORD)).content

    post(lab, phone, execute_body("Key:Settings"))
    top = shot()
    post(lab, phone, execute_body("Key:KeyPad4"))  # left inside Security Configuration
    assert shot() != top
    reply = post(lab, phone, execute_body("Init:Settings"))
    assert '<ResponseItem Status="0" Data="Success" URL="Init:Settings"/>' in reply.text
    post(lab, phone, execute_body("Key:Settings"))
    assert shot() == top
    post(lab, phone, execute_body("Key:Settings"))  # back to idle
    unknown = post(lab, phone, execute_body("Init:NoSuchApplication"))
    assert 'Status="6"' in unknown.text  # unconfirmed: no capture shows the answer to an unknown name


def test_execute_with_a_wrong_password_is_error_4(lab: Lab) -> None:
    reply = post(lab, lab.phones["good"], execute_body("Key:Settings"), auth=(USER, "wrong"))
    assert '<CiscoIPPhoneError Number="4" />' in reply.text


def test_execute_without_credentials_is_refused_with_401(lab: Lab) -> None:
    reply = post(lab, lab.phones["good"], execute_body("Key:Settings"), auth=None)
    assert reply.status_code == 401 and "Basic" in reply.headers["WWW-Authenticate"]


def test_a_stuck_phone_answers_error_4_because_its_auth_url_is_dead(lab: Lab) -> None:
    phone = lab.phones["stale"]
    assert '<CiscoIPPhoneError Number="4" />' in post(lab, phone, execute_body("Key:Settings")).text
    assert '<CiscoIPPhoneError Number="4" />' in lab.get(phone, "/CGI/Screenshot", auth=(USER, PASSWORD)).text


@pytest.mark.parametrize("body", [
    {"XML": "<CiscoIPPhoneExecute><ExecuteItem URL="},
    {"XML": "<CiscoIPPhoneText><Text>hi</Text></CiscoIPPhoneText>"},
    execute_body("Key:Soft1", "Key:Soft1", "Key:Soft1", "Key:Soft1"),
    {"nothing": "here"},
])
def test_malformed_or_oversized_execute_is_error_1(lab: Lab, body: dict[str, str]) -> None:
    assert '<CiscoIPPhoneError Number="1" />' in post(lab, lab.phones["good"], body).text


def test_an_unknown_key_uri_is_not_a_success(lab: Lab) -> None:
    reply = post(lab, lab.phones["good"], execute_body("Key:Turbo"))
    assert 'Status="6"' in reply.text and "Success" not in reply.text


def test_unknown_key_names_raise_for_the_key_board(lab: Lab) -> None:
    with pytest.raises(ValueError, match="Turbo"):
        lab.phones["good"].press_key("Turbo")


def test_rig_drivers_read_and_drive_the_simulated_phone(lab: Lab) -> None:
    phone = lab.phones["good"]
    web = PhoneWeb(phone.ip, port=phone.http_port, timeout=3, name=phone.name)
    info = web.device_info()
    assert (info.mac, info.model_number) == (phone.mac, "CP-7942G")
    assert (info.app_load_id, info.version_id) == (app_image(OLD_LOAD), f"*{OLD_LOAD}*")
    assert web.network_config()["HostName"] == f"SEP{phone.mac}"
    assert any(m.endswith("Trust List Updated") for m in web.status_messages())
    assert web.screenshot(USER, PASSWORD).startswith(b"\x89PNG")
    HttpKeypad(phone.ip, port=phone.http_port, username=USER, password=PASSWORD).press(["Settings", "Settings"], gap=0)
    stale = lab.phones["stale"]
    with pytest.raises(KeypadAuthError):
        HttpKeypad(stale.ip, port=stale.http_port, username=USER, password=PASSWORD).press(["Settings"], gap=0)


def test_console_driver_follows_a_power_cycle(lab: Lab) -> None:
    phone = lab.phones["stale"]
    with Console(console_url(phone), name=phone.name) as console:
        mark = console.mark()
        lab.power_cycle_and_settle(phone)
        console.expect(r"STATUS: Trust List Update Failed", timeout=5, since=mark)
        console.expect(rf"TFTP Timeout : SEP{phone.mac}\.cnf\.xml\.sgn", timeout=5, since=mark)


def test_lost_key_presses_are_ignored_silently() -> None:
    with running_lab({"p": "healthy"}, lost_keys=2) as lab:
        phone = lab.phones["p"]
        for key in ["Settings", "Settings", "Settings"]:
            phone.press_key(key)  # the first two never reach the phone
        reply = lab.get(phone, "/CGI/Screenshot", auth=(USER, PASSWORD))
        assert reply.headers["Content-Type"] == "image/png"
        phone.press_key("KeyPad4")
        phone.press_key("KeyPad5")
        phone.press_key("KeyPad2")
        assert phone.status().holds_itl
        for key in ["KeyPadStar", "KeyPadStar", "KeyPadPound", "Soft4", "Soft2"]:
            phone.press_key(key)
        assert not phone.status().holds_itl, "the third Settings opened the menu, so the erase went through"


def test_the_key_board_fault_does_not_touch_remote_key_presses() -> None:
    with running_lab({"p": "healthy"}, lost_keys=5) as lab:
        phone = lab.phones["p"]
        for batch in (("Settings", "KeyPad4", "KeyPad5"), ("KeyPad2", "KeyPadStar", "KeyPadStar"),
                      ("KeyPadPound", "Soft4", "Soft2")):
            assert post(lab, phone, execute_body(*(f"Key:{k}" for k in batch))).text.count("Success") == 3
        assert not phone.status().holds_itl, "the ITL erase went through /CGI/Execute"
        wait_for(lambda: phone.status().state == "booting", what="the phone to restart by itself")
        wait_for(lambda: phone.status().state == "registered", timeout=15, what="the upgraded phone to register")
        assert lab.running_load(phone) == NEW_LOAD


def test_a_phone_that_never_returns_stays_dark_after_power_up() -> None:
    with running_lab({"p": "healthy"}, never_returns=True) as lab:
        phone = lab.phones["p"]
        phone.power_off()
        phone.power_on()
        wait_for(lambda: phone.draw_watts == 0.0, what="the blip to end")
        assert phone.status().state == "dark" and phone.cdp() is None and not phone.link_up()
        with pytest.raises(requests.ConnectionError):
            lab.get(phone, "/DeviceInformationX")
        assert lab.asked(phone) == []


def test_console_garbage_mixes_undecodable_bytes_into_the_lines() -> None:
    with running_lab({"p": "stale_itl"}, console_garbage=True) as lab:
        phone = lab.phones["p"]
        port = serial.serial_for_url(console_url(phone), timeout=0.05)
        try:
            lab.power_cycle_and_settle(phone)
            raw = port.read(1 << 20)
        finally:
            port.close()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert b"STATUS: Trust List Update Failed\r\n" in raw


def test_a_dead_first_tftp_server_falls_back_to_the_second() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as dead:  # bound, then closed: nobody answers
        dead.bind(("127.0.0.1", 0))
        address = dead.getsockname()
    with running_lab({"p": "stale_itl"}, tftp_first=[address]) as lab:
        phone = lab.phones["p"]
        lab.power_cycle_and_settle(phone, timeout=20)
        assert lab.fetched(phone)[:2] == [f"ITLSEP{phone.mac}.tlv", f"SEP{phone.mac}.cnf.xml.sgn"]
        assert "Trust List Update Failed" in lab.status(phone), "it judged what server 2 sent"


def test_a_phone_upgrades_through_tftp_packet_loss() -> None:
    with running_lab({"p": "healthy"}, loss=0.05) as lab:
        phone = lab.phones["p"]
        assert lab.running_load(phone) == OLD_LOAD
        lab.power_cycle_and_settle(phone, timeout=20)
        assert phone.status().state in SETTLED and lab.running_load(phone) == NEW_LOAD


def test_status_messages_page_is_laid_out_like_the_real_serviceability_pages(lab: Lab) -> None:
    """Real path, navigation rows with link-free section headings, then one row per message
    stamped `hh:mm:ss` + `a`/`p` (tests/fixtures/real/web_pages, issue 9's 79x2 lines)."""
    html = lab.status(lab.phones["stale"])
    assert "adapter=device.settings.status.messages\">Status Messages</A>" in html
    assert "<TR><TD><B><font color='#FFFFFF'>Device Logs</FONT></B></TD></TR>" in html, "heading without a link"
    content = html[html.index("<td VALIGN=top><DIV ALIGN=center>"):]
    lines = re.findall(r"<TR><TD><B>([^<]*)</B></TD></TR>", content)
    assert re.fullmatch(r"\d\d:\d\d:\d\d[ap] Trust List Update Failed", lines[1])
    assert lab.get(lab.phones["stale"], "/CGI/Java/Serviceability?adapter=device.statistics.statusmessages").status_code == 404


def test_a_phone_with_web_access_off_answers_no_page_but_still_boots_and_advertises() -> None:
    """Its configuration disables web access, so its web server never starts (unconfirmed on a
    7942: see docs/simulator.md); the switch still sees it and it still fetches its files."""
    with running_lab({"p": "healthy"}, web_access_off=("p",)) as lab:
        phone = lab.phones["p"]
        with pytest.raises(requests.ConnectionError):
            lab.get(phone, "/DeviceInformationX")
        with pytest.raises(requests.ConnectionError):
            post(lab, phone, execute_body("Key:Settings"))
        phone.power_off()
        phone.power_on()
        wait_for(lambda: phone.status().state in SETTLED, timeout=15, what="the phone to settle")
        assert phone.cdp() is not None and lab.fetched(phone)[:1] == [f"ITLSEP{phone.mac}.tlv"]
        assert not phone.status().web_access
        with pytest.raises(requests.ConnectionError):
            lab.get(phone, "/DeviceInformationX")


def test_web_access_can_be_turned_on_and_off_on_a_running_phone(lab: Lab) -> None:
    phone = lab.phones["good"]
    phone.set_web_access(False)
    try:
        with pytest.raises(requests.ConnectionError):
            lab.get(phone, "/DeviceInformationX")
    finally:
        phone.set_web_access(True)
    assert lab.get(phone, "/DeviceInformationX").status_code == 200


def test_keys_received_tell_the_path_and_whether_the_solenoid_missed() -> None:
    with running_lab({"p": "healthy"}, lost_keys=1) as lab:
        phone = lab.phones["p"]
        phone.press_key("Settings")
        phone.press_key("Settings")
        post(lab, phone, execute_body("Key:NavBack"))
    assert phone.keys_received() == [KeyEvent("Settings", "actuator", False), KeyEvent("Settings", "actuator", True),
                                     KeyEvent("NavBack", "http", True)]
