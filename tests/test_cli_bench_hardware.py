"""`rig power|press|console|status` against a bench assembled from real servers on loopback:
the simulated IOS switch (SSH), key actuator board and SCPI meter, an HTTP peer answering as a
7942 with a stale authentication URL, and a console server port."""

from __future__ import annotations

import os
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import paramiko
import pytest
import yaml
from typer.testing import CliRunner

from rig.cli import app
from rig.record.lease import LeaseSet
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


@pytest.fixture(autouse=True)
def _leases_in_tmp(tmp_path, monkeypatch):
    """`rig power` and `rig press` take the phone's lease: keep lease files out of the home directory."""
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    monkeypatch.chdir(tmp_path)  # and the journals of `rig power off|cycle` (./runs) out of the repository


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
    assert "(serial_actuator)" in result.stdout


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
    # the load as the phone family's profile reads it: versionID without its decoration, not the
    # appLoadID image (jar42sccp...sbn) the real 7962G capture also carries
    for text in ("001D705F0001", "Gi1/0/1", "on 6.3 W", "SCCP42.9-4-2SR3-1S", "Load ID Ok", "6.30 W"):
        assert text in desk1
    desk2 = next(line for line in result.stdout.splitlines() if "desk-02" in line)
    assert desk2.count(" - ") >= 2  # no ip, no meter



def _with(bench: dict, tmp_path, **switch: object):
    """The bench's config with the switch's settings changed."""
    config = yaml.safe_load(bench["config"].read_text())
    config["switches"]["sw1"].update(switch)
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_status_exits_1_when_the_switch_refuses_its_login(bench, tmp_path):
    result = CliRunner().invoke(app, ["--config", str(_with(bench, tmp_path, password="wrong")), "status"])
    assert result.exit_code == 1
    assert "sw1" in result.stderr and "desk-01" in result.stdout  # the table is still shown


def test_status_exits_1_when_the_switch_offers_an_unknown_host_key(bench, tmp_path):
    (tmp_path / "empty_known_hosts").write_text("")
    changed = _with(bench, tmp_path, known_hosts=str(tmp_path / "empty_known_hosts"))
    result = CliRunner().invoke(app, ["--config", str(changed), "status"])
    assert result.exit_code == 1 and "sw1" in result.stderr


def rig_process(bench: dict, lease_dir, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m rig` as a user runs it (exit codes and stderr as the shell sees them)."""
    env = {**os.environ, "RIG_LEASE_DIR": str(lease_dir)}
    return subprocess.run([sys.executable, "-m", "rig", "--config", str(bench["config"]), *args],
                          capture_output=True, text=True, env=env, cwd=lease_dir, timeout=60)


@pytest.fixture
def leased(tmp_path):
    """desk-01 leased by a live run of another process (this host, a pid that exists)."""
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    leases = LeaseSet("cli-hw", ["desk-01"], "20261125-090001-erase", ttl=60, lease_dir=tmp_path, pid=holder.pid)
    leases.acquire()
    yield holder
    leases.release()
    holder.kill()
    holder.wait()


@pytest.mark.parametrize("command", [["power", "cycle", "desk-01"], ["press", "desk-01", "Settings"]])
def test_power_and_press_refuse_a_phone_leased_by_a_live_run_naming_the_holder(bench, leased, tmp_path, command):
    before = list(bench["devices"]["Gi1/0/1"].calls), list(bench["keys"].pressed)
    result = rig_process(bench, tmp_path, *command)
    assert result.returncode == 2
    assert f"pid {leased.pid}, run 20261125-090001-erase" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (bench["devices"]["Gi1/0/1"].calls, bench["keys"].pressed) == before


def test_a_process_started_by_the_run_holding_the_lease_may_press_its_phone(bench, tmp_path):
    with LeaseSet("cli-hw", ["desk-01"], "20261125-090001-erase", ttl=60, lease_dir=tmp_path):  # this process
        result = rig_process(bench, tmp_path, "press", "desk-01", "Settings")
    assert result.returncode == 0, result.stderr
    assert bench["keys"].pressed[-1] == "Settings"
