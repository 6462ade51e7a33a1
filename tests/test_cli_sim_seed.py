"""README's field snippet as written (issue 22): a `simulation:` config that names no bench is
served, `rig sim --write-seed` writes the bench without phones, and `rig discover` fills it in
with the web key presses first and the technician after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from rig.config.lab import load_config
from tests.test_cli_sim import serving
from tests.test_erase_e2e import rig


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("seeded")
    source = tmp / "lab.yaml"
    source.write_text(yaml.safe_dump({"simulation": {"phones": 2, "time_scale": 0.004, "image_kb": 1}}))
    written, seed = tmp / "sim" / "bench.yaml", tmp / "seed.yaml"
    with serving("--config", str(source), "--write-config", str(written), "--write-seed", str(seed), until=seed):
        yield seed


def test_an_unnamed_simulated_bench_is_served_and_its_seed_has_no_phones(seed):
    doc = yaml.safe_load(seed.read_text())
    assert doc["bench"] == "sim" and doc["phones"] == [] and doc["cucm"]["risport"]
    assert seed.stat().st_mode & 0o777 == 0o600


def test_discover_writes_web_key_presses_then_the_technician(seed, tmp_path):
    site = tmp_path / "site.yaml"
    done = rig("discover", "--cucm", "--config", str(seed), "--write-config", str(site),
               "--keypad-user", "rig", "--keypad-password-env", "RIG_TEST_PHONE_PASSWORD", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    phones = load_config(site).phones
    assert len(phones) == 2
    for phone in phones:
        assert [k.backend for k in phone.keypad] == ["http_execute", "operator"]
        assert (phone.keypad[0].username, phone.keypad[0].password_env) == ("rig", "RIG_TEST_PHONE_PASSWORD")


def test_write_seed_needs_write_config(tmp_path):
    source = tmp_path / "lab.yaml"
    source.write_text(yaml.safe_dump({"simulation": {"phones": 1}}))
    done = rig("sim", "--config", str(source), "--write-seed", str(tmp_path / "seed.yaml"), cwd=tmp_path)
    assert done.returncode == 2 and "--write-seed: needs --write-config" in done.stderr
