"""The old cluster a `stale_itl` phone came from, with "Prepare Cluster for Rollback to pre 8.0".

A phone takes a rollback ITL only when it is signed by a certificate its held ITL trusts; holding
it, the phone accepts any new ITL: moved to the bench's cluster it registers there with no key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rig import trust
from rig.sim.cucm import SimCucm
from rig.sim.loads import OLD_LOAD
from tests.sim_helpers import IMAGE_BYTES, Lab, running_lab


@contextmanager
def old_cluster_lab(rollback: bool) -> Iterator[tuple[Lab, SimCucm]]:
    with running_lab({"stale": "stale_itl", "good": "healthy"}) as lab:
        old = SimCucm(lab.clock, lab.pki.old_cluster(), [(n, p.mac) for n, p in lab.phones.items()],
                      load_id=OLD_LOAD, image_bytes=IMAGE_BYTES, host="127.0.0.3", rollback=rollback)
        old.start()
        try:
            for phone in lab.phones.values():
                phone.tftp_servers = [old.tftp_address]
            yield lab, old
        finally:
            old.stop()


def test_a_stale_phone_takes_its_old_clusters_rollback_itl_then_any_new_itl():
    with old_cluster_lab(rollback=True) as (lab, old):
        stale = lab.phones["stale"]
        lab.power_cycle_and_settle(stale)
        held = stale.held_itl
        assert held is not None and trust.is_rollback_itl(held)
        assert stale.status().state == "registered", "phones in rollback still register to the old cluster"
        stale.tftp_servers = [lab.cucm.tftp_address]
        lab.power_cycle_and_settle(stale)
        assert stale.status().state == "registered"
        assert stale.held_itl is not None and not trust.is_rollback_itl(stale.held_itl)
        assert int(stale.held_itl.signer.serial, 16) == lab.pki.current.cert.serial_number


def test_a_phone_whose_itl_does_not_trust_the_signer_refuses_the_rollback_itl():
    with old_cluster_lab(rollback=True) as (lab, old):
        good = lab.phones["good"]  # holds the bench cluster's ITL: the old cluster signs nothing it trusts
        lab.power_cycle_and_settle(good)
        assert good.held_itl is not None and not trust.is_rollback_itl(good.held_itl)
        assert "Trust List Update Failed" in lab.status(good)


def test_without_rollback_the_stale_phone_keeps_the_old_itl_and_stays_stuck_on_the_new_cluster():
    with old_cluster_lab(rollback=False) as (lab, old):
        stale = lab.phones["stale"]
        lab.power_cycle_and_settle(stale)
        assert stale.held_itl is not None and not trust.is_rollback_itl(stale.held_itl)
        stale.tftp_servers = [lab.cucm.tftp_address]
        lab.power_cycle_and_settle(stale)
        assert stale.status().state == "stuck"
