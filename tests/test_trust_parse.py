"""rig.trust.parse: what it reads from ITL/CTL/.sgn files, and how it refuses broken ones."""

from __future__ import annotations

import hashlib
import struct

import pytest
from cryptography.hazmat.primitives import serialization

from tests import trust_vectors as tv
from rig.trust import TrustFileError, parse

SIGNER = "commonName=cucm-pub.lab.example;organizationName=Example Lab;countryName=US"


@pytest.fixture(scope="module")
def hand_itl() -> bytes:
    return tv.hand_rolled_itl()


def header_only(data: bytes) -> bytes:
    """The header of a valid file, for splicing hand-made records after it."""
    (header_length,) = struct.unpack_from(">H", data, 8)
    return data[:header_length]


def record(*elements: bytes) -> bytes:
    body = b"".join(elements)
    return tv.element(1, struct.pack(">H", 5 + len(body))) + body


def test_header_fields_of_a_hand_rolled_itl(hand_itl):
    tf = parse(hand_itl)
    assert tf.kind == "ITL"
    assert tf.version == "1.2"
    assert tf.filename == "ITLSEP001D705F9EA8.tlv"
    assert tf.timestamp == tv.FIXED_TIME
    assert tf.signer.name == SIGNER
    assert tf.signer.ca_name == SIGNER
    assert tf.signer.serial == "009a3f1c2b4d5e6f708192a3b4c5d6e7f8"  # bytes as written, lower hex
    assert tf.digest == "sha1"
    assert len(tf.signature) == 256
    assert tf.payload is None
    assert tf.raw == hand_itl


def test_records_carry_function_names_addresses_and_certificates(hand_itl):
    records = parse(hand_itl).records
    assert [r.function_name for r in records] == ["SAST", "CCM+TFTP", "TVS", "CAPF"]
    tftp = records[1]
    assert tftp.function == 2
    assert tftp.ip == "127.0.0.10"
    assert tftp.dns_name == "cucm-pub.lab.example"
    assert tftp.serial == "9a3f1c2b4d5e6f708192a3b4c5d6e7f8"
    assert tftp.subject == SIGNER
    assert tftp.certificate == tv.callmanager().cert
    der = tv.callmanager().cert.public_bytes(serialization.Encoding.DER)
    assert tftp.cert_sha1 == hashlib.sha1(der).hexdigest()  # no CERTHASH element: computed
    assert records[3].ip is None and records[3].dns_name is None


def test_records_with_selects_by_function_name(hand_itl):
    tf = parse(hand_itl)
    assert [r.function_name for r in tf.records_with("TFTP", "CCM+TFTP")] == ["CCM+TFTP"]
    assert tf.records_with("APP-SERVER") == []


def test_built_itl_records_keep_certhash_and_pkcs1_public_key():
    tf = parse(tv.built_itl())
    sast = tf.records_with("SAST")[0]
    der = tv.callmanager().cert.public_bytes(serialization.Encoding.DER)
    assert sast.cert_sha1 == hashlib.sha1(der).hexdigest()
    assert serialization.load_der_public_key(sast.public_key_der).public_numbers() == (
        tv.callmanager().cert.public_key().public_numbers())


def test_kind_comes_from_the_file_name():
    cm = tv.callmanager()
    ctl = tv.hand_rolled("CTLFile.tlv", signer=cm.cert, sign_key=cm.key, records=[tv.HandRecord(0, cm.cert)])
    sgn = tv.hand_rolled("SEP001D705F9EA8.cnf.xml.sgn", signer=cm.cert, sign_key=cm.key, payload=b"<device/>")
    assert parse(ctl).kind == "CTL"
    signed = parse(sgn)
    assert signed.kind == "SGN"
    assert signed.payload == b"<device/>"
    assert signed.records == ()


def test_unknown_function_number_is_named_by_its_number():
    cm = tv.callmanager()
    data = tv.hand_rolled("ITLFile.tlv", signer=cm.cert, sign_key=cm.key, records=[tv.HandRecord(99, cm.cert)])
    assert parse(data).records[0].function_name == "99"


def test_unsupported_digest_is_kept_as_its_number():
    assert parse(tv.hand_rolled_itl(digest_code=7)).digest == "7"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "offset 0x0: element expected, file ends here"),
        (b"\x01\x00", "offset 0x0 (tag 1): element head cut short by the end of the file"),
        (b"\x01\x03\x84\x01\x02", "offset 0x0 (tag 1): length 900 past end of file"),
        (b"\x02\x00\x02\x00\x10", "offset 0x0 (tag 2): file must start with VERSION (tag 1)"),
        (b"\x01\x00\x02\x01\x02\x02\x00\x02\x01\x00", "offset 0x5 (tag 2): header length 256 outside the file"),
    ],
)
def test_broken_file_starts_are_refused_with_offset_and_tag(data, message):
    with pytest.raises(TrustFileError) as caught:
        parse(data)
    assert str(caught.value) == message


def test_truncated_file_is_refused(hand_itl):
    with pytest.raises(TrustFileError, match=r"^offset 0x[0-9a-f]+ \(tag 1\): record length \d+ past end of file$"):
        parse(hand_itl[:-1])


def test_unknown_header_tag_is_refused(hand_itl):
    data = bytearray(hand_itl)
    data[10] = 99  # the FILENAME element opens the hand-rolled header
    with pytest.raises(TrustFileError, match=r"^offset 0xa \(tag 99\): unknown tag in the header$"):
        parse(bytes(data))


def test_bad_utf8_in_a_string_is_refused(hand_itl):
    data = bytearray(hand_itl)
    data[13] = 0xFF  # first character of the file name
    with pytest.raises(TrustFileError, match=r"^offset 0xa \(tag 14\): string is not UTF-8"):
        parse(bytes(data))


def test_itl_without_records_is_refused():
    cm = tv.callmanager()
    data = tv.hand_rolled("ITLFile.tlv", signer=cm.cert, sign_key=cm.key, records=[])
    with pytest.raises(TrustFileError, match=r"no records after the header$"):
        parse(data)


def test_itl_over_64_kib_is_refused():
    cm = tv.callmanager()
    data = tv.hand_rolled("ITLFile.tlv", signer=cm.cert, sign_key=cm.key, records=[tv.HandRecord(1, cm.cert)] * 80)
    with pytest.raises(TrustFileError, match=rf"file is {len(data)} bytes; phones load at most 65536$"):
        parse(data)


def test_file_name_that_names_no_kind_is_refused():
    cm = tv.callmanager()
    data = tv.hand_rolled("notes.txt", signer=cm.cert, sign_key=cm.key, payload=b"")
    with pytest.raises(TrustFileError, match=r"\(tag 14\): file name 'notes.txt' is not ITL\*, CTL\* or \*.sgn$"):
        parse(data)


@pytest.mark.parametrize(
    ("records", "message"),
    [
        (record(tv.element(4, b"\0\0"), tv.element(4, b"\0\0")), r"\(tag 4\): tag appears twice in a record"),
        (record(tv.element(3, b"CN=x\0")), r"\(tag 4\): record has no FUNCTION"),
        (record(tv.element(4, b"\0\0"), tv.element(42, b"")), r"\(tag 42\): unknown tag in a record"),
        (record(tv.element(4, b"\0\0"), tv.element(9, b"not DER")), r"\(tag 9\): certificate is not valid DER X.509"),
        (record(tv.element(4, b"\0\0"), tv.element(10, b"\x7f\0\0")), r"\(tag 10\): length 3, expected 4"),
        (record(tv.element(4, b"\0\0"), tv.element(3, b"CN=x")), r"\(tag 3\): string is not a single NUL-terminated"),
        (tv.element(4, b"\0\0"), r"\(tag 4\): record must start with RECORDLENGTH \(tag 1\)"),
        (tv.element(1, b"\0\x02"), r"\(tag 1\): record length 2 shorter than its own head"),
    ],
)
def test_broken_records_are_refused(hand_itl, records, message):
    with pytest.raises(TrustFileError, match=message):
        parse(header_only(hand_itl) + records)


def test_duplicate_header_element_is_refused():
    cm = tv.callmanager()
    data = bytearray(tv.hand_rolled("ITLFile.tlv", signer=cm.cert, sign_key=cm.key, records=[tv.HandRecord(0, cm.cert)]))
    timestamp_tag = 10 + 3 + len("ITLFile.tlv") + 1
    assert data[timestamp_tag] == 15
    data[timestamp_tag] = 14  # a second FILENAME (4 bytes long, so the layout still holds)
    with pytest.raises(TrustFileError, match=r"\(tag 14\): tag appears twice in the header$"):
        parse(bytes(data))
