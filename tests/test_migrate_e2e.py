"""`rig migrate --from old --to cucm` end to end on the simulated bench, through the real CLI.

The `stale_itl` phones hold the ITL of the old cluster (`simulation.old_cluster`). With its
rollback parameter set they take its rollback ITL after a restart and move to the bench's cluster
without a key; without it they are erased by keys (or fail, with `--no-erase`). A run killed with
SIGKILL mid-migration is finished by `--resume`: every phone ends routed and powered as its
journal says.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import yaml

from rig.config.lab import dump_config
from rig.config.simulation import OldCluster, Simulation
from rig.record.events import PhoneStarted, PowerAction, RouteChange, RunResumed
from rig.record.journal import ports_left_off, read_events, routes_of
from rig.sim.bench import SimBench
from tests.test_erase_e2e import rig

SCALE = 0.004
PHONES = ["desk-01", "desk-02", "desk-03"]


@contextmanager
def migration_bench(tmp_path: Path, rollback: bool, scenarios: dict[str, int] | None = None
                    ) -> Iterator[tuple[SimBench, Path]]:
    settings = Simulation(phones=3, scenarios=scenarios or {"stale_itl": 3}, time_scale=SCALE, image_kb=4,
                          old_cluster=OldCluster(rollback=rollback))
    with SimBench(settings, "migrate", tmp_path) as sim:
        yield sim, write_config(sim, tmp_path)


def write_config(sim: SimBench, tmp_path: Path, edit: Callable[[dict], None] = lambda doc: None) -> Path:
    """The bench's config in `tmp_path` (keys pressed 10 ms), `edit`ed first."""
    doc = dump_config(sim.lab_config())
    for phone in doc["phones"]:
        for keypad in phone["keypad"]:
            if keypad["backend"] == "serial_actuator":
                keypad["press_ms"] = 10
    edit(doc)
    config = tmp_path / "lab.yaml"
    config.write_text(yaml.safe_dump(doc))
    return config


def migrate(config: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    done = rig("migrate", "--from", "old", "--to", "cucm", *args, "--config", str(config), "--runs-dir",
               str(config.parent / "runs"), "--json", cwd=config.parent, timeout=120)
    return done, json.loads(done.stdout)


def outcomes(document: dict) -> dict[str, tuple[str, str | None]]:
    return {p["name"]: (p["outcome"], p.get("fix")) for p in document["phones"]}


def test_in_rollback_every_stale_phone_moves_to_the_new_cluster_without_a_key(tmp_path):
    with migration_bench(tmp_path, rollback=True) as (sim, config):
        done, document = migrate(config)
        assert done.returncode == 0, done.stderr
        assert outcomes(document) == {name: ("passed", "rollback") for name in PHONES}
        assert all(sim.observe.key_events(name) == [] for name in PHONES)
        events = read_events(Path(document["run_dir"]) / "journal.jsonl")
        assert {n: r.system for n, r in routes_of(events, PHONES).items()} == dict.fromkeys(PHONES, "cucm")


def test_without_rollback_every_stale_phone_is_erased_by_keys_then_moved(tmp_path):
    with migration_bench(tmp_path, rollback=False) as (sim, config):
        done, document = migrate(config)
        assert done.returncode == 0, done.stderr
        assert outcomes(document) == {name: ("passed", "erase:serial_actuator") for name in PHONES}
        assert all(sim.observe.key_events(name) for name in PHONES)


def test_no_erase_fails_a_phone_the_rollback_cannot_fix_and_presses_no_key(tmp_path):
    with migration_bench(tmp_path, rollback=False) as (sim, config):
        done, document = migrate(config, "desk-01", "--no-erase")
        assert done.returncode == 1, done.stderr
        phone = document["phones"][0]
        assert phone["outcome"] == "failed" and "--no-erase" in phone["reason"]
        assert sim.observe.key_events("desk-01") == []


def test_a_phone_whose_itl_does_not_trust_the_old_cluster_refuses_its_rollback_itl(tmp_path):
    """desk-02 already holds the new cluster's ITL: the old cluster's rollback ITL is signed by a
    certificate it does not trust. With --no-erase it fails, saying so; desk-01 moves by rollback."""
    with migration_bench(tmp_path, rollback=True, scenarios={"stale_itl": 1, "healthy": 2}) as (sim, config):
        done, document = migrate(config, "desk-01", "desk-02", "--no-erase")
        assert done.returncode == 1, done.stderr
        phones = {p["name"]: p for p in document["phones"]}
        assert (phones["desk-01"]["outcome"], phones["desk-01"]["fix"]) == ("passed", "rollback")
        assert phones["desk-02"]["outcome"] == "failed"
        assert "did not take old's rollback ITL" in phones["desk-02"]["reason"]
        assert "Trust List Update Failed" in phones["desk-02"]["reason"]
        assert sim.observe.key_events("desk-02") == []


def test_a_migration_killed_mid_way_is_finished_by_resume_routed_and_powered_as_its_journal_says(tmp_path):
    with migration_bench(tmp_path, rollback=True) as (sim, config):
        journal = killed_after_a_move(config, "old", "cucm")
        before = read_events(journal)
        assert routes_of(before, PHONES), "killed after its first routes"

        done = rig("migrate", "--resume", str(journal.parent), "--json", cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr
        events = read_events(journal)
        resumed_at = max(i for i, e in enumerate(events) if isinstance(e, RunResumed))
        first_phone = next(i for i, e in enumerate(events) if i > resumed_at and isinstance(e, PhoneStarted))
        restored = {e.phone: e.system for e in events[resumed_at:first_phone] if isinstance(e, RouteChange)
                    and e.phase == "done"}
        assert restored == {n: r.system for n, r in routes_of(before, PHONES).items()}, \
            "before any phone starts, the tap routes each phone as the dead run's journal last said"
        assert {n: r.system for n, r in routes_of(events, PHONES).items()} == dict.fromkeys(PHONES, "cucm")
        assert ports_left_off(events, "migrate") == []
        assert all(sim.observe.phone(name).state == "registered" and sim.observe.phone(name).watts > 0
                   for name in PHONES)
        assert json.loads(done.stdout)["summary"]["passed"] == 3


def killed_after_a_move(config: Path, source: str, target: str) -> Path:
    """The journal of `rig migrate --from source --to target`, killed with SIGKILL (no clean-up of
    any kind) once a phone was moved to `target`."""
    runs, cwd = config.parent / "runs", config.parent
    env = {**os.environ, "RIG_LEASE_DIR": str(cwd / "leases")}
    with ExitStack() as stack:
        proc = subprocess.Popen([sys.executable, "-m", "rig", "migrate", "--from", source, "--to", target, "--config",
                                 str(config), "--runs-dir", str(runs), "--json"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=cwd, env=env)
        stack.callback(proc.kill)
        journal = wait_for_a_move(runs, target)
        proc.kill()
        proc.communicate(timeout=30)
    return journal


def wait_for_a_move(runs: Path, system: str) -> Path:
    """The run's journal, once a phone is moved to `system` and a port was powered off."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for journal in runs.glob("*/journal.jsonl"):
            events = read_events(journal)
            if any(isinstance(e, RouteChange) and e.system == system and e.phase == "done" for e in events) \
                    and any(isinstance(e, PowerAction) for e in events):
                return journal
        time.sleep(0.02)
    pytest.fail("no phone was moved within 60 s")


@pytest.mark.parametrize("rollback, state", [(True, "rollback ITL (no TFTP or TVS record"),
                                             (False, "not a rollback ITL (it lists CCM+TFTP, TVS)")])
def test_preflight_of_a_migration_shows_each_system_and_the_old_clusters_rollback_state(tmp_path, rollback, state):
    with migration_bench(tmp_path, rollback=rollback) as (sim, config):
        done = rig("preflight", "desk-01", "--from", "old", "--to", "cucm", "--json", "--config", str(config),
                   cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        checks = {c["name"]: c for c in json.loads(done.stdout)["migration"]}
        assert set(checks) == {"system old TFTP", "rollback on old", "system cucm through the tap"}
        assert all(c["ok"] for c in checks.values())
        assert state in checks["rollback on old"]["detail"]
        assert ("Prepare Cluster for Rollback to pre 8.0\" to True on old" in checks["rollback on old"]["detail"]) \
            is not rollback
