"""rig.trust.build: files the simulated CUCM serves, and the arguments it refuses."""

from __future__ import annotations

import struct

import pytest

from tests import trust_vectors as tv
from rig.trust import RecordSpec, build_ctl, build_itl, build_sgn, parse


def test_header_is_padded_to_a_multiple_of_four():
    for payload in (b"", b"x", b"xy", b"xyz"):
        cm = tv.callmanager()
        data = build_sgn(payload, filename=f"SEP{len(payload)}.cnf.xml.sgn", signer_cert=cm.cert, signer_key=cm.key)
        (header_length,) = struct.unpack_from(">H", data, 8)
        assert header_length % 4 == 0
        assert data[header_length:] == payload


def test_built_itl_round_trips_every_record_field():
    tf = parse(tv.built_itl())
    assert tf.timestamp == tv.FIXED_TIME
    assert tf.signer.name == "CN=cucm-pub.lab.example;O=Example Lab;C=US"
    assert tf.signer.serial == tv.callmanager().serial_hex
    assert [(r.function_name, r.ip, r.dns_name) for r in tf.records] == [
        ("SAST", None, None),
        ("CCM+TFTP", "127.0.0.10", "cucm-pub.lab.example"),
        ("TVS", "127.0.0.10", None),
        ("CAPF", None, None),
    ]
    assert [r.certificate for r in tf.records] == [spec.certificate for spec in tv.itl_specs()]


def test_function_may_be_given_by_number_or_any_case_name():
    cm = tv.callmanager()
    data = build_itl([RecordSpec("sast", cm.cert), RecordSpec(7, cm.cert)], signer_cert=cm.cert, signer_key=cm.key)
    assert [r.function_name for r in parse(data).records] == ["SAST", "APP-SERVER"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda cm: build_itl([RecordSpec("SAST", cm.cert)], signer_cert=cm.cert, signer_key=cm.key,
                              filename="CTLFile.tlv"), "an ITL file name must start with ITL"),
        (lambda cm: build_ctl([], signer_cert=cm.cert, signer_key=cm.key), "an CTL needs at least one record"),
        (lambda cm: build_itl([RecordSpec("SAST", cm.cert)], signer_cert=cm.cert, signer_key=cm.key, digest="md5"),
         "unsupported digest 'md5'"),
        (lambda cm: build_itl([RecordSpec("HTTPS", cm.cert)], signer_cert=cm.cert, signer_key=cm.key),
         "unknown record function 'HTTPS'"),
        (lambda cm: build_sgn(b"", filename="SEP1.cnf.xml", signer_cert=cm.cert, signer_key=cm.key),
         "a signed file's name must end in .sgn"),
        (lambda cm: build_itl([RecordSpec("CCM", cm.cert)] * 60, signer_cert=cm.cert, signer_key=cm.key),
         r"ITLFile.tlv would be \d+ bytes; phones load at most 65536"),
    ],
)
def test_bad_build_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call(tv.callmanager())
