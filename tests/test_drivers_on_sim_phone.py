"""The phone-facing drivers against the simulated 7942s of a SimBench: its web server, console
port, /CGI/Execute (whose credentials the phone checks with its authentication URL) and the
actuator board wired to its keypad. Phone 1 is stuck on a stale ITL, phone 2 is healthy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rig.drivers.console import Console
from rig.drivers.ios_switch import IosSwitch
from rig.drivers.keypad import KeypadAuthError
from rig.drivers.keypad_http import HttpKeypad
from rig.drivers.keypad_serial import SerialActuatorKeypad
from rig.drivers.phone_web import PNG_SIGNATURE, PhoneWeb
from rig.drivers.power_meter import PowerMeter
from rig.config.lab import LabConfig, PhoneConfig, SerialKeypadConfig
from rig.config.simulation import Simulation
from rig.sim.bench import PASSWORD, USERNAME, SimBench


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimBench]:
    settings = Simulation(phones=2, scenarios={"stale_itl": 1, "healthy": 1}, time_scale=0.004, image_kb=4,
                          keypad="http_execute")
    with SimBench(settings, "drivers", tmp_path_factory.mktemp("sim")) as bench:
        yield bench


@pytest.fixture(scope="module")
def lab(sim: SimBench) -> LabConfig:
    return sim.lab_config()


def web(phone: PhoneConfig) -> PhoneWeb:
    return PhoneWeb(str(phone.ip), port=phone.http_port, timeout=3, name=phone.name)


def http_keypad(phone: PhoneConfig) -> HttpKeypad:
    return HttpKeypad(str(phone.ip), port=phone.http_port, username=USERNAME, password=PASSWORD, timeout=5,
                      name=phone.name)


def test_device_info_of_a_simulated_7942(lab, sim):
    stuck = lab.phones[0]
    info = web(stuck).device_info()
    assert info.mac == stuck.mac and info.host_name == f"SEP{stuck.mac}" and info.model_number == "CP-7942G"
    assert info.version_id == f"*{sim.observe.phone(stuck.name).load}*", "decorated, as on the real 7962G"
    assert info.app_load_id.startswith("jar42sccp.") and info.app_load_id.endswith(".sbn")


def test_network_config_names_the_phones_tftp_servers(lab):
    config = web(lab.phones[1]).network_config()
    assert config["IPAddress"] == str(lab.phones[1].ip) and config["TFTPServer1"].startswith("127.")


def test_stuck_phone_shows_its_symptom_in_status_messages(lab):
    assert any("Trust List Update Failed" in m for m in web(lab.phones[0]).status_messages())


def test_screenshot_needs_credentials_the_phone_accepts(lab):
    assert web(lab.phones[1]).screenshot(USERNAME, PASSWORD).startswith(PNG_SIGNATURE)


def test_remote_key_press_works_on_a_healthy_phone(lab, sim):
    http_keypad(lab.phones[1]).press(["Settings", "NavBack"], gap=0)
    assert sim.observe.keys(lab.phones[1].name, via="http")[-2:] == ["Settings", "NavBack"]


def test_stale_phone_refuses_remote_key_press_with_error_4(lab):
    with pytest.raises(KeypadAuthError, match="old authentication URL"):
        http_keypad(lab.phones[0]).press(["Settings"])


def test_actuator_board_reaches_the_stale_phones_keypad(lab, sim):
    stuck = lab.phones[0]
    board = next(k for k in stuck.keypad if isinstance(k, SerialKeypadConfig))
    SerialActuatorKeypad(board.url, target=board.target, press_ms=10, name=stuck.name).press(["Settings", "NavBack"], 0)
    assert sim.observe.keys(stuck.name, via="actuator")[-2:] == ["Settings", "NavBack"]


def test_meter_reads_the_registered_phones_draw(lab):
    with PowerMeter(lab.instruments["meter1"].resource, timeout_ms=1000) as meter:
        assert meter.measure_watts(lab.phones[1].power_meter.channel) == pytest.approx(6.3, abs=0.5)


def test_console_captures_a_reboot(lab, tmp_path):
    healthy = lab.phones[1]
    sw = lab.switches[healthy.switch]
    with Console(healthy.console, name=healthy.name, log_path=tmp_path / "desk.log") as console, IosSwitch(
        healthy.switch, sw.host, USERNAME, port=sw.port, password=PASSWORD, known_hosts=str(sw.known_hosts)
    ) as switch:
        mark = console.mark()
        switch.power_cycle(healthy.port, off_seconds=0)
        console.expect(r"registered", 20, since=mark)
    assert len(console.lines_since(mark)) >= 3 and "registered" in (tmp_path / "desk.log").read_text()
