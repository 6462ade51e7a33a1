"""A rollback ITL ("Prepare Cluster for Rollback to pre 8.0"): built, signed, and told apart."""

from __future__ import annotations

from tests import trust_vectors as tv
from rig.trust import build_itl, build_rollback_itl, is_rollback_itl, parse, rollback_state, verify


def test_a_rollback_itl_is_signed_by_the_cluster_and_recognised():
    cm = tv.callmanager()
    rollback = parse(build_rollback_itl(signer_cert=cm.cert, signer_key=cm.key, filename="ITLSEP001D705F0000.tlv"))
    assert is_rollback_itl(rollback)
    assert verify(rollback).valid
    assert "rollback ITL" in rollback_state(rollback)


def test_an_itl_with_tftp_and_tvs_records_is_not_a_rollback_itl():
    itl = parse(tv.built_itl())
    assert not is_rollback_itl(itl)
    state = rollback_state(itl)
    assert state.startswith("ITL") and "not a rollback ITL" in state and "TVS" in state


def test_an_itl_naming_only_a_tvs_still_names_a_tvs():
    tvs, cm = tv.tvs(), tv.callmanager()
    itl = parse(build_itl([tv.RecordSpec("SAST", cm.cert), tv.RecordSpec("TVS", tvs.cert)],
                          signer_cert=cm.cert, signer_key=cm.key))
    assert not is_rollback_itl(itl)
