"""Proving the port on the simulated bench, through the real CLI: `rig erase` never sends `power
inline never` to a port whose phone a fresh read did not prove there (cables swapped after
identify, the MAC on two ports, an uplink), and `rig preflight` says not ready for an uplink, a
MAC seen on two ports and a port without PoE. The switch's command log (SimBench.observe) is the
witness of what was powered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from rig.cli import app
from rig.config.lab import dump_config
from rig.config.simulation import Simulation
from rig.sim.bench import SimBench
from rig.sim.misconfig import SWITCH_BEHIND
from tests.test_erase_e2e import Started, _phone, _step, _write_config

SCALE = 0.004
THREE = {"phones": 3, "scenarios": {"stale_itl": 3}, "time_scale": SCALE, "image_kb": 4}
DESK01_MAC, DESK02_MAC = "001D705F0000", "001D705F0001"


AFTER_IDENTIFY = "show running-config"
"""The last read of the identify step's proof: a change after it is one identify did not see."""


def _swap_after_identify(sim: SimBench) -> None:
    """desk-01's and desk-03's cables change places right after desk-01 was identified."""
    switch = sim.switches["sw1"]
    switch.after_next(AFTER_IDENTIFY, lambda: switch.swap_cables("Gi1/0/1", "Gi1/0/3"))


def _stale_after_identify(sim: SimBench) -> None:
    """A stale entry of desk-02's MAC appears on Gi1/0/3 in VLAN 200 right after its identify."""
    switch = sim.switches["sw1"]
    switch.after_next(AFTER_IDENTIFY, lambda: switch.add_entry("Gi1/0/3", DESK02_MAC, 200))


def _uplink_after_identify(sim: SimBench) -> None:
    """desk-03's port turns into a trunk with a switch behind it right after its identify."""
    switch = sim.switches["sw1"]
    macs = [f"0050560001{i:02X}" for i in range(20)]
    switch.after_next(AFTER_IDENTIFY, lambda: switch.make_uplink("Gi1/0/3", SWITCH_BEHIND, macs))


BENCHES: dict[str, tuple[dict[str, Any], tuple[str, ...], Callable[[SimBench], None] | None]] = {
    "swap": (THREE, ("desk-01",), _swap_after_identify),
    "stale": (THREE, ("desk-02",), _stale_after_identify),
    "uplink": ({**THREE, "misconfig": {"uplink": ["desk-02"]}}, (), None),
    "uplink-late": (THREE, ("desk-03",), _uplink_after_identify),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Started]]:
    """Each bench's `rig erase --json` run, started together (they mostly wait on device time)."""
    with ExitStack() as stack:
        started: dict[str, Started] = {}
        for name, (settings, phones, before) in BENCHES.items():
            work = tmp_path_factory.mktemp(name)
            sim = stack.enter_context(SimBench(Simulation.model_validate(settings), f"proof-{name}", work))
            config = _write_config(sim, work / "lab.yaml")
            if before is not None:
                before(sim)
            env = {**os.environ, "RIG_LEASE_DIR": str(work / "leases")}
            proc = subprocess.Popen([sys.executable, "-m", "rig", "erase", *phones, "--config", str(config),
                                     "--runs-dir", str(work / "runs"), "--json"], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, cwd=work, env=env)
            stack.callback(proc.kill)
            started[name] = Started(sim, config, proc)
        yield started


def _powered_off(sim: SimBench) -> list[str]:
    """Every interface line the switch was told `power inline never` under."""
    log = [c.strip() for c in sim.observe.commands("sw1")]
    return [iface for iface, command in zip(log, log[1:]) if command == "power inline never"]


def test_cables_swapped_after_identify_reboot_nobody_and_do_not_pass_the_phone(runs):
    """H3: the configured port now holds desk-03 (not in the job): it is never powered off, and
    desk-01 is not reported passed; the refusal names where its MAC is now."""
    run = runs["swap"].run()
    desk = _phone(run["results"], "desk-01")
    assert _step(desk, "identify")["ok"]
    assert desk["outcome"] != "passed", desk
    assert "refusing to power off desk-01" in desk["reason"]
    assert "MAC 001d.705f.0000 is learned on GigabitEthernet1/0/3" in desk["reason"], desk["reason"]
    assert _powered_off(runs["swap"].sim) == []


def test_a_stale_entry_of_the_mac_on_another_port_refuses_the_power_off_naming_both_ports(runs):
    """M10: the MAC seen on Gi1/0/3 (VLAN 200) besides its port: nothing is powered (the detail
    says "seen on two ports", or "learned on ..., not on" while the phone restarting after its
    erase has no link: test_port_proof checks both messages)."""
    run = runs["stale"].run()
    desk = _phone(run["results"], "desk-02")
    assert _step(desk, "identify")["ok"] and desk["outcome"] != "passed", desk
    assert "refusing to power off desk-02" in desk["reason"]
    assert "GigabitEthernet1/0/3 (VLAN 200)" in desk["reason"], desk["reason"]
    assert _powered_off(runs["stale"].sim) == []


def test_a_phone_behind_an_uplink_is_skipped_and_the_uplink_never_powered(runs):
    """H4: 21 MACs, a switch as CDP neighbour and trunk mode: the phone is skipped at identify,
    the uplink never hears `power inline never`, the phones on access ports pass."""
    run = runs["uplink"].run()
    desk = _phone(run["results"], "desk-02")
    assert desk["outcome"] == "skipped" and [s["name"] for s in desk["steps"]] == ["identify"]
    for sign in ("looks like an uplink or trunk", "21 MACs learned on it",
                 "CDP neighbour access-sw2 (cisco WS-C3560X-24P) is a Switch IGMP",
                 "Administrative Mode trunk, Operational Mode trunk", "`switchport mode trunk`"):
        assert sign in desk["reason"], (sign, desk["reason"])
    assert "GigabitEthernet1/0/2" not in _powered_off(runs["uplink"].sim)
    assert [p["outcome"] for p in run["results"]["phones"] if p["name"] != "desk-02"] == ["passed", "passed"]


def test_a_port_that_became_an_uplink_after_identify_is_refused_at_power_off(runs):
    """H4 at run time: the proof before `power inline never` sees the trunk identify did not."""
    run = runs["uplink-late"].run()
    desk = _phone(run["results"], "desk-03")
    assert _step(desk, "identify")["ok"] and desk["outcome"] != "passed", desk
    assert "refusing to power off desk-03: sw1 Gi1/0/3 looks like an uplink or trunk: " in desk["reason"]
    assert "MACs learned on it" in desk["reason"] and "is a Switch IGMP" in desk["reason"]
    assert _powered_off(runs["uplink-late"].sim) == []


PREFLIGHT = Simulation.model_validate({
    "phones": 4, "scenarios": {"healthy": 4}, "time_scale": SCALE, "image_kb": 4, "risport": False,
    "misconfig": {"uplink": ["desk-01"], "no_poe": ["desk-03"]},
})


@pytest.fixture(scope="module")
def preflighted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, dict[str, Any], list[str]]]:
    """`rig preflight --json` on a bench with an uplink (desk-01), a stale entry of desk-02's MAC
    on desk-04's port and a port without PoE (desk-03): exit code, document, power commands sent."""
    work = tmp_path_factory.mktemp("preflight")
    with SimBench(PREFLIGHT, "proof-preflight", work) as sim:
        config = work / "lab.yaml"
        config.write_text(yaml.safe_dump(dump_config(sim.lab_config())))
        sim.switches["sw1"].add_entry("Gi1/0/4", DESK02_MAC, 200)
        os.environ["RIG_LEASE_DIR"] = str(work / "leases")
        try:
            result = CliRunner().invoke(app, ["--config", str(config), "preflight", "--json"])
        finally:
            del os.environ["RIG_LEASE_DIR"]
        yield result.exit_code, json.loads(result.stdout), _powered_off(sim)


def _port_check(document: dict[str, Any], name: str) -> dict[str, Any]:
    phone = next(p for p in document["phones"] if p["name"] == name)
    return next(c for c in phone["checks"] if c["name"] == "port")


@pytest.mark.parametrize("name, saw, fix", [
    ("desk-01", "sw1 Gi1/0/1 looks like an uplink or trunk: 21 MACs learned on it", "rig never powers an uplink"),
    ("desk-02", "seen on two ports: GigabitEthernet1/0/2 (VLAN 1) and GigabitEthernet1/0/4 (VLAN 200)",
     "is a stale MAC entry on another port?"),
    ("desk-03", "but `show power inline` has no row for Gi1/0/3", "plug desk-03 into a PoE port of sw1"),
])
def test_preflight_says_not_ready_for_an_uplink_a_mac_on_two_ports_and_a_port_without_poe(preflighted, name, saw, fix):
    """H4, M10 and L2 in preflight: each its phone's port check fails, naming what was seen."""
    code, document, _ = preflighted
    check = _port_check(document, name)
    assert code == 1 and not check["ok"]
    assert saw in check["detail"] and fix in check["detail"], check["detail"]


def test_preflight_proves_the_access_port_it_passes_and_powers_nothing(preflighted):
    _, document, powered = preflighted
    check = _port_check(document, "desk-04")
    assert check["ok"] and "learned on sw1 Gi1/0/4 only" in check["detail"] and "access port" in check["detail"]
    assert powered == []
