"""`rig power|press|console|status` against a bench assembled from real servers on loopback:
the simulated IOS switch (SSH), key actuator board and SCPI meter, an HTTP peer answering as a
7942 with a stale authentication URL, and a console server port."""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import paramiko
import pytest
import yaml
from typer.testing import CliRunner

from rig.cli import app
from rig.sim.actuator import SimActuator
from rig.sim.clock import SimClock
from rig.sim.meter import SimPowerMeter
from rig.sim.switch import SimSwitch
from tests.switch_devices import StubPhone
from tests.test_phone_web import PhonePeer

USER, PASSWORD = "labadmin", "pw-cli-hw"
DESK1, DESK2, STRANGER, DESK3 = "001D705F0001", "001D705F0002", "00505600BEEF", "001D705F0003"


class StalePhone(PhonePeer):
    """Serves the 7942 pages; refuses remote key-press as a phone with a stale auth URL does."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(200, b'<CiscoIPPhoneError Number="4" />', "text/xml")


class Keys:
    def __init__(self, name: str) -> None:
        self.name = name
        self.pressed: list[str] = []

    def press_key(self, key: str) -> None:
        self.pressed.append(key)


class StuckConsole(socketserver.BaseRequestHandler):
    """A stuck phone's console: the same complaint every 50 ms until the client hangs up."""

    def handle(self) -> None:
        try:
            while True:
                self.request.sendall(b"Trust List Update Failed\r\n")
                time.sleep(0.05)
        except OSError:
            pass


class ConsoleServer(socketserver.ThreadingTCPServer):
    daemon_threads = True


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("bench")
    devices = {
        "Gi1/0/1": StubPhone("desk-01", DESK1),
        "Gi1/0/2": StubPhone("stranger", STRANGER),  # desk-02 is configured here but another device is plugged in
        "Gi1/0/3": StubPhone("desk-03", DESK3),
    }
    key = paramiko.RSAKey.generate(1024)
    keys = Keys("desk-01")
    web = ThreadingHTTPServer(("127.0.0.1", 0), StalePhone)
    web.override = {}
    threading.Thread(target=web.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    console = ConsoleServer(("127.0.0.1", 0), StuckConsole)
    threading.Thread(target=console.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    with SimSwitch("sw1", devices, SimClock(), username=USER, password=PASSWORD, host_key=key) as switch, \
            SimActuator({"desk-01": keys}) as board, SimPowerMeter({1: devices["Gi1/0/1"]}) as meter:
        host, port = switch.address
        (tmp / "known_hosts").write_text(f"[{host}]:{port} {key.get_name()} {key.get_base64()}\n")
        config = {
            "bench": "cli-hw",
            "switches": {"sw1": {"host": host, "port": port, "username": USER, "password": PASSWORD,
                                 "known_hosts": str(tmp / "known_hosts")}},
            "cucm": {"tftp": {"host": "127.0.0.1", "port": 6969}, "expected_load": "SCCP42.9-4-2SR3-1S"},
            "instruments": {"meter1": {"resource": "TCPIP::{}::{}::SOCKET".format(*meter.address)}},
            "timeouts": {"key_gap": 0, "power_off": 0},
            "phones": [
                {"name": "desk-01", "mac": DESK1, "switch": "sw1", "port": "Gi1/0/1", "ip": "127.0.0.1",
                 "http_port": web.server_address[1],
                 "console": "socket://127.0.0.1:{}".format(console.server_address[1]),
                 "keypad": [{"backend": "http_execute", "username": "admin", "password": "pw-keypad"},
                            {"backend": "serial_actuator", "url": "socket://{}:{}".format(*board.address),
                             "target": "desk-01", "press_ms": 10}],
                 "power_meter": {"instrument": "meter1", "channel": 1}},
                {"name": "desk-02", "mac": DESK2, "switch": "sw1", "port": "Gi1/0/2"},
                {"name": "desk-03", "mac": DESK3, "switch": "sw1", "port": "Gi1/0/3"},
            ],
        }
        path = tmp / "lab.yaml"
        path.write_text(yaml.safe_dump(config))
        yield {"config": path, "devices": devices, "keys": keys, "switch": switch}
    web.shutdown()
    console.shutdown()
    console.server_close()
    web.server_close()


def rig(bench: dict, *args: str):
    return CliRunner().invoke(app, ["--config", str(bench["config"]), *args])


def test_power_is_refused_when_another_device_is_on_the_phones_port(bench):
    result = rig(bench, "power", "off", "desk-02")
    assert result.exit_code == 1
    assert "refusing to power off desk-02" in result.stderr and "0050.5600.beef" in result.stderr
    assert bench["devices"]["Gi1/0/2"].calls == []


def test_power_cycle_of_an_identified_phone_turns_its_port_off_and_on(bench):
    result = rig(bench, "power", "cycle", "desk-01")
    assert result.exit_code == 0, result.output
    assert bench["devices"]["Gi1/0/1"].calls[-2:] == ["off", "on"]
    assert "MAC 001d.705f.0001 learned on sw1 Gi1/0/1" in result.stdout


def test_a_powered_off_phone_can_be_powered_on_again(bench):
    assert rig(bench, "power", "off", "desk-03").exit_code == 0
    refused = rig(bench, "power", "off", "desk-03")  # unpowered: no longer identifiable
    assert refused.exit_code == 1 and "no MAC and no CDP" in refused.stderr
    result = rig(bench, "power", "on", "desk-03")
    assert result.exit_code == 0, result.output
    assert "powered off (PoE admin off)" in result.stdout and bench["devices"]["Gi1/0/3"].powered


def test_press_falls_back_from_a_stale_phone_web_to_the_actuator_board(bench):
    result = rig(bench, "press", "desk-01", "Settings", "4", "*")
    assert result.exit_code == 0, result.output
    assert "old authentication URL" in result.stderr and "pw-keypad" not in result.output
    assert bench["keys"].pressed[-3:] == ["Settings", "KeyPad4", "KeyPadStar"]
    assert "SerialActuatorKeypad" in result.stdout


def test_press_of_an_unknown_key_is_bad_input(bench):
    result = rig(bench, "press", "desk-01", "Frob")
    assert "unknown key 'Frob'" in str(result.exception)


def test_console_follows_the_phones_console_for_a_while(bench):
    result = rig(bench, "console", "desk-01", "--for", "0.5")
    assert result.exit_code == 0, result.output
    assert "Trust List Update Failed" in result.stdout


def test_status_shows_poe_load_last_message_and_meter_per_phone(bench):
    result = rig(bench, "status")
    assert result.exit_code == 0, result.output
    desk1 = next(line for line in result.stdout.splitlines() if "desk-01" in line)
    for text in ("001D705F0001", "Gi1/0/1", "on 6.3 W", "jar42sccp.9-4-2ES26.sbn", "Load ID Ok", "6.30 W"):
        assert text in desk1
    desk2 = next(line for line in result.stdout.splitlines() if "desk-02" in line)
    assert desk2.count(" - ") >= 2  # no ip, no meter

