"""rig.trust.verify: which files are trusted, and the reason given when one is not."""

from __future__ import annotations

import pytest

from tests import trust_vectors as tv
from rig.trust import RecordSpec, build_ctl, build_itl, build_rollback_itl, build_sgn, parse, verify

CONFIG = b'<?xml version="1.0"?><device><loadInformation>SCCP42.9-4-2SR3-1S</loadInformation></device>'
SGN_NAME = "SEP001D705F9EA8.cnf.xml.sgn"


def valid(data: bytes, **kwargs) -> bool:
    return verify(parse(data), **kwargs).valid


def reason(data: bytes, **kwargs) -> str:
    verdict = verify(parse(data), **kwargs)
    assert not verdict.valid
    return verdict.reason


@pytest.fixture(scope="module")
def itl() -> bytes:
    return tv.built_itl()


@pytest.mark.parametrize("digest_code", [1, 2, 3])
def test_hand_rolled_itl_verifies_with_sha1_sha256_and_sha512(digest_code):
    assert valid(tv.hand_rolled_itl(digest_code))


@pytest.mark.parametrize("digest", ["sha1", "sha256", "sha512"])
def test_built_itl_verifies_with_every_digest(digest):
    data = tv.built_itl(digest)
    assert parse(data).digest == digest
    assert verify(parse(data)).reason is None


def test_itl_whose_sast_has_only_a_public_key_verifies():
    cm = tv.callmanager()
    data = tv.hand_rolled("ITLFile.tlv", signer=cm.cert, sign_key=cm.key,
                          records=[tv.HandRecord(0, cm.cert, key_only=True)])
    assert valid(data)


def test_one_changed_byte_in_a_record_is_a_bad_signature(itl):
    data = bytearray(itl)
    at = data.index(bytes([2, 0, 21]) + b"cucm-pub")  # the DNSNAME element of the CCM+TFTP record
    data[at + 3] = ord("k")
    assert parse(bytes(data)).records[1].dns_name == "kucm-pub.lab.example"
    assert reason(bytes(data)).startswith("bad signature: does not verify with the key of SAST record")


def test_changed_signature_is_a_bad_signature(itl):
    tf = parse(itl)
    data = bytearray(itl)
    data[tf.signature_offset + 10] ^= 0x01
    assert reason(bytes(data)).startswith("bad signature")


def test_signer_outside_the_sast_records_is_named():
    data = tv.hand_rolled_itl(signer=tv.rogue())
    assert reason(data) == (
        "no SAST record in ITLSEP001D705F9EA8.tlv matches signer "
        "'commonName=rogue-tftp.example;organizationName=Example Lab;countryName=US' serial 0badc0de0badc0de")


def test_header_naming_the_sast_but_signed_by_another_key_is_a_bad_signature():
    data = tv.built_itl(sign_key=tv.rogue().key)
    assert reason(data) == (
        "bad signature: does not verify with the key of SAST record "
        "'CN=cucm-pub.lab.example;O=Example Lab;C=US' (serial 9a3f1c2b4d5e6f708192a3b4c5d6e7f8)")


def test_no_sast_record_with_the_header_serial():
    cm = tv.callmanager()
    data = tv.hand_rolled("ITLFile.tlv", signer=cm.cert, sign_key=cm.key,
                          records=[tv.HandRecord(0, tv.tvs().cert), tv.HandRecord(3, cm.cert)])
    assert reason(data).startswith("no SAST record in ITLFile.tlv matches signer")


def test_unsupported_digest_is_reported():
    assert reason(tv.hand_rolled_itl(digest_code=7)) == "unsupported digest algorithm 7"


def test_given_certificate_replaces_the_sast_lookup(itl):
    assert valid(itl, cert=tv.callmanager().cert)
    assert "the given certificate 'CN=rogue-tftp.example" in reason(itl, cert=tv.rogue().cert)


def test_new_itl_must_be_signed_by_a_sast_of_the_trusted_itl(itl):
    trusted = parse(itl)
    assert valid(tv.hand_rolled_itl(), itl=trusted)
    rogue = tv.rogue()
    self_signed_by_rogue = build_itl([RecordSpec("SAST", rogue.cert), RecordSpec("TFTP", rogue.cert)],
                                     signer_cert=rogue.cert, signer_key=rogue.key)
    assert valid(self_signed_by_rogue)  # its own SAST would vouch for it...
    assert reason(self_signed_by_rogue, itl=trusted).startswith(  # ...the trusted ITL does not
        "no SAST record in ITLSEP001D705F9EA8.tlv matches signer 'CN=rogue-tftp.example")


def test_ctl_verifies_like_an_itl():
    cm = tv.callmanager()
    data = build_ctl([RecordSpec("SAST", cm.cert), RecordSpec("CCM+TFTP", cm.cert), RecordSpec("CAPF", tv.capf().cert)],
                     signer_cert=cm.cert, signer_key=cm.key, digest="sha512")
    tf = parse(data)
    assert tf.kind == "CTL"
    assert verify(tf).valid


def test_signed_config_verifies_against_the_itl_tftp_record(itl):
    cm = tv.callmanager()
    sgn = build_sgn(CONFIG, filename=SGN_NAME, signer_cert=cm.cert, signer_key=cm.key)
    assert parse(sgn).payload == CONFIG
    assert valid(sgn, itl=parse(itl))


def test_hand_rolled_signed_config_verifies_against_a_certificate():
    cm = tv.callmanager()
    sgn = tv.hand_rolled(SGN_NAME, signer=cm.cert, sign_key=cm.key, payload=CONFIG, digest_code=2)
    assert valid(sgn, cert=cm.cert)


def test_signed_config_with_a_changed_payload_is_a_bad_signature(itl):
    cm = tv.callmanager()
    sgn = build_sgn(CONFIG, filename=SGN_NAME, signer_cert=cm.cert, signer_key=cm.key)
    tampered = sgn.replace(b"SR3", b"SR4")
    assert reason(tampered, itl=parse(itl)).startswith("bad signature: does not verify with the key of CCM+TFTP record")


def test_signed_config_needs_a_certificate_or_an_itl():
    cm = tv.callmanager()
    sgn = build_sgn(CONFIG, filename=SGN_NAME, signer_cert=cm.cert, signer_key=cm.key)
    assert reason(sgn) == "no certificate or ITL given to verify a signed file"


def test_signed_config_from_a_signer_without_tftp_record_is_refused(itl):
    sgn = build_sgn(CONFIG, filename=SGN_NAME, signer_cert=tv.tvs().cert, signer_key=tv.tvs().key)
    assert reason(sgn, itl=parse(itl)).startswith(
        "no TFTP or CCM+TFTP record in ITLSEP001D705F9EA8.tlv matches signer 'CN=cucm-pub-tvs.lab.example")


def test_rollback_itl_holds_the_sast_only_and_vouches_for_no_config():
    cm = tv.callmanager()
    rollback = parse(build_rollback_itl(signer_cert=cm.cert, signer_key=cm.key))
    assert [r.function_name for r in rollback.records] == ["SAST"]
    assert rollback.records_with("TFTP", "CCM+TFTP", "TVS") == []
    assert verify(rollback).valid
    sgn = build_sgn(CONFIG, filename=SGN_NAME, signer_cert=cm.cert, signer_key=cm.key)
    assert reason(sgn, itl=rollback).startswith("no TFTP or CCM+TFTP record in ITLFile.tlv")


def test_signature_length_must_match_the_announced_modulus():
    data = bytearray(tv.hand_rolled_itl())
    modulus_at = data.index(bytes([11, 0, 1, 2]))  # SIGNATUREMODULUS = 2 (256 bytes)
    data[modulus_at + 3] = 1
    assert reason(bytes(data)) == "signature is 256 bytes but the header announces 128"
