"""Simulated phones pointed at the simulated CUCME router: a phone that holds no ITL takes the
router's unsigned config and registers there; one that holds its cluster's ITL asks only for a
signed config, which CME does not write, and keeps its cached one (a blog post on moving a phone
from CUCM 8 to CUCME, docs/migrate.md); the bench serves the router when `simulation.cme` asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rig.config.simulation import Simulation
from rig.config.systems import CmeSystem
from rig.drivers.cme import CmeRouter
from rig.drivers.ios_switch import IosSwitch
from rig.sim.bench import SimBench
from rig.sim.cme import SimCme
from rig.sim.sccp import CallControl
from tests.sim_helpers import IMAGE_BYTES, NEW_LOAD, Lab, running_lab
from tests.waiting import wait_for

CME_HOST = "127.0.0.4"


@contextmanager
def cme_lab(scenarios: dict[str, str]) -> Iterator[tuple[Lab, SimCme]]:
    call_control = CallControl()
    with running_lab(scenarios, call_control=call_control) as lab:
        cme = SimCme([(n, p.mac) for n, p in lab.phones.items()], host=CME_HOST, load_id=NEW_LOAD,
                     image_bytes=IMAGE_BYTES)
        cme.start()
        call_control.serve(cme.host, cme)
        try:
            for phone in lab.phones.values():
                phone.tftp_servers = [cme.tftp_address]
            yield lab, cme
        finally:
            cme.stop()


def asked(cme: SimCme, ip: str) -> list[str]:
    return [read.file for read in cme.reads() if read.client == ip]


def test_a_phone_holding_no_itl_takes_the_unsigned_config_and_registers_with_the_router():
    with cme_lab({"blank": "no_itl"}) as (lab, cme):
        phone = lab.phones["blank"]
        lab.power_cycle_and_settle(phone)
        assert phone.status().state == "registered"
        assert f"SEP{phone.mac}.cnf.xml" in asked(cme, phone.ip)
        assert not any(name.endswith(".sgn") for name in asked(cme, phone.ip))
        wait_for(lambda: phone.mac in cme.registrations(), 5, "the phone's registration on the router")
        assert cme.registrations()[phone.mac].ip == phone.ip
        assert phone.facts().call_manager == CME_HOST


def test_a_phone_registered_with_the_router_is_not_registered_with_the_cluster(tmp_path: Path):
    sim = Simulation.model_validate({"phones": 1, "scenarios": {"no_itl": 1}, "time_scale": 0.005, "cme": True})
    with SimBench(sim, "cme-bench", tmp_path) as bench:
        phone = bench.phones["desk-01"]
        assert bench.cme is not None and bench.risport is not None
        assert bench.risport.devices()[0].status == "Registered"
        phone.tftp_servers = [bench.cme.tftp_address]
        phone.power_off()
        phone.power_on()
        wait_for(lambda: phone.mac in bench.cme.registrations(), 10, "the phone's registration on the router")
        assert bench.risport.devices()[0].status == "UnRegistered", "RisPort is the cluster's"


def test_a_phone_that_loses_power_is_no_longer_registered_there():
    with cme_lab({"blank": "no_itl"}) as (lab, cme):
        phone = lab.phones["blank"]
        lab.power_cycle_and_settle(phone)
        wait_for(lambda: phone.mac in cme.registrations(), 5, "the phone's registration on the router")
        phone.power_off()
        assert phone.mac not in cme.registrations()


def test_a_phone_holding_its_clusters_itl_asks_only_for_a_signed_config_and_stays_on_its_cached_one():
    with cme_lab({"good": "healthy"}) as (lab, cme):
        phone = lab.phones["good"]
        held = phone.held_itl
        lab.power_cycle_and_settle(phone)
        assert phone.status().state == "stuck"
        files = asked(cme, phone.ip)
        assert f"SEP{phone.mac}.cnf.xml.sgn" in files and f"SEP{phone.mac}.cnf.xml" not in files
        assert phone.held_itl is held, "CME serves no ITL: the phone keeps the cluster's"
        assert phone.mac not in cme.registrations()


def test_a_phone_whose_config_names_the_cluster_registers_nowhere_else():
    with cme_lab({"blank": "no_itl"}) as (lab, cme):
        phone = lab.phones["blank"]
        phone.tftp_servers = [lab.cucm.tftp_address]
        lab.power_cycle_and_settle(phone)
        assert phone.status().state == "registered"
        assert cme.registrations() == {}


def test_the_bench_serves_the_router_and_writes_it_as_the_system_cme(tmp_path: Path):
    sim = Simulation.model_validate({"phones": 2, "scenarios": {"no_itl": 2}, "time_scale": 0.005, "cme": True})
    with SimBench(sim, "cme-bench", tmp_path) as bench:
        system = bench.lab_config().systems["cme"]
        assert isinstance(system, CmeSystem) and system.ssh is not None
        assert (system.tftp.host, system.tftp.port) == bench.cme.tftp_address
        ssh = system.ssh
        session = IosSwitch("cme", ssh.host, ssh.username, port=ssh.port, password=ssh.secret(),
                            known_hosts=str(ssh.known_hosts), timeout=10)
        with CmeRouter(session) as router:
            assert router.registered() == []
            assert len(router.ephones()) == 2


def test_without_the_setting_the_bench_has_no_router(tmp_path: Path):
    sim = Simulation.model_validate({"phones": 1, "time_scale": 0.005})
    with SimBench(sim, "plain-bench", tmp_path) as bench:
        assert bench.cme is None and "cme" not in bench.lab_config().systems
