"""Field mode: a bench without switches. `rig erase` identifies each phone by its own answer (or
CUCM's IP <-> MAC), lets the ITL erase restart it, and passes with its steps adapted; a phone at
the wrong address is skipped, never guessed (one simulated bench for the module)."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rig.config.lab import dump_config, load_config

from rig.config.simulation import Simulation
from rig.errors import ConfigError
from rig.record.events import PowerAction, StepDone
from rig.record.journal import read_events
from rig.sim.bench import SimBench
from tests.test_erase_e2e import rig


def _field(doc: dict[str, Any]) -> dict[str, Any]:
    """The bench as a technician at a customer site has it: no switch, no meter, no key board;
    web key presses, and the technician's hands when a phone refuses them."""
    doc = {k: v for k, v in doc.items() if k not in ("switches", "instruments")}
    doc["phones"] = [{**{k: v for k, v in p.items() if k not in ("switch", "port", "power_meter")},
                      "keypad": [*[k for k in p["keypad"] if k["backend"] == "http_execute"], {"backend": "operator"}]}
                     for p in doc["phones"]]
    return doc


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimBench, dict[str, Any], Path]]:
    work = tmp_path_factory.mktemp("field")
    settings = Simulation(phones=3, scenarios={"no_itl": 1, "healthy": 1, "stale_itl": 1}, time_scale=0.004,
                          image_kb=4, keypad="http_execute")
    with SimBench(settings, "field", work) as sim:
        doc = dump_config(sim.lab_config())
        board = next(k["url"] for k in doc["phones"][2]["keypad"] if k["backend"] == "serial_actuator")
        yield sim, _field(doc), work, board


def _erase(doc: dict[str, Any], where: Path, name: str) -> tuple[int, list]:
    path = where / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    done = rig("erase", "--config", str(path), "--runs-dir", str(where / "runs"), "--json", cwd=where)
    run_dir = Path(json.loads(done.stdout)["run_dir"])
    return done.returncode, read_events(run_dir / "journal.jsonl")


def test_erase_passes_without_a_switch_with_each_phones_evidence_named(bench):
    sim, doc, work, _ = bench
    code, events = _erase({**doc, "phones": doc["phones"][:2]}, work, "field")
    steps = {(e.phone, e.name): e for e in events if isinstance(e, StepDone)}
    assert code == 0, [(k, s.detail) for k, s in steps.items() if not s.ok]
    assert not [e for e in events if isinstance(e, PowerAction)]
    for phone, mac in (("desk-01", "001D705F0000"), ("desk-02", "001D705F0001")):
        identify = steps[(phone, "identify")]
        assert f"/DeviceInformationX MACAddress {mac}" in identify.detail
        assert f"CUCM RisPort lists SEP{mac} at" in identify.detail
        assert steps[(phone, "restart")].data["restarted_by"] == "the phone itself"
        assert steps[(phone, "verify_registration")].ok
    assert sim.observe.commands("sw1") == []  # nothing asked the switch rig does not know


def test_a_phone_answering_with_another_mac_is_skipped_not_guessed(bench, tmp_path):
    sim, doc, _, _ = bench
    swapped = json.loads(json.dumps({**doc, "phones": doc["phones"][:2]}))
    swapped["phones"][0]["ip"], swapped["phones"][1]["ip"] = doc["phones"][1]["ip"], doc["phones"][0]["ip"]
    swapped["phones"][0]["http_port"], swapped["phones"][1]["http_port"] = (
        doc["phones"][1]["http_port"], doc["phones"][0]["http_port"])
    keys_before = sim.observe.keys("desk-02")
    code, events = _erase(swapped, tmp_path, "swapped")
    identify = {e.phone: e for e in events if isinstance(e, StepDone) and e.name == "identify"}
    assert code == 1
    assert not identify["desk-01"].ok and "not identified" in identify["desk-01"].detail
    assert "MACAddress 001D705F0001" in identify["desk-01"].detail
    assert sim.observe.keys("desk-02") == keys_before  # no key went to the phone at the wrong address


def test_field_phones_need_an_ip_and_switch_with_port(bench, tmp_path):
    _, doc, _, _ = bench
    for change, message in ((lambda p: p.pop("ip"), "ip: required without switch"),
                            (lambda p: p.update(switch="sw1"), "(desk-01).port: Field required")):
        broken = json.loads(json.dumps(doc))
        change(broken["phones"][0])
        path = tmp_path / "broken.yaml"
        path.write_text(yaml.safe_dump(broken))
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_config(path)


def test_rig_power_refuses_a_field_phone_in_one_line(bench, tmp_path):
    _, doc, _, _ = bench
    path = tmp_path / "field.yaml"
    path.write_text(yaml.safe_dump(doc))
    done = rig("power", "cycle", "desk-01", "--config", str(path), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "desk-01 has no switch (field mode)" in done.stderr


LABEL_KEYS = {**{str(d): f"KeyPad{d}" for d in range(10)}, "*": "KeyPadStar", "#": "KeyPadPound",
              **{f"softkey {n}": f"Soft{n}" for n in range(1, 6)}}
PROMPT = re.compile(rb"Phone desk-03 \(SEP001D705F0002\)(?:, step \d+ of \d+)?: press (.+?) \[Enter: done[^\]]*\] ")


def test_a_stuck_phone_refusing_web_keys_is_erased_by_the_technician_at_the_prompts(bench, tmp_path):
    """The seed's case in the field: the phone refuses remote keys (stale authentication URL),
    rig prompts key by key on its terminal, the technician's presses reach the phone (here
    through the simulated key board, standing in for a finger), the erase restarts it."""
    sim, doc, _, board = bench
    path = tmp_path / "field.yaml"
    path.write_text(yaml.safe_dump(doc))
    env = {**os.environ, "RIG_LEASE_DIR": str(tmp_path / "leases")}
    pid, terminal = pty.fork()
    if pid == 0:  # the technician's terminal runs rig
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, "-m", "rig", "erase", "desk-03", "--config", str(path),
                                   "--runs-dir", str(tmp_path / "runs"), "--json"], env)
    host, port = board.removeprefix("socket://").split(":")
    pressed, seen = [], b""
    with socket.create_connection((host, int(port)), timeout=10) as finger:
        while True:
            ready, _, _ = select.select([terminal], [], [], 60)
            try:
                chunk = os.read(terminal, 4096) if ready else b""
            except OSError:  # the terminal closed: rig exited
                break
            if not chunk:
                break
            seen += chunk
            for match in list(PROMPT.finditer(seen)):
                key = LABEL_KEYS.get(match.group(1).decode(), match.group(1).decode())
                finger.sendall(f"PRESS desk-03 {key} 10\n".encode())
                assert finger.recv(64).startswith(b"OK")
                pressed.append(key)
                os.write(terminal, b"\n")
            seen = PROMPT.sub(b"", seen)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, seen[-2000:]
    assert pressed[:4] == ["Settings", "KeyPad4", "KeyPad5", "KeyPad2"]
    assert sim.observe.phone("desk-03").load == "SCCP42.9-4-2SR3-1S"
