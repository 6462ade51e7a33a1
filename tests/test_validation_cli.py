"""Through the command line, every bad input of issue 12 ends the same way: exit 2, one line on
stderr naming the file, the phone (or switch) and the field, nothing on stdout, no run directory
and no connection attempted (the configs point at 127.0.0.1 port 1, where nothing listens)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rig.cli import main
from tests.test_config import GOOD


def _doc(phone4: dict | None = None, **top) -> dict:
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    doc["switches"]["sw1"].update(port=1, password="unused")
    doc["switches"]["sw1"].pop("password_env")
    doc["phones"][3].update(phone4 or {})
    doc.update(top)
    return doc


def _anchor(path: str) -> dict:
    doc = _doc()
    doc["cucm"]["trust_anchor"] = path
    return doc


def _text(doc: dict) -> bytes:
    return yaml.safe_dump(doc).encode()


BAD = {
    "missing-trust-anchor": (_text(_anchor("nowhere.pem")), "cucm.trust_anchor: "),
    "not-utf8": (_text(_doc()).replace(b"desk-04", b"d\xe9sk-04"), "line "),
    "port-injection": (_text(_doc({"port": "Gi1/0/4\nshow version"})), "phones[3] (desk-04).port: "),
    "same-port": (_text(_doc({"port": "GigabitEthernet1/0/1"})), "phones[3] (desk-04).port: "),
    "huge-lease": (_text(_doc(timeouts={"lease": 1e300})), "timeouts.lease: "),
    "no-phones": (_text(_doc(phones=[])), "phones: "),
    "path-name": (_text(_doc({"name": "../../../tmp/x"})), "phones[3]"),
}


def _unset_password() -> bytes:
    doc = _doc()
    doc["switches"]["sw1"] = dict(doc["switches"]["sw1"], password_env="RIG_UNSET_FOR_TEST")
    del doc["switches"]["sw1"]["password"]
    return _text(doc)


@pytest.mark.parametrize(
    "command",
    [["erase"], ["verify"], ["status"], ["power", "on", "desk-01"], ["press", "desk-01", "1"], ["config", "check"]],
    ids=" ".join,
)
def test_an_unset_password_variable_is_refused_by_every_command_that_connects(tmp_path, monkeypatch, capsys, command):
    monkeypatch.delenv("RIG_UNSET_FOR_TEST", raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "lab.yaml"
    path.write_bytes(_unset_password())
    code, out, err = rig_in_process([*command, "--config", str(path)], monkeypatch, capsys)
    _assert_refused(code, out, err, path, "switches.sw1.password_env: environment variable RIG_UNSET_FOR_TEST")
    assert not (tmp_path / "runs").exists()


def rig_in_process(args: list[str], monkeypatch, capsys) -> tuple[int, str, str]:
    """`rig ARGS` through the real entry point (rig.cli.main), without a new interpreter."""
    monkeypatch.setattr(sys, "argv", ["rig", *args])
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capsys.readouterr()
    return done.value.code, out, err


def _assert_refused(code: int, out: str, err: str, path: Path, field: str) -> None:
    assert code == 2, err
    assert out == ""
    assert err.startswith(f"rig: error: {path}: {field}"), err
    assert err.count("\n") == 1


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("command", [["erase"], ["verify"], ["config", "check"]], ids=" ".join)
def test_a_bad_config_is_refused_before_any_run_directory(tmp_path, monkeypatch, capsys, case, command):
    data, field = BAD[case]
    path = tmp_path / "lab.yaml"
    path.write_bytes(data)
    runs = tmp_path / "runs"
    extra = ["--runs-dir", str(runs)] if command != ["config", "check"] else []
    code, out, err = rig_in_process([*command, "--config", str(path), *extra], monkeypatch, capsys)
    _assert_refused(code, out, err, path, field)
    assert not runs.exists()


def test_the_real_command_line_refuses_a_bad_trust_anchor_with_exit_2(tmp_path):
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(_anchor("nowhere.pem")))
    done = subprocess.run([sys.executable, "-m", "rig", "config", "check", "--config", str(path)],
                          capture_output=True, text=True, timeout=60)
    _assert_refused(done.returncode, done.stdout, done.stderr, path, "cucm.trust_anchor: ")


@pytest.mark.parametrize("args, message", [
    (["power", "cycle", "desk-01", "--off-seconds", "1e9"],
     "--off-seconds 1e+09: Input should be less than or equal to 600 (as timeouts.power_off)"),
    (["power", "cycle", "desk-01", "--off-seconds", "inf"],
     "--off-seconds inf: Input should be a finite number (as timeouts.power_off)"),
    (["power", "cycle", "desk-01", "--off-seconds", "-1"],
     "--off-seconds -1: Input should be greater than or equal to 0 (as timeouts.power_off)"),
    (["press", "desk-01", "Settings", "--gap", "nan"], "--gap nan: Input should be a finite number (as timeouts.key_gap)"),
    (["press", "desk-01", "Settings", "--gap", "31"],
     "--gap 31: Input should be less than or equal to 30 (as timeouts.key_gap)"),
])
def test_command_line_durations_are_bounded_like_the_configs_before_the_bench_is_opened(
        tmp_path, monkeypatch, capsys, args, message):
    code, out, err = rig_in_process([*args, "--config", str(tmp_path / "no-such-lab.yaml")], monkeypatch, capsys)
    assert (code, out, err) == (2, "", f"rig: error: {message}\n")
