"""Every network read has a total time and size (issue 29, M2): a phone page or a SOAP answer
trickled a byte at a time ends at `timeouts.http`, an endless one at its size bound, and a read
abandoned by Ctrl-C ends within a slice instead of holding the process open."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from rig.drivers import bounded, phone_web, soap
from rig.drivers.direct_http import get
from rig.drivers.keypad import KeypadError
from rig.drivers.keypad_http import HttpKeypad
from rig.drivers.risport import RisPort, RisPortError
from rig.drivers.phone_web import PhoneWeb, PhoneWebError
from rig.preflight.run import _parallel
from rig.sim.tls import server_tls
from tests.trickle import GUARD_S, flooding_http, guarded, trickling_http
from tests.waiting import wait_for


def test_a_phone_page_trickled_a_byte_at_a_time_fails_at_the_http_timeout():
    with trickling_http() as peer:
        port = peer.port
        error = guarded(PhoneWeb("127.0.0.1", port=port, timeout=1.0, name="desk-7").device_info)
    assert isinstance(error, PhoneWebError)
    assert str(error).startswith(f"phone desk-7: http://127.0.0.1:{port}/DeviceInformationX: no complete answer within 1 s")


def test_a_page_trickling_its_headers_fails_the_same_way():
    with trickling_http(head=b"HTTP/1.0 200 OK\r\n" + b"X-Pad: " + b"p" * 200) as peer:
        error = guarded(PhoneWeb("127.0.0.1", port=peer.port, timeout=1.0, name="desk-7").network_config)
    assert isinstance(error, PhoneWebError) and "no complete answer within 1 s" in str(error)


def test_a_page_past_its_size_bound_fails_naming_the_bound(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(phone_web, "PAGE_LIMIT", 64 * 1024)
    with flooding_http(1024 * 1024) as port:
        error = guarded(PhoneWeb("127.0.0.1", port=port, timeout=30.0, name="desk-2").device_info)
    assert isinstance(error, PhoneWebError)
    assert "answer larger than 65536 bytes" in str(error)


def test_a_soap_answer_trickled_a_byte_at_a_time_fails_at_its_timeout():
    with trickling_http() as peer:
        url = f"http://127.0.0.1:{peer.port}/realtimeservice2/services/RISService70"
        error = guarded(lambda: soap.call(url, b"<x/>", action="selectCmDevice", auth=("ris", "pw"), verify=True,
                                          timeout=1.0))
    assert isinstance(error, soap.SoapError)
    assert str(error) == f"{url}: ReadTimeout: no complete answer within 1 s"


def test_a_soap_answer_past_its_size_bound_fails_naming_the_bound(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(soap, "ANSWER_LIMIT", 64 * 1024)
    with flooding_http(1024 * 1024) as port:
        url = f"http://127.0.0.1:{port}/axl/"
        error = guarded(lambda: soap.call(url, b"<x/>", action="listPhone", auth=("axl", "pw"), verify=True,
                                          timeout=30.0))
    assert isinstance(error, soap.SoapError) and "answer larger than 65536 bytes" in str(error)


def test_a_read_abandoned_on_ctrl_c_ends_at_its_next_slice_however_long_its_budget():
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            get(f"http://127.0.0.1:{port}/DeviceInformationX", timeout=100.0, limit=1024 * 1024)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome.append(error)

    with trickling_http() as peer:
        port = peer.port
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        wait_for(lambda: peer.connections, what="the read to connect")
        bounded.abandon_in_flight()
        wait_for(lambda: outcome, timeout=10.0, what="the abandoned read to end")
    assert isinstance(outcome[0], bounded.Abandoned)


def test_an_exchange_started_after_the_abandon_is_not_abandoned():
    bounded.abandon_in_flight()
    budget = bounded.Budget(5.0, 10)
    assert 0 < budget.slice() <= bounded.SLICE_S


def test_a_key_press_answered_a_byte_at_a_time_fails_at_the_timeout_and_is_sent_once():
    with trickling_http() as peer:
        pad = HttpKeypad("127.0.0.1", port=peer.port, username="admin", password="pw", timeout=1.0, name="desk-5")
        error = guarded(lambda: pad.press(["Settings"]))
    assert isinstance(error, KeypadError)
    assert str(error) == (f"phone desk-5 (127.0.0.1:{peer.port}) executing Key:Settings: no complete answer "
                          "within 1 s")
    assert peer.connections == 1


def test_a_risport_answer_trickled_over_tls_fails_at_the_timeout(tmp_path):
    tls = server_tls("127.0.0.1")
    ca = tmp_path / "ca.pem"
    ca.write_bytes(tls.ca_pem)
    with trickling_http(tls=tls.context) as peer:
        ris = RisPort("127.0.0.1", port=peer.port, username="ris", password="pw", verify=str(ca), timeout=1.0)
        error = guarded(lambda: ris.select(["SEP001D705F0000"]))
    assert isinstance(error, RisPortError)
    assert str(error).endswith("/realtimeservice2/services/RISService70: ReadTimeout: no complete answer within 1 s")


def _alarm(signum: int, frame: object) -> None:
    raise AssertionError(f"Ctrl-C still waiting for preflight's workers after {GUARD_S:g} s")


def test_ctrl_c_while_preflights_workers_read_ends_their_reads():
    """The main thread's KeyboardInterrupt abandons the workers' reads, so the pool it joins on
    the way out ends at their next slice instead of at their (here hour-long) budgets."""
    with trickling_http() as peer:
        def ctrl_c_once_connected() -> None:
            wait_for(lambda: peer.connections, what="the worker to connect")
            os.kill(os.getpid(), signal.SIGINT)

        read = lambda: get(f"http://127.0.0.1:{peer.port}/DeviceInformationX", timeout=3600.0, limit=1024)  # noqa: E731
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(int(GUARD_S))
        try:
            threading.Thread(target=ctrl_c_once_connected, daemon=True).start()
            with pytest.raises(KeyboardInterrupt):
                _parallel([read])
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
            bounded.abandon_in_flight()  # whatever happened, no reader outlives the test
