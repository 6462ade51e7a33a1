"""The nightly hardware-in-the-loop suite: every phone of the bench, erased and verified.

Run it against a real bench with `pytest tests/hil --lab-config lab.yaml --junitxml nightly.xml
--rig-runs nightly-runs`; each phone is one test per check, and its steps and TFTP fetches are in
the JUnit XML. The erase runs once for all phones at once (the rig plugin batches it).
"""

from __future__ import annotations

import pytest

from rig.drivers.macaddr import sep_name
from rig.config.lab import PhoneConfig
from rig.pytest_plugin import PhoneOutcome, assert_fetched, assert_load, assert_passed, assert_step_ok


def test_phone_passes_the_erase_job(erased: PhoneOutcome) -> None:
    assert_passed(erased)


def test_phone_fetches_its_itl_and_signed_config(erased: PhoneOutcome, phone: PhoneConfig) -> None:
    assert_fetched(erased, f"ITL{sep_name(phone.mac)}.tlv", f"{sep_name(phone.mac)}.cnf.xml.sgn")
    assert_step_ok(erased, "verify_itl")
    assert_step_ok(erased, "verify_config")


def test_phone_fetches_its_load_and_every_image(erased: PhoneOutcome) -> None:
    assert_fetched(erased, "*.loads", "*.sbn")


def test_phone_reports_the_expected_load(erased: PhoneOutcome, bench) -> None:
    assert bench.config.cucm is not None
    assert_load(erased, bench.config.cucm.expected_load)


@pytest.mark.rig_scenario("no_itl")
def test_phone_without_an_itl_takes_the_clusters_on_a_plain_restart(verified: PhoneOutcome) -> None:
    assert_passed(verified)
    assert verified.itl_signer, verified.describe()
