"""`rig erase` end to end on a simulated 3-member stack that runs LLDP and not CDP: the phones sit
on `Gi1/0/x`, `Gi2/0/x` and `Gi3/0/x`, each member with its own PoE budget, every phone passes,
and LLDP-MED stands in for CDP as evidence (the phone's model and its announced load)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("rig.sim.bench")

from rig.config.simulation import SimSwitches, Simulation  # noqa: E402
from rig.sim.bench import SimBench  # noqa: E402
from tests.test_erase_e2e import SCALE, _results, _write_config, rig  # noqa: E402


def test_rig_erase_passes_on_a_three_member_stack_with_cdp_off(tmp_path: Path) -> None:
    sim = Simulation(phones=3, scenarios={"stale_itl": 2, "healthy": 1}, time_scale=SCALE, image_kb=4,
                     switch=SimSwitches(members=3, cdp=False, lldp=True))
    with SimBench(sim, "stack-e2e", tmp_path) as bench:
        config = _write_config(bench, tmp_path / "lab.yaml")
        done = rig("erase", "--config", str(config), "--runs-dir", str(tmp_path / "runs"), "--json", cwd=tmp_path,
                   timeout=120)
        commands = bench.observe.commands("sw1")
    assert done.returncode == 0, done.stderr + done.stdout
    results = _results(Path(json.loads(done.stdout)["run_dir"]))
    assert results["summary"]["passed"] == 3
    assert sorted(p["port"] for p in results["phones"]) == ["Gi1/0/1", "Gi2/0/1", "Gi3/0/1"]
    assert all(p["load_after"] == "SCCP42.9-4-2SR3-1S" for p in results["phones"])
    assert "show cdp neighbors detail" in commands  # asked, and answered `% CDP is not enabled`
    for phone in results["phones"]:
        identify = next(s for s in phone["steps"] if s["name"] == "identify")
        assert f"LLDP-MED neighbour SEP{phone['mac']} (CP-7942G, " in identify["detail"], identify["detail"]
        verify = next(s for s in phone["steps"] if s["name"] == "verify_load")
        assert "LLDP S/W revision" in verify["detail"].split("agreed: ", 1)[1].split(";")[0], verify["detail"]


def test_a_switch_with_neither_cdp_nor_lldp_is_preflights_warning_not_a_refusal_to_erase(tmp_path: Path) -> None:
    sim = Simulation(phones=2, scenarios={"healthy": 2}, time_scale=SCALE, image_kb=4,
                     switch=SimSwitches(cdp=False, lldp=False))
    with SimBench(sim, "silent-e2e", tmp_path) as bench:
        config = _write_config(bench, tmp_path / "lab.yaml")
        done = rig("erase", "--config", str(config), "--runs-dir", str(tmp_path / "runs"), "--json", cwd=tmp_path,
                   timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout  # identified by the MAC table
