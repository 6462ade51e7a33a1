"""`rig preflight` on a simulated bench wired wrong in every way `simulation.misconfig` knows:
each mistake makes exactly its phone not ready with the fix, the trust anchor that is not the
cluster's stops both preflight (exit 1) and `rig erase` (exit 2, nothing touched), and nothing
preflight does powers a port or presses a key (read through SimBench.observe)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from rig.cli import app
from rig.config.lab import dump_config
from rig.config.simulation import Simulation
from rig.sim.bench import SimBench
from tests.test_validation_cli import rig_in_process

MISWIRED = {
    "desk-01": ("TFTP server", "option 150 / TFTP server points at 127.0.0.2, not at the tap ({tap})",
                "make DHCP option 150 on desk-01's VLAN name {tap} first"),
    "desk-02": ("port", "is on sw1 GigabitEthernet1/0/40, not on sw1 Gi1/0/2", "plug desk-02 into sw1 Gi1/0/2"),
    "desk-03": ("web access", "off (connection refused", "enable Web Access"),
    "desk-04": ("keypad serial_actuator", "has no head 'desk-04'", "wire a solenoid head over desk-04's keypad"),
}
SIMULATION = Simulation.model_validate({
    "phones": 8, "time_scale": 0.004, "image_kb": 4, "keypad": "http_execute",
    "scenarios": {"stale_itl": 2, "healthy": 6},
    "web_access_off": ["desk-03"],
    "misconfig": {"tftp_bypass": ["desk-01"], "moved": {"desk-02": "Gi1/0/40"}, "actuator_unwired": ["desk-04"],
                  "meter_swapped": ["desk-05", "desk-06"], "stale_trust_anchor": True},
})


@pytest.fixture(autouse=True)
def _leases_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIG_LEASE_DIR", str(tmp_path / "leases"))
    monkeypatch.chdir(tmp_path)  # and the journals of `rig power off|cycle` (./runs) out of the repository


@pytest.fixture(scope="module")
def miswired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimBench, Path]]:
    tmp = tmp_path_factory.mktemp("miswired")
    with SimBench(SIMULATION, "miswired", tmp) as bench:
        path = tmp / "lab.yaml"
        path.write_text(yaml.safe_dump(dump_config(bench.lab_config())))
        yield bench, path


def rig(config: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["--config", str(config), *args])


def power_commands(bench: SimBench) -> list[str]:
    return [c for c in bench.observe.commands("sw1") if "power inline" in c and not c.startswith("show")]


@pytest.fixture(scope="module")
def preflighted(miswired: tuple[SimBench, Path]) -> tuple[int, dict[str, Any], list[str], dict[str, list[str]]]:
    """One `rig preflight --json` of the miswired bench: exit code, document, and the power
    commands and keys the bench received meanwhile."""
    bench, config = miswired
    before = len(bench.observe.commands("sw1"))
    result = rig(config, "preflight", "--json")
    during = bench.observe.commands("sw1")[before:]
    keys = {name: bench.observe.keys(name) for name in bench.observe.phones()}
    return result.exit_code, json.loads(result.stdout), [c for c in during if "power inline " in c], keys


def phone(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in document["phones"] if p["name"] == name)


@pytest.mark.parametrize("name", sorted(MISWIRED))
def test_each_misconfiguration_makes_exactly_its_phone_not_ready_and_says_the_fix(miswired, preflighted, name):
    code, document, _, _ = preflighted
    check, saw, fix = (text.format(tap=miswired[0].tap_host) for text in MISWIRED[name])
    found = phone(document, name)
    assert code == 1 and not found["ready"]
    failed = [c for c in found["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == [check], failed
    assert saw in failed[0]["detail"] and f"fix: {fix}" in failed[0]["detail"]
    assert found["problems"] == [f"{check}: {failed[0]['detail']}"]


def test_the_phones_wired_right_are_ready(preflighted):
    _, document, _, _ = preflighted
    assert [p["name"] for p in document["phones"] if p["ready"]] == ["desk-05", "desk-06", "desk-07", "desk-08"]


def test_a_trust_anchor_that_is_not_the_clusters_is_a_bench_problem(preflighted):
    code, document, _, _ = preflighted
    assert code == 1 and document["ready"] is False and document["bench"]["ready"] is False
    trust = [p for p in document["bench"]["problems"] if p.startswith("trust anchor: ")]
    assert len(trust) == 1 and "is not the cluster's: ITLSEP001D705F0000.tlv from CUCM does not verify" in trust[0]
    assert "fix: put the CallManager certificate of CUCM's TFTP node" in trust[0]


def test_the_unwired_actuator_head_is_also_named_on_the_board(preflighted):
    _, document, _, _ = preflighted
    boards = [p for p in document["bench"]["problems"] if p.startswith("actuator ")]
    assert len(boards) == 1 and "LIST lacks desk-04 (" in boards[0]


def test_the_json_document_has_exactly_the_documented_shape(preflighted):
    _, document, _, _ = preflighted
    assert set(document) == {"ready", "bench", "phones"} and set(document["bench"]) == {"ready", "problems"}
    for found in document["phones"]:
        assert set(found) == {"name", "ready", "problems", "checks"}
        assert all(set(c) == {"name", "ok", "detail"} and isinstance(c["ok"], bool) for c in found["checks"])


def test_preflight_powers_no_port_and_presses_no_key(preflighted):
    _, _, power, keys = preflighted
    assert power == []
    assert keys == {name: [] for name in keys}


def test_rig_erase_stops_with_exit_2_before_touching_anything_when_the_anchor_is_wrong(
        miswired, tmp_path, monkeypatch, capsys):
    bench, config = miswired
    before = power_commands(bench)
    code, out, err = rig_in_process(["erase", "--config", str(config), "--runs-dir", str(tmp_path / "runs")],
                                    monkeypatch, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("rig: error: bench miswired cannot work, nothing was touched: trust anchor: ")
    assert "is not the cluster's" in err
    assert power_commands(bench) == before
    assert not (tmp_path / "runs").exists()
    assert all(bench.observe.keys(name) == [] for name in bench.observe.phones())


def test_an_unset_password_variable_is_a_finding_of_preflight_and_stops_erase(miswired, tmp_path, monkeypatch, capsys):
    _, config = miswired
    document = yaml.safe_load(config.read_text())
    del document["switches"]["sw1"]["password"]
    document["switches"]["sw1"]["password_env"] = "RIG_PREFLIGHT_TEST_UNSET"
    monkeypatch.delenv("RIG_PREFLIGHT_TEST_UNSET", raising=False)
    unset = tmp_path / "unset.yaml"
    unset.write_text(yaml.safe_dump(document))
    result = rig(unset, "preflight", "--json", "desk-07")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["bench"]["problems"]
    assert problems[0] == ("credentials: switches.sw1.password_env: RIG_PREFLIGHT_TEST_UNSET is not set; "
                           "fix: export RIG_PREFLIGHT_TEST_UNSET before running rig")
    code, _, err = rig_in_process(["erase", "--config", str(unset), "--runs-dir", str(tmp_path / "runs")],
                                  monkeypatch, capsys)
    assert code == 2 and "RIG_PREFLIGHT_TEST_UNSET is not set" in err


def test_an_unknown_phone_is_bad_input(miswired, monkeypatch, capsys):
    _, config = miswired
    code, out, err = rig_in_process(["preflight", "--config", str(config), "desk-99"], monkeypatch, capsys)
    assert (code, out) == (2, "") and err.startswith("rig: error: no phone named 'desk-99' in bench 'miswired' (")
    assert err.count("\n") == 1


def test_swapped_meter_channels_name_both_phones_once_their_draws_differ(miswired):
    """Phones of one model draw alike: the swap shows once one of the two is off (turned off here
    by `rig power`, before preflight; preflight itself powers nothing)."""
    bench, config = miswired
    assert rig(config, "power", "off", "desk-06").exit_code == 0
    before = power_commands(bench)
    result = rig(config, "preflight", "--json", "desk-05", "desk-06")
    assert power_commands(bench) == before
    meters = {p["name"]: next(c for c in p["checks"] if c["name"] == "meter") for p in json.loads(result.stdout)["phones"]}
    assert not meters["desk-05"]["ok"] and not meters["desk-06"]["ok"]
    assert "meter1 channel 5 reads 0.0 W, sw1 GigabitEthernet1/0/5 gives 6.3 W; it reads like desk-06's port, and desk-06's channel like this one's" \
        in meters["desk-05"]["detail"]
    assert "fix: swap the leads of meter1 channels 5 and 6" in meters["desk-05"]["detail"]
    assert "it reads like desk-05's port" in meters["desk-06"]["detail"]


def _edited(config: Path, tmp_path: Path, **switch: object) -> Path:
    """The bench's config with sw1's settings changed."""
    document = yaml.safe_load(config.read_text())
    document["switches"]["sw1"].update(switch)
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_an_unknown_host_key_is_shown_with_the_line_to_add_and_not_recorded(miswired, tmp_path):
    _, config = miswired
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    result = rig(_edited(config, tmp_path, known_hosts=str(empty)), "preflight", "--json", "desk-07")
    assert result.exit_code == 1
    (problem,) = [p for p in json.loads(result.stdout)["bench"]["problems"] if p.startswith("switch sw1 host key: ")]
    host = yaml.safe_load(config.read_text())["switches"]["sw1"]
    name = f"[{host['host']}]:{host['port']}"
    assert f"{name} is not in {empty} (offered ssh-" in problem and "SHA256:" in problem
    assert f"fix: after checking the fingerprint on the switch, add to {empty}: {name} ssh-" in problem
    assert empty.read_text() == ""


def test_rig_erase_stops_with_exit_2_when_a_switch_is_unreachable(miswired, tmp_path, monkeypatch, capsys):
    bench, config = miswired
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = unused.getsockname()[1]
    edited = _edited(config, tmp_path, port=closed)
    code, _, err = rig_in_process(["erase", "--config", str(edited), "--runs-dir", str(tmp_path / "runs")],
                                  monkeypatch, capsys)
    assert code == 2 and "cannot work, nothing was touched: switch sw1: unreachable: cannot reach" in err
    assert not (tmp_path / "runs").exists()
