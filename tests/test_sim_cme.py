"""The simulated CUCME router as other people's clients see it: netmiko reads `show ephone` over
SSH, tftpy fetches the unsigned configs `create cnf-files` makes, and rig's own driver
(rig.drivers.cme) reads who registered. A phone registers by calling `register(mac, ip)`."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import tftpy
from netmiko import BaseConnection, ConnectHandler

from rig.drivers.cme import CmeAuthError, CmeCommandError, CmeRouter, Ephone, parse_ephones
from rig.drivers.ios_switch import IosSwitch
from rig.sim.cme import DEFAULT_LOGIN, SimCme
from rig.sim.cme_cli import CmeSession
from tests.sim_helpers import tftp_get

PHONES = [("desk-01", "001D705F0001"), ("desk-02", "00:1d:70:5f:00:02"), ("desk-03", "001d.705f.0003")]
USER, PASSWORD = DEFAULT_LOGIN


@pytest.fixture(scope="module")
def cme() -> Iterator[SimCme]:
    with SimCme(PHONES, hostname="cme1", authentication_url="http://127.0.0.1:8080/auth") as router:
        yield router


@pytest.fixture(autouse=True)
def nobody_registered(cme: SimCme) -> Iterator[None]:
    yield
    for _, mac in PHONES:
        cme.unregister(mac)


@pytest.fixture
def netmiko_conn(cme: SimCme) -> Iterator[BaseConnection]:
    host, port = cme.ssh_address
    conn = ConnectHandler(device_type="cisco_ios", host=host, port=port, username=USER, password=PASSWORD,
                          use_keys=False, allow_agent=False, fast_cli=True)
    yield conn
    conn.disconnect()


def session(router: SimCme, tmp_path: Path, *, password: str = PASSWORD, **settings: object) -> IosSwitch:
    """An SSH session to the simulated router, its host key known (a known_hosts file in tmp_path)."""
    host, port = router.ssh_address
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[{host}]:{port} {router.host_key.get_name()} {router.host_key.get_base64()}\n")
    return IosSwitch(router.state.hostname, host, USER, port=port, password=password,
                     known_hosts=str(known_hosts), timeout=5.0, **settings)  # type: ignore[arg-type]


@pytest.fixture
def router(cme: SimCme, tmp_path: Path) -> Iterator[CmeRouter]:
    with CmeRouter(session(cme, tmp_path)) as r:
        yield r


# --- IOS over SSH -----------------------------------------------------------------------


def test_netmiko_reads_only_the_registered_phones_in_show_ephone_registered(cme, netmiko_conn):
    cme.register("001D705F0002", "127.0.0.12")
    text = netmiko_conn.send_command("show ephone registered")
    assert re.fullmatch(r"ephone-2\[1\] Mac:001D\.705F\.0002 TCP socket:\[\d+\] activeLine:0 whisperLine:0 "
                        r"REGISTERED in SCCP ver 17/12 max_streams=5", text.splitlines()[0])
    assert text.splitlines()[1:4] == [
        "mediaActive:0 whisper_mediaActive:0 startMedia:0 offhook:0 ringing:0 reset:0 reset_sent:0 paging 0 debug:0"
        " caps:9",
        "IP:127.0.0.12 49154 7942  keepalive 1 max_line 2 available_line 2",
        "button 1: dn 2  number 1002 CH1   IDLE         CH2   IDLE",
    ]
    assert "ephone-1" not in text and "ephone-3" not in text


def test_the_summary_lists_every_ephone_and_counts_them(cme, netmiko_conn):
    cme.register("001D705F0003", "127.0.0.13")
    text = netmiko_conn.send_command("sh ephone summ")
    assert "ephone-1 Mac:001D.705F.0001 TCP socket:[-1] activeLine:0 UNREGISTERED" in text
    assert "IP:127.0.0.13 7942  keepalive 1  1:3" in text
    assert "Max 3, Registered 1, Unregistered 2, Deceased 0, Sockets 1" in text.splitlines()


def test_a_wrong_command_gets_the_caret_and_ios_error(netmiko_conn):
    text = netmiko_conn.send_command("show ephone bogus")
    assert "% Invalid input detected at '^' marker." in text


def test_a_phone_that_went_away_is_no_longer_registered(cme, netmiko_conn):
    cme.register("001D705F0001", "127.0.0.11")
    cme.unregister("001d.705f.0001")
    assert netmiko_conn.send_command("show ephone registered").strip() == ""
    assert "ephone-1[0] Mac:001D.705F.0001 TCP socket:[-1]" in netmiko_conn.send_command("show ephone unregistered")


def test_only_configured_phones_register():
    router = SimCme(PHONES)
    with pytest.raises(ValueError, match="no ephone"):
        router.register("001D705F00FF", "127.0.0.99")


def test_the_router_binds_loopback_only():
    with pytest.raises(ValueError, match="loopback"):
        SimCme(PHONES, host="192.168.1.1")


# --- rig's driver -----------------------------------------------------------------------


def test_the_driver_reads_the_registrations_the_router_holds(cme, router):
    assert router.registered() == []
    cme.register("001D705F0001", "127.0.0.11", port=40001)
    cme.register("001D705F0003", "127.0.0.13")
    first, third = router.registered()
    assert first == Ephone(tag=1, mac="001D705F0001", state="REGISTERED", ip="127.0.0.11", socket=first.socket,
                           model="7942", dns=(1,), numbers=("1001",))
    assert (first.tag, first.mac, first.ip, first.numbers) == (1, "001D705F0001", "127.0.0.11", ("1001",))
    assert (third.tag, third.ip, third.numbers, third.model) == (3, "127.0.0.13", ("1003",), "7942")
    assert router.registration("00:1d:70:5f:00:03") == third
    assert router.registration("001D705F0002") is None
    assert "show ephone registered" in cme.commands_received()


def test_the_driver_reads_every_ephone_from_the_summary(cme, router):
    cme.register("001D705F0002", "127.0.0.12")
    assert [(e.tag, e.registered, e.ip, e.dns) for e in router.ephones()] == [
        (1, False, None, (1,)), (2, True, "127.0.0.12", (2,)), (3, False, None, (3,))]


def test_a_router_refusing_show_ephone_registered_is_read_from_the_summary(cme, router, monkeypatch):
    cme.register("001D705F0002", "127.0.0.12")
    real_show = router.show

    def refuses_registered(command: str) -> str:
        if command == "show ephone registered":
            raise CmeCommandError("cme1", command, "% Invalid input detected at '^' marker.")
        return real_show(command)

    monkeypatch.setattr(router, "show", refuses_registered)
    assert [(e.mac, e.ip) for e in router.registered()] == [("001D705F0002", "127.0.0.12")]


def test_the_driver_refuses_anything_but_a_show_command_unsent(cme, router):
    with pytest.raises(CmeCommandError, match="only a single `show` command"):
        router.show("configure terminal")
    assert "configure terminal" not in cme.commands_received()


def test_a_wrong_password_is_an_authentication_error_naming_the_router(cme, tmp_path):
    with pytest.raises(CmeAuthError, match="CME router cme1: login") as refused:
        CmeRouter(session(cme, tmp_path, password="typo-s3cr3t")).connect()
    assert "typo-s3cr3t" not in str(refused.value) and refused.value.part == "cme"


# --- TFTP after `create cnf-files` -------------------------------------------------------


def test_each_phone_fetches_an_unsigned_config_naming_the_router(cme):
    data = tftp_get(cme.tftp_address, "SEP001D705F0002.cnf.xml")
    root = ET.fromstring(data)
    assert root.tag == "device"
    assert root.findtext(".//processNodeName") == "127.0.0.1"
    assert root.findtext(".//ethernetPhonePort") == "2000"
    assert root.findtext("loadInformation") == cme.settings.load_id
    assert root.findtext("authenticationURL") == "http://127.0.0.1:8080/auth"
    assert root.findtext("vendorConfig/webAccess") == "0"
    assert data == cme.files()["SEP001D705F0002.cnf.xml"]


def test_the_default_config_and_the_load_are_served_too(cme):
    assert ET.fromstring(tftp_get(cme.tftp_address, "XMLDefault.cnf.xml")).tag == "Default"
    assert tftp_get(cme.tftp_address, f"{cme.settings.load_id}.loads").startswith(b"load ")


@pytest.mark.parametrize("name", ["ITLSEP001D705F0002.tlv", "CTLSEP001D705F0002.tlv", "ITLFile.tlv",
                                  "SEP001D705F0002.cnf.xml.sgn", "SEP001D705F00FF.cnf.xml"])
def test_no_trust_list_no_signed_config_and_no_config_for_a_stranger(cme, name, tmp_path):
    with pytest.raises(tftpy.TftpException):
        tftpy.TftpClient(*cme.tftp_address).download(name, str(tmp_path / "out"), timeout=1.0)
    assert (cme.tftp_address[0], name, False) in [(r.client, r.file, r.served) for r in cme.reads()]


def test_the_tftp_bindings_list_what_is_served(netmiko_conn):
    text = netmiko_conn.send_command("show telephony-service tftp-bindings")
    assert text.splitlines() == [
        "tftp-server system:/its/XMLDefault.cnf.xml alias XMLDefault.cnf.xml",
        "tftp-server system:/its/SEP001D705F0001.cnf.xml",
        "tftp-server system:/its/SEP001D705F0002.cnf.xml",
        "tftp-server system:/its/SEP001D705F0003.cnf.xml",
    ]


def test_the_simulated_output_reads_like_the_real_captures(cme):
    """The driver's parser, proven on real output (tests/test_cme_driver.py), reads the simulated
    blocks field for field: the layouts agree."""
    cme.register("001D705F0001", "127.0.0.11")
    session = CmeSession(cme.state, enable_secret=None)
    (phone,) = parse_ephones(session.handle("show ephone registered").text)
    assert (phone.state, phone.socket > 0, phone.model, phone.dns, phone.numbers) == (
        "REGISTERED", True, "7942", (1,), ("1001",))


def test_the_simulated_phone_reads_the_routers_config_as_it_reads_cucms(cme):
    """The simulated phone's config reader takes CME's unsigned file: the router to register with,
    the load, the authentication URL and web access (wiring a phone to SimCme needs no new reader)."""
    from rig.sim.device_config import DeviceConfig

    config = DeviceConfig.parse(cme.files()["SEP001D705F0001.cnf.xml"], "SEP001D705F0001.cnf.xml")
    assert (config.device_name, config.call_manager, config.load_id, config.authentication_url, config.web_access) == (
        "SEP001D705F0001", "127.0.0.1", cme.settings.load_id, "http://127.0.0.1:8080/auth", True)


def test_a_router_with_an_enable_secret_is_read_after_enable(tmp_path):
    with SimCme(PHONES[:1], hostname="cme2", enable_secret="en-s3cret") as guarded:
        guarded.register("001D705F0001", "127.0.0.11")
        with CmeRouter(session(guarded, tmp_path, enable_secret="en-s3cret")) as router:
            assert [e.mac for e in router.registered()] == ["001D705F0001"]
        assert "en-s3cret" not in guarded.commands_received() and "enable" in guarded.commands_received()
