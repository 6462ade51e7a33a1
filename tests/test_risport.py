"""RisPort70: rig's client and the simulated CUCM's service, each read against the public WSDL,
and the service read by third-party clients (a plain zeep client, the `ciscoris` package)."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from rig.drivers.risport import (RisPort, RisPortAuthError, RisPortError, RisPortRateLimited, newest, parse_devices,
                             request_body)
from rig.sim.risport import SimRisPort

FIXTURE = Path(__file__).parent / "fixtures" / "real" / "risport" / "RISService70-12.5.wsdl"
PHONES = [
    ("SEP001D705F0000", "Registered", 0, "127.0.1.1", "SCCP42.9-4-2SR3-1S"),
    ("SEP001D705F0001", "UnRegistered", 1, "127.0.1.2", "SCCP42.8-5-4S"),
]


@pytest.fixture(autouse=True)
def _no_ca_bundle_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """requests lets $REQUESTS_CA_BUNDLE override a session's `verify`: third-party clients
    here set only the session's; zeep's WSDL cache goes to the test's directory."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))


def _service(host: str = "127.0.0.1", port: int = 0) -> SimRisPort:
    from rig.sim.risport import RisDevice

    devices = [RisDevice(name, status, reason, ip, load, str(1000 + i), f"desk-{i + 1:02d}", 1_700_000_000)
               for i, (name, status, reason, ip, load) in enumerate(PHONES)]
    return SimRisPort(lambda: devices, username="ris", password="ris-pw", host=host, port=port)


@pytest.fixture(scope="module")
def service():
    with _service() as running:
        yield running


@pytest.fixture
def ca(service: SimRisPort, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    path.write_bytes(service.ca_pem)
    return str(path)


def _client(service: SimRisPort, ca: str, **kw: object) -> RisPort:
    host, port = service.address
    return RisPort(host, port=port, username="ris", password="ris-pw", verify=ca, backoff=0.01, **kw)


def test_the_served_wsdl_is_the_public_one_with_its_address_where_it_was_reached(service, ca):
    host, port = service.address
    answer = requests.get(f"https://{host}:{port}/realtimeservice2/services/RISService70?wsdl",
                          auth=("ris", "ris-pw"), verify=ca)
    expected = FIXTURE.read_bytes().replace(b"https://localhost:8443", f"https://{host}:{port}".encode())
    assert answer.status_code == 200 and answer.content == expected


def test_rigs_request_validates_against_the_wsdl_and_its_answer_reads_back(service, ca):
    zeep = pytest.importorskip("zeep")
    from lxml import etree

    schema = zeep.Client(str(FIXTURE)).wsdl.types
    body = etree.fromstring(request_body(["SEP*"]))
    call = body.find(".//{http://schemas.cisco.com/ast/soap}selectCmDevice")
    parsed = schema.get_element("{http://schemas.cisco.com/ast/soap}selectCmDevice").parse(call, schema)
    assert parsed.CmSelectionCriteria.SelectItems.item[0].Item == "SEP*"
    devices = newest(_client(service, ca).select(["SEP*"]))
    assert devices["SEP001D705F0000"].registered and devices["SEP001D705F0000"].active_load_id == "SCCP42.9-4-2SR3-1S"
    assert (devices["SEP001D705F0001"].status, devices["SEP001D705F0001"].status_reason) == ("UnRegistered", 1)
    assert devices["SEP001D705F0001"].ip == "127.0.1.2"


def test_a_plain_zeep_client_built_from_the_served_wsdl_reads_the_answer(service, ca):
    zeep = pytest.importorskip("zeep")
    from zeep.transports import Transport

    host, port = service.address
    session = requests.Session()
    session.auth, session.verify = ("ris", "ris-pw"), ca
    client = zeep.Client(f"https://{host}:{port}/realtimeservice2/services/RISService70?wsdl",
                         transport=Transport(session=session))
    answer = client.service.selectCmDevice(StateInfo="", CmSelectionCriteria={
        "MaxReturnedDevices": 1000, "DeviceClass": "Phone", "Model": 255, "Status": "Registered",
        "NodeName": "", "SelectBy": "Name", "SelectItems": {"item": [{"Item": "SEP001D705F*"}]},
        "Protocol": "Any", "DownloadStatus": "Any"})
    result = answer.SelectCmDeviceResult
    device = result.CmNodes.item[0].CmDevices.item[0]
    assert result.TotalDevicesFound == 1
    assert (device.Name, device.Status, device.ActiveLoadID, device.IPAddress.item[0].IP) == (
        "SEP001D705F0000", "Registered", "SCCP42.9-4-2SR3-1S", "127.0.1.1")


def _own_loopback_address() -> str:
    """A loopback address of this process's own (from its pid), so that two test runs at once
    (two pytest-xdist workers, CI and a developer) never both bind the same address's port 8443."""
    pid = os.getpid()
    return f"127.86.{pid >> 8 & 255}.{pid & 255 or 1}"


def test_the_ciscoris_package_reads_it_unchanged():
    ciscoris = pytest.importorskip("ciscoris")
    host = _own_loopback_address()
    with _service(host=host, port=8443) as running:  # ciscoris always asks port 8443
        client = ciscoris.ris("ris", "ris-pw", host, "12.5")
        result = client.get_devices(MaxReturnedDevices=1000, DeviceClass="Phone", Model=255, Status="Any",
                                    NodeName="", SelectBy="Name",
                                    SelectItems={"item": {"Item": "SEP001D705F0001,SEP001D705F0000"}},
                                    Protocol="Any", DownloadStatus="Any")
        assert running.requests_received() == ["selectCmDeviceExt"]
    names = sorted(d.Name for d in result.CmNodes.item[0].CmDevices.item)
    assert names == ["SEP001D705F0000", "SEP001D705F0001"]


def test_rate_control_is_waited_out_then_reported_when_it_persists(service, ca):
    waits: list[float] = []
    client = _client(service, ca, retries=2, sleep=waits.append)
    service.set_rate_control(2)
    assert len(client.select(["SEP001D705F0000"])) == 1
    assert client.rate_limited == 2 and waits == [0.01, 0.02]
    service.set_rate_control(3)
    with pytest.raises(RisPortRateLimited, match="Exceeded allowed rate"):
        client.select(["SEP001D705F0000"])
    service.set_rate_control(0)


def test_wrong_credentials_and_an_untrusted_certificate_are_named(service, ca):
    host, port = service.address
    with pytest.raises(RisPortAuthError, match="401"):
        RisPort(host, port=port, username="ris", password="wrong", verify=ca).select(["*"])
    with pytest.raises(RisPortError, match="ca_bundle"):
        RisPort(host, port=port, username="ris", password="ris-pw", verify=True).select(["*"])


def test_an_empty_answer_has_no_devices():
    empty = (b"<?xml version='1.0' encoding='utf-8'?><soapenv:Envelope xmlns:soapenv="
             b'"http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns1:selectCmDeviceResponse '
             b'xmlns:ns1="http://schemas.cisco.com/ast/soap"><ns1:selectCmDeviceReturn><ns1:SelectCmDeviceResult>'
             b"<ns1:TotalDevicesFound>0</ns1:TotalDevicesFound><ns1:CmNodes xmlns:xsi="
             b'"http://www.w3.org/2001/XMLSchema-instance" xsi:nil="1" /></ns1:SelectCmDeviceResult>'
             b"<ns1:StateInfo></ns1:StateInfo></ns1:selectCmDeviceReturn></ns1:selectCmDeviceResponse>"
             b"</soapenv:Body></soapenv:Envelope>")
    assert parse_devices(ET.fromstring(empty)) == []


def test_axl_list_phone_on_the_same_server_gives_names_models_and_device_pools(service, ca):
    from rig.drivers.axl import Axl, AxlError

    host, port = service.address
    axl = Axl(host, port=port, username="ris", password="ris-pw", verify=ca)
    phones = axl.list_phones("sep001d705f000%", "Default")
    assert [(p.name, p.model, p.device_pool, p.description) for p in phones] == [
        ("SEP001D705F0000", "Cisco 7942", "Default", "desk-01"), ("SEP001D705F0001", "Cisco 7942", "Default", "desk-02")]
    assert axl.list_phones("SEP001D705F0001")[0].name == "SEP001D705F0001"
    assert axl.list_phones("%", "Branch-DP") == []
    with pytest.raises(AxlError, match="401"):
        Axl(host, port=port, username="ris", password="wrong", verify=ca).list_phones()
