"""The operator's screen (issue 22): while rig waits for a person the live display stops
redrawing and the prompt is the last thing on screen; Enter erases the prompt and the display
comes back in place; `s` skips the phone; Ctrl-C at a prompt stops the run without Enter.

`rig verify` on a field-mode phone (no switch) asks the technician to unplug it: one simulated
bench for the module, rig in a pseudo-terminal as a technician runs it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rig.config.lab import dump_config

from rig.config.simulation import Simulation
from rig.sim.bench import SimBench
from rig.terminal_operator import ERASE_PROMPT
from tests.terminal import Terminal
from tests.test_field_mode import _field

UNPLUG = b"Phone desk-01 (SEP001D705F0000, "
QUIET = 1.0
"""Seconds of no output that show the display stopped redrawing (it redraws 4 times a second)."""


@pytest.fixture(scope="module")
def field(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("screen")
    settings = Simulation(phones=1, scenarios={"healthy": 1}, time_scale=0.004, image_kb=4, keypad="http_execute")
    with SimBench(settings, "screen", work) as sim:
        yield _field(dump_config(sim.lab_config()))


@pytest.fixture
def verify(field: dict[str, Any], tmp_path: Path) -> Iterator[Terminal]:
    path = tmp_path / "field.yaml"
    path.write_text(yaml.safe_dump(field))
    env = {**os.environ, "RIG_LEASE_DIR": str(tmp_path / "leases")}
    terminal = Terminal(["verify", "desk-01", "--config", str(path), "--runs-dir", str(tmp_path / "runs")],
                        tmp_path, env)
    try:
        yield terminal
    finally:
        terminal.close()


def test_the_prompt_is_the_last_thing_on_screen_and_says_what_how_and_how_to_get_out(verify):
    verify.expect(b"[Enter: done | s Enter: skip this phone | Ctrl-C: stop the run] ")
    prompt = verify.seen[verify.seen.rindex(UNPLUG):]
    assert b"step 1 of 2: unplug it now [Enter: done" in prompt
    assert verify.read(QUIET) == b"", "the live display went on drawing over the prompt"
    assert prompt.endswith(b"Ctrl-C: stop the run] ")  # nothing drawn after it


def test_ctrl_c_at_a_prompt_stops_the_run_without_enter(verify):
    verify.expect(b"unplug it now")
    verify.type(b"\x03")
    assert verify.exit_code(timeout=60) == 130
    assert b"rig: stopping" in verify.seen


def test_enter_erases_the_prompt_and_s_skips_the_phone(verify, tmp_path):
    verify.expect(b"unplug it now")
    verify.type(b"\n")
    verify.expect(b"plug it back in")
    first = verify.seen.index(b"unplug it now")
    assert ERASE_PROMPT.encode() in verify.seen[first:verify.seen.index(b"plug it back in [")]
    verify.type(b"s\n")
    assert verify.exit_code() == 1
    assert b"skipped 1" in verify.seen
    results = json.loads(next((tmp_path / "runs").glob("*/results.json")).read_text())
    assert results["phones"][0]["reason"] == "skipped by the technician when asked to plug it back in (step 2 of 2)"
