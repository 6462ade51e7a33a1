"""The simulated cluster's TVS and what a phone holding a stale ITL does with it (rig/sim/tvs.py
cites the rules): a restart fixes a phone whose ITL still lists the cluster's TVS, and only that one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rig.sim import tvs
from rig.sim.tvs import SimTvs
from tests.sim_helpers import NEW_LOAD, OLD_LOAD, Lab, running_lab

SCENARIOS = {"vouch": "tvs_vouches", "regen": "regenerated_cert", "stale": "stale_itl"}


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with running_lab(SCENARIOS) as lab:
        yield lab


def test_tvs_returns_the_certificate_of_a_signer_in_the_clusters_store(lab: Lab) -> None:
    own, vouched = tvs.ask(lab.cucm.tvs_address, f"{lab.pki.current.cert.serial_number:x}", timeout=2)
    assert own == lab.pki.tvs.cert
    assert vouched == lab.pki.current.cert


@pytest.mark.parametrize("outsider", ["pre_regeneration", "other_cluster"])
def test_tvs_knows_no_certificate_the_cluster_no_longer_has(lab: Lab, outsider: str) -> None:
    serial = getattr(lab.pki, outsider).cert.serial_number
    assert tvs.ask(lab.cucm.tvs_address, f"{serial:x}", timeout=2)[1] is None


def test_tvs_refuses_a_line_out_of_protocol(lab: Lab) -> None:
    server = SimTvs(lab.pki)
    assert server.answer("HELLO").startswith("ERROR")
    assert server.answer("CERT not-hex").startswith("ERROR")


def test_a_phone_whose_itl_lists_the_clusters_tvs_recovers_by_a_restart_alone(lab: Lab) -> None:
    phone = lab.phones["vouch"]
    assert phone.status().state == "stuck", "it starts with the symptoms of a failed boot"
    lab.power_cycle_and_settle(phone)
    assert phone.status().state == "registered" and lab.running_load(phone) == NEW_LOAD
    assert "Trust List Updated" in lab.status(phone)
    assert phone.held_itl is not None and int(phone.held_itl.signer.serial, 16) == lab.pki.current.cert.serial_number


@pytest.mark.parametrize("name", ["regen", "stale"])
def test_a_phone_whose_itl_lists_no_tvs_that_knows_the_cluster_stays_stuck_after_a_restart(lab: Lab, name: str) -> None:
    phone = lab.phones[name]
    lab.power_cycle_and_settle(phone)
    assert phone.status().state == "stuck" and lab.running_load(phone) == OLD_LOAD
    assert "Trust List Update Failed" in lab.status(phone)


def test_without_tvs_a_phone_that_tvs_would_vouch_for_stays_stuck() -> None:
    with running_lab({"vouch": "tvs_vouches"}, tvs_reachable=False) as lab:
        phone = lab.phones["vouch"]
        lab.power_cycle_and_settle(phone)
        assert phone.status().state == "stuck" and lab.running_load(phone) == OLD_LOAD
