"""The redactor of diagnostics bundles: every MAC spelling of one address gets one pseudonym in
its own spelling, addresses and names are replaced consistently, secrets become `<secret>`,
what is not an identifier is left alone, and a PNG keeps only the chunks that draw it."""

from __future__ import annotations

import zlib

from rig.bench.build import Bench
from rig.config.lab import load_config
from rig.diagnostics.collect import configured_identifiers, strip_png
from rig.diagnostics.redact import Known, Redactor


def redactor(**values: list[str]) -> Redactor:
    known = Known()
    for kind, listed in values.items():
        known.add(kind.replace("_", " "), *listed)
    return Redactor(known)


def test_every_spelling_of_one_mac_gets_the_same_pseudonym_in_that_spelling():
    r = redactor(mac=["001D705F0001"])
    text = "SEP001D705F0001 001d.705f.0001 00:1d:70:5f:00:01 00-1D-70-5F-00-01 ITLSEP001D705F0001.tlv"
    assert r.text(text) == ("SEP020000000001 0200.0000.0001 02:00:00:00:00:01 02-00-00-00-00-01 "
                            "ITLSEP020000000001.tlv")
    assert r.counts() == {"mac": {"values": 1, "occurrences": 5}}


def test_an_unconfigured_mac_is_still_a_mac_but_twelve_digits_alone_are_not():
    r = redactor()
    assert r.text("neighbour 00:aa:bb:cc:dd:ee at 202612072100") == "neighbour 02:00:00:00:00:01 at 202612072100"
    assert r.text("SEP112233445566") == "SEP020000000002"


def test_addresses_are_replaced_consistently_and_masks_are_kept():
    r = redactor()
    assert r.text("10.1.2.3 via 10.1.2.1 mask 255.255.255.0; 10.1.2.3 again") == (
        "192.0.2.1 via 192.0.2.2 mask 255.255.255.0; 192.0.2.1 again")
    assert r.text("SCCP42.9-4-2SR3-1S and IOS 15.2(2)E5") == "SCCP42.9-4-2SR3-1S and IOS 15.2(2)E5"


def test_names_users_directories_and_secrets_are_replaced_as_words_only():
    r = redactor(hostname=["cucm-pub.example.net"], user=["admin"], secret=["hunter22"], phone_name=["desk-7"],
                 directory=["/srv/lab"])
    text = "CN=cucm-pub.example.net; user admin (administrators) pw hunter22 desk-7 /srv/lab/runs /home/alice/x"
    assert r.text(text) == ("CN=hostname-1; user user-1 (administrators) pw <secret> phone-1 /redacted-dir-1/runs "
                            "/home/user-2/x")


def test_bytes_are_redacted_as_bytes_whatever_they_are():
    r = redactor(hostname=["cucm-pub"])
    assert r.data(b"\x00\xffcucm-pub\x13\x80") == b"\x00\xffhostname-1\x13\x80"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def test_a_png_keeps_only_the_chunks_that_draw_it():
    header = _chunk(b"IHDR", bytes(13))
    png = (b"\x89PNG\r\n\x1a\n" + header + _chunk(b"tEXt", b"Comment\x00SEP001D705F0001")
           + _chunk(b"IDAT", b"pixels") + _chunk(b"IEND", b""))
    assert strip_png(png) == b"\x89PNG\r\n\x1a\n" + header + _chunk(b"IDAT", b"pixels") + _chunk(b"IEND", b"")


BENCH = """
bench: lab-b3
switches:
  sw-b3-1: {host: sw-b3-1.lab.example, username: rigbot, password_env: RIG_TEST_SWITCH_PASSWORD}
cucm:
  tftp: {host: cucm-pub.lab.example, port: 69}
  expected_load: SCCP42.9-4-2SR3-1S
tftp_tap:
  listen: {host: tap-host.lab.example, port: 69}
instruments:
  meter1: {resource: "TCPIP::meter.lab.example::5025::SOCKET"}
phones:
  - name: desk-01
    mac: 001D.705F.9EA8
    switch: sw-b3-1
    port: Gi1/0/5
    ip: 10.20.31.41
    console: rfc2217://ts1.lab.example:7001
    keypad:
      - {backend: http_execute, username: phoneadmin, password_env: RIG_TEST_PHONE_PASSWORD}
      - {backend: serial_actuator, url: "socket://board.lab.example:4001", target: head-01}
    power_meter: {instrument: meter1, channel: 1}
"""


def test_every_host_user_and_secret_of_the_config_is_an_identifier(tmp_path, monkeypatch):
    monkeypatch.setenv("RIG_TEST_SWITCH_PASSWORD", "switch-pass-1")
    monkeypatch.setenv("RIG_TEST_PHONE_PASSWORD", "phone-pass-2")
    path = tmp_path / "bench.yaml"
    path.write_text(BENCH)
    known = configured_identifiers(Bench(load_config(path)), tmp_path / "runs").values
    assert known["hostname"] >= {"sw-b3-1", "sw-b3-1.lab.example", "cucm-pub.lab.example", "tap-host.lab.example",
                                 "meter.lab.example", "ts1.lab.example", "board.lab.example"}
    assert known["user"] >= {"rigbot", "phoneadmin"} and known["secret"] == {"switch-pass-1", "phone-pass-2"}
    assert known["mac"] == {"001D705F9EA8"} and known["ip"] == {"10.20.31.41"} and known["bench"] == {"lab-b3"}
    assert str(tmp_path / "runs") in known["directory"]
