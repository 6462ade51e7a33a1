"""`rig discover --cucm`: a bench config from the simulated CUCM (AXL listPhone when configured,
RisPort70) and the switch's CDP table, written so that `rig config check` accepts it (one
simulated bench for the module)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rig.cli import main
from rig.config.lab import dump_config, load_config
from rig.config.simulation import Simulation
from rig.sim.bench import SimBench
from tests.test_erase_e2e import rig


@pytest.fixture(scope="module")
def seed_doc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("discover")
    with SimBench(Simulation(phones=3, scenarios={"stale_itl": 1}, time_scale=0.004, image_kb=4), "disc", work) as sim:
        yield dump_config(sim.lab_config())


def _discover(doc: dict[str, Any], tmp_path: Path, *extra: str):
    seed, out = tmp_path / "seed.yaml", tmp_path / "out" / "bench.yaml"
    out.parent.mkdir()
    seed.write_text(yaml.safe_dump(doc))
    return rig("discover", "--cucm", "--model", "7942", "--write-config", str(out), "--config", str(seed), *extra,
               cwd=tmp_path), out


def _without_axl(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "cucm": {k: v for k, v in doc["cucm"].items() if k != "axl"}}


def test_a_device_pools_phones_come_from_axl_ports_from_cdp_and_listed_phones_are_kept(seed_doc, tmp_path):
    doc = {**seed_doc, "phones": [{**seed_doc["phones"][0], "name": "front-desk"}]}
    done, out = _discover(doc, tmp_path, "--device-pool", "Default")
    assert done.returncode == 0, done.stderr
    written = load_config(out)
    assert [p.name for p in written.phones] == ["front-desk", "SEP001D705F0001", "SEP001D705F0002"]
    added = written.phone("SEP001D705F0002")
    assert (added.mac, added.switch, added.port, str(added.ip)) == (
        "001D705F0002", "sw1", "GigabitEthernet1/0/3", "127.0.1.3")
    assert [k.backend for k in added.keypad] == ["operator"]
    assert yaml.safe_load(out.read_text())["phones"][0] == doc["phones"][0]  # kept as written
    assert "kept (already listed)" in done.stdout and "UnRegistered" in done.stdout and "Default" in done.stdout
    assert (out.stat().st_mode & 0o777) == 0o600
    check = rig("config", "check", "--config", str(out), cwd=tmp_path)
    assert check.returncode == 0, check.stderr


def test_risport_alone_a_name_pattern_selects_and_no_match_writes_nothing(seed_doc, tmp_path):
    done, out = _discover(_without_axl({**seed_doc, "phones": []}), tmp_path, "--name", "SEP001D705F0001")
    assert done.returncode == 0, done.stderr
    assert [p.name for p in load_config(out).phones] == ["SEP001D705F0001"]
    (out.parent / "again").mkdir()
    none = rig("discover", "--cucm", "--name", "SEPFFFF*", "--write-config", str(out.parent / "again" / "b.yaml"),
               "--config", str(tmp_path / "seed.yaml"), cwd=tmp_path)
    assert none.returncode == 2 and "nothing to write" in none.stderr
    assert not (out.parent / "again" / "b.yaml").exists()


def _refused(doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    """rig discover run in-process (no interpreter start): exit 2 and its one line."""
    seed = tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump(doc))
    argv = ["rig", "discover", "--cucm", "--write-config", str(tmp_path / "out.yaml"), "--config", str(seed), *extra]
    with pytest.MonkeyPatch.context() as patch, pytest.raises(SystemExit) as exited:
        patch.setattr(sys, "argv", argv)
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.count("\n") == 1 and not (tmp_path / "out.yaml").exists()
    return err


def test_without_risport_or_axl_for_a_device_pool_it_is_one_line_exit_2(seed_doc, tmp_path, capsys):
    no_risport = {**seed_doc, "cucm": {k: v for k, v in seed_doc["cucm"].items() if k != "risport"}}
    assert "cucm.risport: required" in _refused(no_risport, tmp_path, capsys)
    assert "cucm.axl: required by --device-pool" in _refused(_without_axl(seed_doc), tmp_path, capsys,
                                                             "--device-pool", "Default")


def test_another_device_pool_has_no_phone_here(seed_doc, tmp_path):
    done, out = _discover({**seed_doc, "phones": []}, tmp_path, "--device-pool", "Branch-DP")
    assert done.returncode == 2 and "nothing to write" in done.stderr and not out.exists()
