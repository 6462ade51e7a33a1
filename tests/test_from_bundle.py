"""A bundle becomes a test: `rig diagnostics` on one simulated bench writes a bundle, and a bench
shaped from it (`simulation.from_bundle`) has the bundle's phones, answering with the identity
they gave (MAC pseudonym, DeviceInformationX fields, Web Access off) and its switch's `show
version`, and `rig erase` passes on it."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rig.cli import app
from rig.config.lab import load_config
from rig.config.simulation import Simulation
from rig.drivers.ios_switch import IosSwitch
from rig.drivers.phone_pages import flat_fields
from rig.drivers.phone_web import PhoneWeb, WebAccessOff
from rig.errors import ConfigError
from rig.sim.bench import MAC_BASE, SimBench
from tests.bench_config import bench_config

SHAPE = {"time_scale": 0.004, "image_kb": 4, "scenarios": {"stale_itl": 2}}


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def show_version(config: Path) -> str:
    lab = load_config(config)
    switch = lab.switches["sw1"]
    with IosSwitch("sw1", switch.host, switch.username, port=switch.port, password=switch.secret(),
                   known_hosts=str(switch.known_hosts)) as session:
        return session.show_text("show version")


def test_a_bench_shaped_from_a_bundle_answers_as_its_devices_did_and_passes_rig_erase(tmp_path):
    first = Simulation.model_validate({**SHAPE, "phones": 2, "web_access_off": ["desk-02"]})
    with bench_config(first, "source-bench", tmp_path / "a") as (_, config):
        run("--config", str(config), "diagnostics", "--out", str(tmp_path / "b.zip"), "--runs-dir", str(tmp_path))
    with zipfile.ZipFile(tmp_path / "b.zip") as zipped:
        members = {name: zipped.read(name) for name in zipped.namelist()}
    names = [row["name"] for row in json.loads(members["manifest.json"])["phones"]]
    page = flat_fields(members[f"phones/{names[0]}/device_information.xml"])
    version = next(data for name, data in members.items() if name.endswith("show_version.txt")).decode()

    shaped = Simulation.model_validate({**SHAPE, "from_bundle": str(tmp_path / "b.zip")})
    with bench_config(shaped, "shaped-bench", tmp_path / "b") as (_, config):
        lab = load_config(config)
        assert [p.name for p in lab.phones] == ["desk-01", "desk-02"]
        assert lab.phones[0].mac == page["MACAddress"] != f"{MAC_BASE:012X}"  # the bundle's pseudonym
        answered = PhoneWeb(str(lab.phones[0].ip), port=lab.phones[0].http_port).page("/DeviceInformationX")
        fields = flat_fields(answered)
        for field in ("MACAddress", "serialNumber", "phoneDN", "modelNumber", "versionID", "HostName"):
            assert fields.get(field) == page.get(field), field
        with pytest.raises(WebAccessOff):
            PhoneWeb(str(lab.phones[1].ip), port=lab.phones[1].http_port).page("/DeviceInformationX")
        assert show_version(config).rstrip() == version.rstrip()  # the same lines; the session trims the end

        erased = CliRunner().invoke(app, ["--config", str(config), "erase", "--runs-dir", str(tmp_path / "runs"),
                                          "--json"])
        assert erased.exit_code == 0, erased.output
        assert json.loads(erased.stdout)["summary"]["passed"] == 2


def test_from_bundle_is_relative_to_the_config_and_a_file_that_is_no_bundle_is_one_error(tmp_path):
    config = tmp_path / "lab.yaml"
    config.write_text("simulation: {from_bundle: bundles/b.zip}\n")
    assert load_config(config).simulation.from_bundle == tmp_path / "bundles" / "b.zip"
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match=re.escape(f"simulation.from_bundle: {tmp_path / 'junk.zip'}: not a "
                                                    "readable rig diagnostics bundle")):
        SimBench(Simulation(from_bundle=tmp_path / "junk.zip"), "b", tmp_path)
