"""Every bad lab config is one line naming the file, the phone and the field; nothing starts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from rig.config.lab import load_config
from rig.errors import ConfigError
from rig.phone.keyscript import scripts_for

GOOD = {
    "bench": "bench-a",
    "switches": {"sw1": {"host": "127.0.0.1", "port": 2222, "username": "rig", "password_env": "RIG_SW1"}},
    "cucm": {"tftp": {"host": "127.0.0.1", "port": 6969}, "expected_load": "SCCP42.9-4-2SR3-1S"},
    "phones": [
        {"name": f"desk-0{i}", "mac": f"00:1d:70:5f:9e:a{i}", "switch": "sw1", "port": f"Gi1/0/{i}",
         "ip": f"127.0.1.{i}", "keypad": {"backend": "operator"}}
        for i in range(1, 5)
    ],
}


def _write(tmp_path, doc):
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _with_phone4(**change):
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    doc["phones"][3].update(change)
    return doc


def test_a_good_config_loads_with_canonical_macs(tmp_path):
    config = load_config(_write(tmp_path, GOOD))
    assert [p.mac for p in config.phones][0] == "001D705F9EA1"
    assert set(scripts_for(config.phones, "itl_erase", "lab.yaml")) == {p["name"] for p in GOOD["phones"]}


@pytest.mark.parametrize(
    "doc, message",
    [
        (_with_phone4(colour="red"), "phones[3] (desk-04).colour: unknown key"),
        (_with_phone4(mac="00:1d:70:5f:9e"), "phones[3] (desk-04).mac: not a MAC address"),
        (_with_phone4(switch="sw9"), "phones[3] (desk-04).switch: unknown switch 'sw9'"),
    ],
    ids=["unknown-key", "bad-mac", "unknown-switch"],
)
def test_a_bad_phone_field_is_one_error_naming_file_phone_and_field(tmp_path, doc, message):
    path = _write(tmp_path, doc)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: {message}")
    assert "\n" not in str(info.value)


def test_a_missing_key_names_it(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    del doc["phones"][3]["port"]
    path = _write(tmp_path, doc)
    with pytest.raises(ConfigError, match=r"phones\[3\] \(desk-04\)\.port: Field required"):
        load_config(path)


def test_a_phone_without_a_keypad_script_for_its_model_is_named(tmp_path):
    path = _write(tmp_path, _with_phone4(model="7960"))
    config = load_config(path)
    with pytest.raises(ConfigError) as info:
        scripts_for(config.phones, "itl_erase", str(path))
    assert str(info.value).startswith(f"{path}: phones[3] (desk-04).model: no keypad script 7960-sccp9-itl_erase.yaml")


def _rig(*args, cwd):
    """`python -m rig ARGS` with the switch password GOOD names in the environment."""
    env = {**os.environ, "RIG_SW1": "secret"}
    return subprocess.run([sys.executable, "-m", "rig", *args], capture_output=True, text=True, cwd=cwd, timeout=60,
                          env=env)


def test_config_check_prints_the_bench_and_exits_0(tmp_path):
    done = _rig("config", "check", "--config", str(_write(tmp_path, GOOD)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "desk-04" in done.stdout and "Gi1/0/4" in done.stdout


@pytest.mark.parametrize("change", [{"switch": "sw9"}, {"model": "7960"}], ids=["unknown-switch", "no-script"])
def test_config_check_on_a_bad_config_is_one_line_and_exit_2(tmp_path, change):
    done = _rig("config", "check", "--config", str(_write(tmp_path, _with_phone4(**change))), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("rig: error: ") and "phones[3] (desk-04)" in done.stderr
    assert done.stderr.count("\n") == 1 and done.stdout == ""


@pytest.mark.parametrize("setting, value, expected", [
    ("upstream_blksize", None, None), ("upstream_blksize", 0, 0), ("upstream_blksize", 8192, 8192),
    ("workers", None, 1), ("workers", 2, 2), ("workers", "auto", "auto"),
])
def test_the_tap_asks_cucm_for_the_block_size_and_runs_in_the_workers_the_config_names(tmp_path, setting, value,
                                                                                        expected):
    from rig.bench.build import Bench
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    doc["tftp_tap"] = {"listen": {"host": "127.0.0.1", "port": 6970}}
    if value is not None:
        doc["tftp_tap"][setting] = value
    tap = Bench(load_config(_write(tmp_path, doc))).tap()
    assert tap is not None and getattr(tap, setting) == expected


def test_a_tap_block_size_tftp_cannot_carry_is_named(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    doc["tftp_tap"] = {"listen": {"host": "127.0.0.1", "port": 6970}, "upstream_blksize": 70000}
    path = _write(tmp_path, doc)
    with pytest.raises(ConfigError, match=r"tftp_tap\.upstream_blksize: Input should be less than or equal to 65464"):
        load_config(path)
