"""Which load a phone runs, and whether its erase took, decided from every witness real phones give."""

from __future__ import annotations

import pytest

from rig.phone.profiles import profile_for
from rig.phone.witness import EraseEvidence, bare_load, current_load, decide_load, erase_confirmation

# Values as the real captures show them (tests/fixtures/real, PROVENANCE.md).
LOAD_7962 = "SCCP42.9-4-2SR3-1S"
IMAGES_7962 = ["apps42.9-4-2ES26.sbn", "cnu42.9-4-2ES26.sbn", "cvm42sccp.9-4-2ES26.sbn",
               "dsp42.9-4-2ES26.sbn", "jar42sccp.9-4-2ES26.sbn"]


@pytest.mark.parametrize("raw, bare", [("*SCCP42.9-4-2SR3-1S*", "SCCP42.9-4-2SR3-1S"),
                                       (" SCCP41.8-2-1S\n", "SCCP41.8-2-1S"), ("**", None),
                                       ("", None), (None, None)])
def test_load_names_are_compared_without_decoration(raw, bare):
    assert bare_load(raw) == bare


def test_7962g_runs_its_load_by_versionid_and_by_its_image_in_the_loads_file():
    decision = decide_load(LOAD_7962, version_id="*SCCP42.9-4-2SR3-1S*",
                           app_load_id="jar42sccp.9-4-2ES26.sbn", images=IMAGES_7962, cdp_version=None)
    assert decision.running and decision.load == LOAD_7962
    assert decision.agreed == ["versionID", f"appLoadID in {LOAD_7962}.loads"]
    assert decision.disagreed == [] and decision.unknown == ["CDP Version"]


def test_7962g_image_is_unknown_until_the_loads_file_is_read_and_never_taken_for_the_load():
    decision = decide_load(LOAD_7962, version_id=None, app_load_id="jar42sccp.9-4-2ES26.sbn",
                           images=None, cdp_version=None)
    assert not decision.running
    assert decision.unknown == ["CDP Version", "versionID", f"appLoadID in {LOAD_7962}.loads"]


def test_a_phone_still_on_its_old_load_disagrees_on_every_witness_and_names_the_old_load():
    decision = decide_load(LOAD_7962, version_id="*SCCP42.9-3-1SR1-1S*", app_load_id="jar42sccp.9-3-1TH1-13.sbn",
                           images=IMAGES_7962, cdp_version="SCCP42.9-3-1SR1-1S")
    assert not decision.running and decision.load == "SCCP42.9-3-1SR1-1S"
    assert decision.agreed == []
    assert decision.disagreed == ["CDP Version", "versionID", f"appLoadID in {LOAD_7962}.loads"]


def test_8845_version_carries_the_load_while_app_load_names_the_rootfs():
    decision = decide_load("sip8845_65.14-3-1-0201-246", version_id="sip8845_65.14-3-1-0201-246",
                           app_load_id="rootfs8845_65.14-3-1-0201-246", images=None, cdp_version=None)
    assert decision.running and decision.agreed == ["versionID"]


def test_7940_app_load_carries_the_load_while_version_is_a_release_number():
    decision = decide_load("P00308010200", version_id="8.1(2.0)", app_load_id="P00308010200",
                           images=None, cdp_version=None)
    assert decision.running and decision.agreed == ["appLoadID"]
    assert decision.disagreed == ["versionID"]


def test_cdp_version_alone_proves_the_load_when_web_access_is_off():
    decision = decide_load(LOAD_7962, version_id=None, app_load_id=None, images=None,
                           cdp_version="SCCP42.9-4-2SR3-1S")
    assert decision.running and decision.agreed == ["CDP Version"]


def test_the_load_before_is_the_first_witness_in_profile_order_or_unknown():
    order = profile_for("7942", "sccp9").load_witnesses
    assert current_load(version_id="*SCCP42.9-4-2SR3-1S*", app_load_id="jar42sccp.9-4-2ES26.sbn",
                        cdp_version=None, witnesses=order) == LOAD_7962
    assert current_load(version_id=None, app_load_id=None, cdp_version=None, witnesses=order) is None
    unknown = decide_load(None, version_id=None, app_load_id=None, images=None, cdp_version=None)
    assert unknown.load is None and not unknown.running and "no witness" in unknown.describe()
    silent = decide_load(LOAD_7962, version_id=None, app_load_id=None, images=IMAGES_7962, cdp_version=None)
    assert not silent.running and silent.load is None
    assert silent.unknown == ["CDP Version", "versionID", "appLoadID"] and silent.disagreed == []


def test_only_the_witnesses_a_profile_lists_are_weighed():
    decision = decide_load("P00308010200", version_id="8.1(2.0)", app_load_id="P00308010200",
                           images=None, cdp_version=None, witnesses=["appLoadID"])
    assert decision.agreed == ["appLoadID"] and decision.disagreed == [] and decision.unknown == []


PROFILE = profile_for("7942", "sccp9")


def test_an_unconfirmed_console_line_alone_never_confirms_an_erase():
    proof = erase_confirmation(PROFILE, EraseEvidence(console_lines=["Erasing CTL and ITL files"]))
    assert not proof.confirmed and proof.signal is None
    assert proof.seen == ["console line 'Erasing CTL and ITL files' (unconfirmed for 79x2-sccp9)"]
    assert "only unconfirmed" in proof.describe()


def test_the_phone_restarting_by_itself_confirms_the_erase_and_is_named():
    proof = erase_confirmation(PROFILE, EraseEvidence(restart=["draw drop", "CDP gone"],
                                                      console_lines=["Erasing CTL and ITL files"]))
    assert proof.confirmed and proof.signal == "restart (draw drop, CDP gone)"
    assert len(proof.seen) == 2 and proof.describe() == "erase confirmed by restart (draw drop, CDP gone)"


def test_the_itl_fetched_after_the_keys_confirms_the_erase():
    proof = erase_confirmation(PROFILE, EraseEvidence(itl_fetched=True))
    assert proof.confirmed and proof.signal == "ITL fetched after the keys"


def test_a_status_line_the_profile_lists_confirms_the_erase():
    proof = erase_confirmation(PROFILE, EraseEvidence(status_lines=["10:30:02a Trust List Updated"]))
    assert proof.confirmed and proof.signal == "status line '10:30:02a Trust List Updated'"


def test_no_evidence_is_no_confirmation():
    proof = erase_confirmation(PROFILE, EraseEvidence(status_lines=["10:26:18a TFTP Timeout"]))
    assert not proof.confirmed and proof.seen == []
    assert proof.describe() == "erase not confirmed: no signal the profile lists was seen"


def test_lldp_software_revision_proves_the_load_where_cdp_is_off():
    """A real CP-7962G's LLDP-MED entry names its load bare (`S/W revision: SCCP42.9-3-1ES27S`)."""
    order = profile_for("7942", "sccp9").load_witnesses
    decision = decide_load("SCCP42.9-3-1ES27S", version_id=None, app_load_id=None, images=None, cdp_version=None,
                           lldp_software="SCCP42.9-3-1ES27S", witnesses=order)
    assert decision.running and decision.agreed == ["LLDP S/W revision"]
    assert current_load(version_id=None, app_load_id=None, cdp_version=None, lldp_software="SCCP42.9-3-1ES27S",
                        witnesses=order) == "SCCP42.9-3-1ES27S"
