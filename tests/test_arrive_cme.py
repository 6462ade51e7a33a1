"""The cme arrival's checks on what a phone fetched from a CUCME router (rig.procedures.arrive_cme),
each on the transfers alone: the ITL it may take (none, or a blank one), why a failed read from
the router is expected, and the reason given for a phone that asked for a signed config only.
"""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from rig.config.base import Endpoint
from rig.config.systems import System
from rig.drivers.tftp_tap import TftpTransfer
from rig.phone.profiles import profile_for
from rig.procedures import arrive_cme
from rig.procedures.findings import Observed
from rig.procedures.steps import Step
from rig.procedures.verify import CheckFailed
from rig.record.steps import VERIFY_ITL
from rig.trust import build_rollback_itl
from tests import trust_vectors as tv

MAC = "001D705F0000"
AT = datetime(2026, 12, 7, tzinfo=timezone.utc)
ROUTER = System("cme", "cme", Endpoint(host="127.0.0.4", port=69), None, None)


def ctx() -> Any:
    return SimpleNamespace(profile=profile_for("7942", "sccp9"), phone=SimpleNamespace(mac=MAC, name="desk-01"))


def fetch(file: str, content: bytes | None = None, error: str | None = None) -> TftpTransfer:
    ok = error is None
    return TftpTransfer("127.0.1.1", file, len(content or b""), ok, error, AT, AT, content)


def observed(*fetches: TftpTransfer) -> Observed:
    return Observed(fetches=fetches, watched=True, load=None)


def test_no_itl_taken_from_the_router_passes_and_says_what_it_answered():
    step = Step(VERIFY_ITL, AT)
    arrive_cme.check_no_itl(ctx(), observed(fetch(f"ITLSEP{MAC}.tlv", error="File not found")), ROUTER, step)
    assert step.detail == f"no ITLSEP{MAC}.tlv taken (cme answered File not found)"


def test_a_blank_itl_from_the_router_passes():
    cm = tv.callmanager()
    blank = build_rollback_itl(signer_cert=cm.cert, signer_key=cm.key, filename=f"ITLSEP{MAC}.tlv")
    step = Step(VERIFY_ITL, AT)
    arrive_cme.check_no_itl(ctx(), observed(fetch(f"ITLSEP{MAC}.tlv", blank)), ROUTER, step)
    assert "is blank" in step.detail and "rollback ITL" in step.detail


def test_an_itl_with_tftp_and_tvs_records_from_the_router_fails():
    with pytest.raises(CheckFailed, match="not blank"):
        arrive_cme.check_no_itl(ctx(), observed(fetch(f"ITLSEP{MAC}.tlv", tv.built_itl())), ROUTER,
                                Step(VERIFY_ITL, AT))


@pytest.mark.parametrize("file, expected", [
    (f"CTLSEP{MAC}.tlv", True), (f"ITLSEP{MAC}.tlv", True), (f"SEP{MAC}.cnf.xml.sgn", True),
    (f"SEP{MAC}.cnf.xml", False), ("SCCP42.9-4-2SR3-1S.loads", False),
])
def test_a_failed_read_from_the_router_is_expected_only_for_what_cme_does_not_serve(file, expected):
    assert (arrive_cme.expected_miss(ctx(), fetch(file, error="File not found")) is not None) is expected


def test_a_phone_that_asked_for_a_signed_config_only_is_said_to_still_hold_an_itl():
    asked = [fetch(f"ITLSEP{MAC}.tlv", error="File not found"), fetch(f"SEP{MAC}.cnf.xml.sgn", error="File not found")]
    reason = arrive_cme.why_not_fetched(ctx(), asked, ROUTER, 20.0)
    assert f"SEP{MAC}.cnf.xml.sgn only" in reason and "still holds an ITL" in reason
