"""Properties: rig's builder round-trips, and no damaged file makes rig.trust crash or trust it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import trust_vectors as tv
from rig.trust import FUNCTION_NAMES, RecordSpec, TrustFileError, build_itl, build_sgn, parse, verify

FAST = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

ips = st.none() | st.ip_addresses(v=4).map(str)
dns_names = st.none() | st.text(st.characters(blacklist_characters="\0", blacklist_categories=["Cs"]),
                                 min_size=1, max_size=40)
record_specs = st.builds(
    RecordSpec,
    function=st.sampled_from(sorted(FUNCTION_NAMES.values())) | st.integers(0, 0xFFFF),
    certificate=st.sampled_from([tv.callmanager().cert, tv.tvs().cert, tv.capf().cert]),
    ip=ips,
    dns_name=dns_names,
)
timestamps = st.integers(0, 2**32 - 1).map(lambda s: datetime.fromtimestamp(s, tz=timezone.utc))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(records=st.lists(record_specs, min_size=1, max_size=5), digest=st.sampled_from(["sha1", "sha256", "sha512"]),
       timestamp=timestamps, name=st.sampled_from(["ITLFile.tlv", "ITLSEP001D705F9EA8.tlv", "itl.tlv"]))
def test_parse_of_build_gives_back_what_was_built(records, digest, timestamp, name):
    cm = tv.callmanager()
    tf = parse(build_itl(records, signer_cert=cm.cert, signer_key=cm.key, filename=name, digest=digest,
                         timestamp=timestamp))
    assert (tf.filename, tf.digest, tf.timestamp) == (name, digest, timestamp)
    assert [(r.certificate, r.ip, r.dns_name) for r in tf.records] == [
        (s.certificate, s.ip, s.dns_name) for s in records]
    assert [r.function_name for r in tf.records] == [
        s.function if isinstance(s.function, str) else FUNCTION_NAMES.get(s.function, str(s.function))
        for s in records]
    assert verify(tf, cert=cm.cert).valid


@settings(max_examples=20, deadline=None, derandomize=True)
@given(payload=st.binary(max_size=3000))
def test_signed_payload_comes_back_unchanged(payload):
    cm = tv.callmanager()
    tf = parse(build_sgn(payload, filename="SEP001D705F9EA8.cnf.xml.sgn", signer_cert=cm.cert, signer_key=cm.key))
    assert tf.payload == payload
    assert verify(tf, cert=cm.cert).valid


VALID_FILES = {
    "built ITL": tv.built_itl(),
    "hand-rolled ITL": tv.hand_rolled_itl(3),
    "hand-rolled SGN": tv.hand_rolled("SEP1.cnf.xml.sgn", signer=tv.callmanager().cert,
                                      sign_key=tv.callmanager().key, payload=b"<device/>"),
}
TRUSTED = parse(tv.built_itl())


def judge(data: bytes) -> bool:
    """parse + verify; only TrustFileError may escape. True when the file is trusted."""
    try:
        tf = parse(data)
    except TrustFileError:
        return False
    return verify(tf, itl=TRUSTED if tf.kind == "SGN" else None).valid


@pytest.mark.parametrize("name", VALID_FILES)
def test_the_valid_files_are_trusted(name):
    assert judge(VALID_FILES[name])


@pytest.mark.parametrize("name", VALID_FILES)
@FAST
@given(data=st.data())
def test_any_single_byte_change_is_refused_or_distrusted(name, data):
    original = VALID_FILES[name]
    at = data.draw(st.integers(0, len(original) - 1), label="offset")
    value = data.draw(st.integers(0, 255).filter(lambda v: v != original[at]), label="new byte")
    assert not judge(original[:at] + bytes([value]) + original[at + 1:])


@pytest.mark.parametrize("name", VALID_FILES)
@FAST
@given(data=st.data())
def test_any_truncation_is_refused_or_distrusted(name, data):
    original = VALID_FILES[name]
    keep = data.draw(st.integers(0, len(original) - 1), label="bytes kept")
    assert not judge(original[:keep])


@pytest.mark.parametrize("name", VALID_FILES)
@FAST
@given(data=st.data())
def test_any_inserted_or_deleted_byte_is_refused_or_distrusted(name, data):
    original = VALID_FILES[name]
    at = data.draw(st.integers(0, len(original) - 1), label="offset")
    inserted = data.draw(st.none() | st.integers(0, 255).map(lambda v: bytes([v])), label="inserted byte")
    changed = original[:at] + inserted + original[at:] if inserted else original[:at] + original[at + 1:]
    assert not judge(changed)


@FAST
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_parser(data):
    judge(data)
