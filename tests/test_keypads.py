"""The three keypad backends against real peers on loopback: an HTTP server answering as a 7942's
/CGI/Execute does, the simulated actuator board over pyserial socket://, and a pty for the operator."""

from __future__ import annotations

import base64
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rig.drivers.keypad import KEY_NAMES, KeypadAuthError, KeypadError
from rig.drivers.keypad_http import HttpKeypad
from rig.drivers.keypad_operator import OperatorKeypad
from rig.drivers.operator import Ask, NoOperator
from rig.drivers.keypad_serial import NoAnswer, SerialActuatorKeypad, board_line
from rig.drivers.phone_web import WebPaths
from rig.sim.actuator import SimActuator
from tests.descriptors import held_past
from tests.operators import ScriptedOperator

PASSWORD = "s3cret-pw"


class ExecutePeer(BaseHTTPRequestHandler):
    """Answers /CGI/Execute like a 7942 whose authentication URL accepts `admin`/PASSWORD."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        self.server.requests.append((time.monotonic(), form["XML"][0]))
        expected = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
        if self.server.answer is not None:
            body = self.server.answer
        elif self.server.stale_auth or self.headers.get("Authorization") != expected:
            body = '<?xml version="1.0" encoding="utf-8"?>\n<CiscoIPPhoneError Number="4" />'
        elif form["XML"][0].count("<ExecuteItem") > 3:
            body = '<CiscoIPPhoneError Number="1" />'
        else:
            urls = [u.split('"')[0] for u in form["XML"][0].split('URL="')[1:]]
            items = "".join(f'<ResponseItem URL="{u}" Data="Success" Status="0"/>' for u in urls)
            body = f'<?xml version="1.0" encoding="utf-8"?>\n<CiscoIPPhoneResponse>{items}</CiscoIPPhoneResponse>'
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def phone_http():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ExecutePeer)
    server.requests, server.stale_auth, server.answer = [], False, None
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def http_keypad(server, password: str = PASSWORD) -> HttpKeypad:
    host, port = server.server_address
    return HttpKeypad(host, port=port, username="admin", password=password, timeout=2, name="desk-12")


def test_key_names_are_the_phones_key_uri_names():
    assert {"Settings", "KeyPad4", "KeyPadStar", "KeyPadPound", "Soft4", "NavSelect"} <= KEY_NAMES


def test_http_keypad_sends_one_key_per_request_with_the_gap_between(phone_http):
    http_keypad(phone_http).press(["Settings", "KeyPad4"], gap=0.1)
    (t1, first), (t2, second) = phone_http.requests
    assert first == '<CiscoIPPhoneExecute><ExecuteItem Priority="0" URL="Key:Settings"/></CiscoIPPhoneExecute>'
    assert 'URL="Key:KeyPad4"' in second and t2 - t1 >= 0.09


def test_http_keypad_batches_at_most_three_keys_when_gap_is_zero(phone_http):
    http_keypad(phone_http).press(["KeyPadStar", "KeyPadStar", "KeyPadPound", "Soft4"], gap=0)
    assert [xml.count("<ExecuteItem") for _, xml in phone_http.requests] == [3, 1]


def test_error_4_is_an_auth_error_that_names_both_possible_causes(phone_http):
    phone_http.stale_auth = True
    with pytest.raises(KeypadAuthError) as caught:
        http_keypad(phone_http).press(["Settings"])
    message = str(caught.value)
    assert "desk-12" in message and "CiscoIPPhoneError 4" in message
    assert "password is wrong" in message and "old authentication URL" in message, "never the ITL alone"
    assert "serial_actuator" in message and "operator" in message and PASSWORD not in message


# The answers below are shaped as the IP Phone Services Application Development Notes define
# them (CiscoIPPhoneResponse / CiscoIPPhoneError): Status is the result code, Data free text.
@pytest.mark.parametrize("data", ["Success", "", "Key:Settings done"])
def test_status_0_is_success_whatever_data_holds(phone_http, data):
    phone_http.answer = f'<CiscoIPPhoneResponse><ResponseItem URL="Key:Settings" Data="{data}" Status="0"/></CiscoIPPhoneResponse>'
    http_keypad(phone_http).press(["Settings"])


def test_a_non_zero_status_is_a_keypad_error_quoting_it(phone_http):
    phone_http.answer = '<CiscoIPPhoneResponse><ResponseItem URL="Key:Settings" Data="Success" Status="6"/></CiscoIPPhoneResponse>'
    with pytest.raises(KeypadError, match=r"Status '6' Data 'Success'") as caught:
        http_keypad(phone_http).press(["Settings"])
    assert not isinstance(caught.value, KeypadAuthError)


@pytest.mark.parametrize(("number", "meaning"), [(1, "parsing"), (2, "framing"), (3, "internal file")])
def test_errors_1_to_3_are_request_errors_not_auth_errors(phone_http, number, meaning):
    phone_http.answer = f'<CiscoIPPhoneError Number="{number}" />'
    with pytest.raises(KeypadError, match=f"request refused, CiscoIPPhoneError {number} .*{meaning}") as caught:
        http_keypad(phone_http).press(["Settings"])
    assert not isinstance(caught.value, KeypadAuthError)


def test_init_is_executed_alone_before_the_first_key(phone_http):
    http_keypad(phone_http).press(["Settings", "KeyPad4"], gap=0, init="Init:Settings")
    sent = [xml for _, xml in phone_http.requests]
    assert sent == [
        '<CiscoIPPhoneExecute><ExecuteItem Priority="0" URL="Init:Settings"/></CiscoIPPhoneExecute>',
        '<CiscoIPPhoneExecute><ExecuteItem Priority="0" URL="Key:Settings"/>'
        '<ExecuteItem Priority="0" URL="Key:KeyPad4"/></CiscoIPPhoneExecute>',
    ]


def test_without_init_nothing_but_keys_is_sent(phone_http):
    http_keypad(phone_http).press(["Settings"])
    assert "Init:" not in phone_http.requests[0][1]


@pytest.mark.parametrize("bad", ["Key:Settings", "Init:", "Init:Settings\"/><x", "Settings"])
def test_an_init_that_is_no_init_uri_is_refused_before_anything_is_sent(phone_http, bad):
    with pytest.raises(KeypadError, match="not an Init: URI"):
        http_keypad(phone_http).press(["Settings"], init=bad)
    assert phone_http.requests == []


def test_the_execute_path_comes_from_web_paths(phone_http):
    host, port = phone_http.server_address
    keypad = HttpKeypad(host, port=port, username="admin", password=PASSWORD, paths=WebPaths(execute="/other"))
    assert keypad.url == f"http://{host}:{port}/other"


def test_wrong_password_is_an_auth_error_without_the_password(phone_http):
    with pytest.raises(KeypadAuthError) as caught:
        http_keypad(phone_http, password="wrong-pw").press(["Settings"])
    assert "wrong-pw" not in str(caught.value)


def test_unknown_keys_are_refused_before_anything_is_sent(phone_http):
    with pytest.raises(KeypadError, match="'Frob'"):
        http_keypad(phone_http).press(["Settings", "Frob"])
    assert phone_http.requests == []


def test_unreachable_phone_names_phone_and_host():
    keypad = HttpKeypad("127.0.0.1", port=1, username="admin", password=PASSWORD, timeout=1, name="desk-12")
    with pytest.raises(KeypadError, match=r"desk-12 \(127\.0\.0\.1:1\).*cannot connect") as caught:
        keypad.press(["Settings"])
    assert PASSWORD not in str(caught.value)


class Keys:
    def __init__(self, name: str) -> None:
        self.name = name
        self.pressed: list[str] = []

    def press_key(self, key: str) -> None:
        if key not in KEY_NAMES:
            raise ValueError(key)
        self.pressed.append(key)


@pytest.fixture
def board():
    phones = {"desk-1": Keys("desk-1"), "desk-2": Keys("desk-2")}
    with SimActuator(phones) as sim:
        yield sim, phones


def board_url(sim: SimActuator) -> str:
    host, port = sim.address
    return f"socket://{host}:{port}"


def test_serial_actuator_presses_keys_on_its_target_only(board):
    sim, phones = board
    SerialActuatorKeypad(board_url(sim), target="desk-2", press_ms=20, name="desk-2").press(
        ["Settings", "KeyPad4"], gap=0
    )
    assert phones["desk-2"].pressed == ["Settings", "KeyPad4"] and phones["desk-1"].pressed == []


def test_keypads_on_one_board_share_its_line_safely_from_many_threads(board):
    sim, phones = board
    pads = [SerialActuatorKeypad(board_url(sim), target=t, press_ms=10) for t in ("desk-1", "desk-2")]
    threads = [threading.Thread(target=p.press, args=(["KeyPad1", "KeyPad2", "KeyPad3"], 0)) for p in pads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert phones["desk-1"].pressed == phones["desk-2"].pressed == ["KeyPad1", "KeyPad2", "KeyPad3"]


def test_board_refusal_names_phone_key_and_reason(board):
    sim, _ = board
    with pytest.raises(KeypadError, match="phone desk-9: .* refused key Settings: unknown target desk-9"):
        SerialActuatorKeypad(board_url(sim), target="desk-9", name="desk-9").press(["Settings"])


def test_serial_keypad_reconnects_once_when_the_board_restarts(board):
    sim, phones = board
    url = board_url(sim)
    pad = SerialActuatorKeypad(url, target="desk-1", press_ms=10)
    pad.press(["KeyPad1"])
    host, port = sim.address
    sim.stop()
    with SimActuator(phones, host, port):
        pad.press(["KeyPad2"])
    assert phones["desk-1"].pressed == ["KeyPad1", "KeyPad2"]


def test_serial_keypad_reports_a_board_that_is_gone(board):
    sim, _ = board
    url = board_url(sim)
    sim.stop()
    with pytest.raises(KeypadError, match=f"actuator board {url} unreachable pressing Settings"):
        SerialActuatorKeypad(url, target="desk-1").press(["Settings"])


def test_a_board_answer_that_comes_too_late_is_not_taken_for_the_next_commands(board):
    sim, _ = board
    line = board_line(board_url(sim))
    with line.lock:
        with pytest.raises(NoAnswer):
            line.exchange("PRESS desk-1 Settings 200", timeout=0.05)  # the board answers OK at 0.2 s
        time.sleep(0.3)
        assert line.exchange("PING", timeout=2) == "PONG"


def test_a_board_opened_past_descriptor_1024_still_presses(board):
    """pyserial's socket:// port cannot open a descriptor past 1024 (it selects on it)."""
    sim, phones = board
    line = board_line(board_url(sim))
    with line.lock:
        line.close()  # an earlier test's connection would be reused
    with held_past(1100):
        SerialActuatorKeypad(board_url(sim), target="desk-1", press_ms=10).press(["KeyPad5"])
    assert phones["desk-1"].pressed == ["KeyPad5"]


def test_operator_keypad_asks_key_by_key_with_human_labels_and_their_place():
    operator = ScriptedOperator()
    OperatorKeypad("desk-12 (SEP001D705F9EA8)", operator).press(["Settings", "KeyPadStar", "Soft4"])
    assert operator.asked == [Ask("desk-12 (SEP001D705F9EA8)", "press Settings", 1, 3),
                              Ask("desk-12 (SEP001D705F9EA8)", "press *", 2, 3),
                              Ask("desk-12 (SEP001D705F9EA8)", "press softkey 4", 3, 3)]


def test_operator_keypad_with_nobody_to_ask_is_a_keypad_error():
    with pytest.raises(KeypadError, match="operator keypad: phone desk-12: press Settings: needs a technician"):
        OperatorKeypad("desk-12", NoOperator()).press(["Settings"])


def test_open_app_on_the_web_keypad_executes_its_init_uri_alone(phone_http):
    http_keypad(phone_http).open_app("Settings")
    assert [xml for _, xml in phone_http.requests] == [
        '<CiscoIPPhoneExecute><ExecuteItem Priority="0" URL="Init:Settings"/></CiscoIPPhoneExecute>']


def test_each_backend_declares_whether_its_keys_go_through_the_phones_web_server():
    operator = ScriptedOperator()
    solenoid, person = SerialActuatorKeypad("socket://127.0.0.1:9", target="desk-1"), OperatorKeypad("desk-1", operator)
    assert HttpKeypad("127.0.0.1", username="u", password="p").through_phone_web
    assert not solenoid.through_phone_web and not person.through_phone_web
    solenoid.open_app("Settings")  # nothing to send: no line is even opened
    person.open_app("Settings")
    assert operator.asked == []
