"""`rig migrate --from cucm --to cme` end to end on the simulated bench, through the real CLI.

The bench serves a CUCME router (`simulation.cme`), written into its config as `systems.cme` with
SSH. Phones registered to the bench's cluster hold its ITL; the cluster is not in rollback, so each
is erased by keys, moved, restarted, and must then fetch the router's unsigned config through the
tap, take no ITL, and show in the router's `show ephone registered` from its own address.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rig.config.simulation import Simulation
from rig.record.journal import ports_left_off, read_events, routes_of
from rig.sim.bench import SimBench
from rig.sim.bench_cme import CME_HOST
from tests.test_erase_e2e import rig
from tests.test_migrate_e2e import SCALE, killed_after_a_move, outcomes, write_config

PHONES = ["desk-01", "desk-02", "desk-03"]


@contextmanager
def cme_bench(tmp_path: Path, *, ssh: bool = True, **changes: Any) -> Iterator[tuple[SimBench, Path]]:
    """The bench and its written config; `changes`: top-level sections of the config updated."""
    settings = Simulation(phones=3, scenarios={"healthy": 2, "no_itl": 1}, time_scale=SCALE, image_kb=4, cme=True)
    def edit(doc: dict) -> None:
        if not ssh:
            del doc["systems"]["cme"]["ssh"]
        for section, update in changes.items():
            doc[section] = _merged(doc[section], update)

    with SimBench(settings, "to-cme", tmp_path) as sim:
        yield sim, write_config(sim, tmp_path, edit)


def _merged(into: dict, update: dict) -> dict:
    return {**into, **{k: _merged(into[k], v) if isinstance(v, dict) else v for k, v in update.items()}}


def migrate_to_cme(config: Path, *args: str) -> tuple[int, dict, str]:
    done = rig("migrate", "--from", "cucm", "--to", "cme", *args, "--config", str(config), "--runs-dir",
               str(config.parent / "runs"), "--json", cwd=config.parent, timeout=120)
    return done.returncode, json.loads(done.stdout), done.stderr


def steps(document: dict, phone: str) -> dict[str, dict]:
    """The phone's steps by name, from the run's results.json."""
    results = json.loads((Path(document["run_dir"]) / "results.json").read_text())
    found = next(p for p in results["phones"] if p["name"] == phone)
    return {s["name"]: s for s in found["steps"]}


def test_every_phone_moves_to_the_router_and_registers_there(tmp_path):
    with cme_bench(tmp_path) as (sim, config):
        code, document, stderr = migrate_to_cme(config)
        assert code == 0, stderr
        assert outcomes(document) == {name: ("passed", "erase:serial_actuator") for name in PHONES}
        assert sim.cme is not None
        registered = sim.cme.registrations()
        for name in PHONES:
            phone = sim.phones[name]
            assert registered[phone.mac].ip == phone.ip
            assert f"SEP{phone.mac}.cnf.xml" in [r.file for r in sim.cme.reads() if r.served]  # relayed by the tap
            checks = steps(document, name)
            assert checks["verify_registration"]["ok"] and "show ephone registered" in checks["verify_registration"]["detail"]
            assert checks["verify_config"]["ok"] and "unsigned XML" in checks["verify_config"]["detail"]
            assert checks["verify_itl"]["ok"] and checks["verify_trust_list"]["ok"]
        events = read_events(Path(document["run_dir"]) / "journal.jsonl")
        assert {n: r.system for n, r in routes_of(events, PHONES).items()} == dict.fromkeys(PHONES, "cme")
        assert any("show ephone registered" in c for c in sim.cme.commands_received())


def test_without_ssh_to_the_router_the_files_alone_are_verified(tmp_path):
    with cme_bench(tmp_path, ssh=False) as (sim, config):
        code, document, stderr = migrate_to_cme(config, "desk-03")
        assert code == 0, stderr
        checks = steps(document, "desk-03")
        assert "verify_registration" not in checks and checks["verify_config"]["ok"]
        assert sim.cme is not None and sim.cme.commands_received() == []


def test_no_erase_leaves_a_phone_holding_the_clusters_itl_failed_and_unmoved(tmp_path):
    with cme_bench(tmp_path) as (sim, config):
        code, document, _ = migrate_to_cme(config, "desk-01", "--no-erase")
        assert code == 1
        phone = document["phones"][0]
        assert phone["outcome"] == "failed" and "--no-erase" in phone["reason"]
        assert sim.observe.key_events("desk-01") == []
        assert sim.cme is not None and sim.cme.registrations() == {}


class _Deaf:
    """A router that hears no phone register (SCCP lost on the way)."""

    def register(self, mac: str, ip: str) -> None:
        pass

    def unregister(self, mac: str) -> None:
        pass


def test_a_phone_the_router_does_not_list_as_registered_fails_verify_registration(tmp_path):
    with cme_bench(tmp_path, timeouts={"boot": 6.0}) as (sim, config):
        sim.call_control.serve(CME_HOST, _Deaf())
        code, document, _ = migrate_to_cme(config, "desk-03")
        assert code == 1
        phone = document["phones"][0]
        assert phone["outcome"] == "failed" and "not in show ephone registered" in phone["reason"]
        checks = steps(document, "desk-03")
        assert checks["verify_config"]["ok"] and not checks["verify_registration"]["ok"]


def test_a_router_rig_cannot_log_in_to_stops_the_migration_before_any_phone_is_touched(tmp_path):
    with cme_bench(tmp_path, systems={"cme": {"ssh": {"password": "not-the-password"}}}) as (sim, config):
        done = rig("migrate", "--from", "cucm", "--to", "cme", "--config", str(config), "--runs-dir",
                   str(tmp_path / "runs"), cwd=tmp_path, timeout=120)
        assert done.returncode == 2 and done.stderr.count("\n") == 1
        assert "nothing was touched" in done.stderr and "CME router cme" in done.stderr
        assert "not-the-password" not in done.stderr + done.stdout
        assert not (tmp_path / "runs").exists()
        assert all(sim.observe.key_events(name) == [] for name in PHONES)


def preflight_checks(config: Path) -> dict[str, dict]:
    done = rig("preflight", "desk-01", "--from", "cucm", "--to", "cme", "--json", "--config", str(config),
               cwd=config.parent)
    return {c["name"]: c for c in json.loads(done.stdout)["migration"]}


def test_preflight_reads_the_routers_ephones_over_ssh(tmp_path):
    with cme_bench(tmp_path) as (sim, config):
        checks = preflight_checks(config)
        assert set(checks) == {"system cucm TFTP", "rollback on cucm", "system cme through the tap", "system cme SSH"}
        assert all(c["ok"] for c in checks.values())
        assert "3 ephones, 0 registered" in checks["system cme SSH"]["detail"]


def test_preflight_names_a_router_it_cannot_log_in_to(tmp_path):
    with cme_bench(tmp_path, systems={"cme": {"ssh": {"password": "not-the-password"}}}) as (sim, config):
        check = preflight_checks(config)["system cme SSH"]
        assert not check["ok"] and "refused" in check["detail"] and "fix: check systems.cme.ssh" in check["detail"]


def test_a_migration_to_the_router_killed_mid_way_is_finished_by_resume(tmp_path):
    with cme_bench(tmp_path) as (sim, config):
        journal = killed_after_a_move(config, "cucm", "cme")
        done = rig("migrate", "--resume", str(journal.parent), "--json", cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr
        events = read_events(journal)
        assert {n: r.system for n, r in routes_of(events, PHONES).items()} == dict.fromkeys(PHONES, "cme")
        assert ports_left_off(events, "migrate") == []
        assert {sim.phones[n].mac for n in PHONES} <= set(sim.cme.registrations())
