"""SimCucm as a TFTP client and a browser see it: real UDP TFTP, real HTTP, files that verify."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import tftpy
from cryptography import x509

from rig.sim.clock import SimClock
from rig.sim.cucm import SimCucm
from rig.sim.device_config import DeviceConfig
from rig.sim.loads import IMAGES_9_4_2, LoadFile
from rig.sim.pki import ClusterPki
from rig.trust import parse, verify
from tests.sim_helpers import IMAGE_BYTES, NEW_LOAD, PASSWORD, USER, direct_session, mac_of, tftp_get

MAC = mac_of(0)


@pytest.fixture(scope="module")
def pki() -> ClusterPki:
    return ClusterPki.generate(key_size=1024)


@pytest.fixture(scope="module")
def cucm(pki: ClusterPki) -> Iterator[SimCucm]:
    with SimCucm(SimClock(0.005), pki, [("desk-01", MAC)], image_bytes=IMAGE_BYTES) as server:
        yield server


def anchor(cucm: SimCucm) -> x509.Certificate:
    return x509.load_pem_x509_certificate(cucm.trust_anchor_pem)


def test_itl_is_signed_by_the_trust_anchor_and_lists_sast_ccm_tftp_and_tvs(cucm: SimCucm) -> None:
    itl = parse(tftp_get(cucm.tftp_address, f"ITLSEP{MAC}.tlv"))
    assert verify(itl, cert=anchor(cucm)).valid
    assert itl.filename == f"ITLSEP{MAC}.tlv"
    assert [r.function_name for r in itl.records] == ["SAST", "CCM+TFTP", "TVS"]


def test_ctl_is_not_found_on_a_non_secure_cluster(cucm: SimCucm) -> None:
    with pytest.raises(tftpy.TftpFileNotFoundError):
        tftp_get(cucm.tftp_address, f"CTLSEP{MAC}.tlv")


def test_signed_config_verifies_against_the_itl_and_names_load_and_auth_url(cucm: SimCucm) -> None:
    itl = parse(tftp_get(cucm.tftp_address, f"ITLSEP{MAC}.tlv"))
    sgn = parse(tftp_get(cucm.tftp_address, f"SEP{MAC}.cnf.xml.sgn"))
    assert verify(sgn, itl=itl).valid
    assert sgn.payload is not None
    config = DeviceConfig.parse(sgn.payload, f"SEP{MAC}.cnf.xml")
    assert (config.load_id, config.authentication_url) == (NEW_LOAD, cucm.auth_url)
    assert tftp_get(cucm.tftp_address, f"SEP{MAC}.cnf.xml") == sgn.payload


def test_loads_file_names_the_five_images_and_each_matches(cucm: SimCucm) -> None:
    load = LoadFile.parse(tftp_get(cucm.tftp_address, f"{NEW_LOAD}.loads"), f"{NEW_LOAD}.loads")
    assert load.load_id == NEW_LOAD
    assert tuple(i.name for i in load.images) == IMAGES_9_4_2
    for image in load.images:
        data = tftp_get(cucm.tftp_address, image.name)
        assert len(data) == IMAGE_BYTES and image.matches(data)


def test_images_are_deterministic_and_distinct(cucm: SimCucm) -> None:
    digests = {hashlib.sha1(tftp_get(cucm.tftp_address, name)).hexdigest() for name in IMAGES_9_4_2}
    assert len(digests) == 5
    assert tftp_get(cucm.tftp_address, IMAGES_9_4_2[0]) == tftp_get(cucm.tftp_address, IMAGES_9_4_2[0])


def test_term42_default_loads_points_at_the_configured_load(cucm: SimCucm) -> None:
    assert LoadFile.parse(tftp_get(cucm.tftp_address, "term42.default.loads"), "x").load_id == NEW_LOAD


@pytest.mark.parametrize("name", ["SEP001122334455.cnf.xml.sgn", "ITLSEP001122334455.tlv", "nosuch.bin", "../etc/passwd"])
def test_unknown_files_are_answered_file_not_found(cucm: SimCucm, name: str) -> None:
    with pytest.raises(tftpy.TftpException):
        tftp_get(cucm.tftp_address, name)


def test_every_request_is_logged_with_client_and_outcome(cucm: SimCucm) -> None:
    tftp_get(cucm.tftp_address, f"ITLSEP{MAC}.tlv", localip="127.0.3.7")
    with pytest.raises(tftpy.TftpFileNotFoundError):
        tftp_get(cucm.tftp_address, f"CTLSEP{MAC}.tlv", localip="127.0.3.7")
    mine = [(read.file, read.served) for read in cucm.reads() if read.client == "127.0.3.7"]
    assert mine == [(f"ITLSEP{MAC}.tlv", True), (f"CTLSEP{MAC}.tlv", False)]


def test_a_tftp_write_is_refused_and_the_served_file_stays(cucm: SimCucm, tmp_path: Path) -> None:
    """Issue 12 case 6: a WRQ of ITLSEP<MAC>.tlv must not replace the file phones are served."""
    before = tftp_get(cucm.tftp_address, f"ITLSEP{MAC}.tlv")
    forged = tmp_path / "forged.tlv"
    forged.write_bytes(b"not an ITL" * 100)
    client = tftpy.TftpClient(*cucm.tftp_address, localip="127.0.3.8")
    with pytest.raises(tftpy.TftpException, match="Access violation"):
        client.upload(f"ITLSEP{MAC}.tlv", str(forged), timeout=1)
    assert tftp_get(cucm.tftp_address, f"ITLSEP{MAC}.tlv") == before


def test_web_access_off_is_written_into_that_phones_config(pki: ClusterPki) -> None:
    other = mac_of(1)
    with SimCucm(SimClock(0.005), pki, [("desk-01", MAC), ("desk-02", other)], image_bytes=IMAGE_BYTES,
                 web_access_off=["desk-02"]) as server:
        on = DeviceConfig.parse(tftp_get(server.tftp_address, f"SEP{MAC}.cnf.xml"), f"SEP{MAC}.cnf.xml")
        off_xml = tftp_get(server.tftp_address, f"SEP{other}.cnf.xml")
    assert on.web_access
    assert b"<vendorConfig><webAccess>1</webAccess>" in off_xml
    assert not DeviceConfig.parse(off_xml, f"SEP{other}.cnf.xml").web_access


def test_files_arrive_whole_through_packet_loss(pki: ClusterPki) -> None:
    with SimCucm(SimClock(0.005), pki, [("desk-01", MAC)], image_bytes=20000, loss=0.1) as lossy:
        data = tftp_get(lossy.tftp_address, IMAGES_9_4_2[1])
        clean = LoadFile.parse(tftp_get(lossy.tftp_address, f"{NEW_LOAD}.loads"), "x").images[1]
    assert clean.matches(data)


def test_authentication_url_authorizes_the_configured_user_only(cucm: SimCucm) -> None:
    web = direct_session()
    ok = web.get(cucm.auth_url, params={"UserID": USER, "Password": PASSWORD, "devicename": f"SEP{MAC}"}, timeout=3)
    bad = web.get(cucm.auth_url, params={"UserID": USER, "Password": "nope", "devicename": f"SEP{MAC}"}, timeout=3)
    assert (ok.text, bad.text) == ("AUTHORIZED", "UN-AUTHORIZED")


def test_regenerated_cert_keeps_the_subject_with_another_key(pki: ClusterPki) -> None:
    assert pki.pre_regeneration.cert.subject == pki.current.cert.subject
    assert pki.pre_regeneration.cert.serial_number != pki.current.cert.serial_number
    itl = parse(pki.itl(pki.pre_regeneration, f"ITLSEP{MAC}.tlv", pki.tvs_pre_regeneration))
    assert not verify(itl, cert=pki.current.cert).valid


def test_cucm_refuses_a_non_loopback_address(pki: ClusterPki) -> None:
    with pytest.raises(ValueError, match="loopback"):
        SimCucm(SimClock(0.005), pki, [], host="10.0.0.1")
