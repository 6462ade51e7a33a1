"""`rig erase --try-variants` on a simulated phone whose firmware takes the keypad script's second
published variant (Soft2 Soft4 Soft2 after `**#`, simulation.itl_erase_softkeys): without the
flag its erase is not confirmed; with it, the first variant fails, the second confirms, each
starts from the screen the phone boots to, and `rig facts` names the variant."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rig.cli import app
from rig.config.simulation import Simulation
from rig.phone.keyscript import load_script
from tests.bench_config import bench_config

SIMULATION = Simulation.model_validate({
    "phones": 1, "time_scale": 0.004, "image_kb": 4, "scenarios": {"stale_itl": 1},
    "itl_erase_softkeys": ["Soft2", "Soft4", "Soft2"],
})
UNLOCK_TWICE = "KeyPadStar KeyPadStar KeyPadPound KeyPadStar KeyPadStar"


def erase_steps(run_dir: Path) -> list[dict]:
    events = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    return [e for e in events if e["event"] == "step" and e["name"] in ("erase", "recover")]


def test_the_variant_the_firmware_takes_is_found_confirmed_and_named(tmp_path):
    with bench_config(SIMULATION, "variants-bench", tmp_path) as (sim, config):
        def erase(*args: str) -> dict:
            result = CliRunner().invoke(app, ["--config", str(config), "erase", "--runs-dir", str(tmp_path / "runs"),
                                              "--json", "--no-screenshots", *args])
            assert result.exit_code in (0, 1), result.output
            return json.loads(result.stdout)

        without = erase()
        assert without["summary"]["failed"] == 1
        assert "not confirmed" in without["phones"][0]["reason"] or "failed 2x" in without["phones"][0]["reason"]
        keys_before = len(sim.observe.keys("desk-01"))

        found = erase("--try-variants")
        keys = sim.observe.keys("desk-01")[keys_before:]

    assert found["summary"]["passed"] == 1
    run_dir = Path(found["run_dir"])
    names = [(s["name"], s["attempt"], s["ok"]) for s in erase_steps(run_dir)]
    assert names == [("erase", 1, False), ("recover", 1, True), ("erase", 2, False), ("recover", 1, True),
                     ("erase", 3, False), ("recover", 1, True), ("erase", 4, True)]
    confirmed = erase_steps(run_dir)[-1]
    variants = load_script("7942", "sccp9", "itl_erase").meta.variants
    assert confirmed["data"]["variant"] == {"index": 1, "keys": variants[1].keys, "source": variants[1].source}
    assert confirmed["data"]["keys"][-3:] == ["Soft2", "Soft4", "Soft2"]
    assert UNLOCK_TWICE not in " ".join(keys)  # every variant started from a boot, never **#**

    result = CliRunner().invoke(app, ["facts", str(run_dir), "--json"])
    assert result.exit_code == 0, result.output
    facts = {fact["id"]: fact for fact in json.loads(result.stdout)["facts"]}
    assert facts["key_path.variant"]["status"] == "confirmed"
    line = facts["key_path.variant"]["evidence"][0]["line"]
    assert line.startswith("7942-sccp9-itl_erase.yaml variants[1] (Settings, 4, 5, 2, *, *, #, Soft2, Soft4, Soft2")
    assert "levensailor/py-cisco-cti-remote" in line
    assert facts["tftp.options"]["evidence"][0]["line"].startswith("asked blksize=1428 (")  # the simulated phone's
    assert facts["key_path"]["status"] == "contradicted"
    assert facts["key_path"]["evidence"][0]["line"].endswith("; variants[1] confirmed instead")
