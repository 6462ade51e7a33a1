"""Pieces of `rig preflight` without a bench: the PoE budget lines of real captures and the
budget judgement, the read-only import rule, and `rig preflight` on the default simulated bench."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from drivers.ios_budget import PoeBudget, parse_power_budget
from drivers.ios_parsers import PoePort
from rig.cli import app
from rig.config import PhoneConfig
from rig.preflight.switches import SwitchView, check_budget
from tests.test_import_rules import Rule, violations

REPO = Path(__file__).resolve().parents[1]
CAPTURES = REPO / "tests" / "fixtures" / "real" / "ios" / "show_power_inline"


@pytest.mark.parametrize("capture, expected", [
    ("cisco_ios_show_power_inline.raw", [PoeBudget("1", 740.0, 330.0, 410.0)]),
    ("cisco_ios_show_power_inline_ios12.raw", [PoeBudget("", 370.0, 55.6, 314.4)]),
    ("cisco_ios_show_power_inline_cat4510sup7.raw", [PoeBudget("", 6200.0, 443.0, 5757.0)]),
    ("cisco_ios_show_power_inline_6880-X.raw", []),
])
def test_the_budget_is_read_from_both_layouts_of_real_captures(capture, expected):
    assert parse_power_budget((CAPTURES / capture).read_text()) == expected


class Budgeted:
    def __init__(self, available: float) -> None:
        self.budget = [PoeBudget("1", available, 0.0, available)]

    def poe_budget(self) -> list[PoeBudget]:
        return self.budget


def judged(available: float, powerup: int, poe_class: str = "2") -> tuple[bool, str]:
    phones = [PhoneConfig(name=f"desk-{i}", mac=f"001D705F00{i:02X}", switch="sw1", port=f"Gi1/0/{i}")
              for i in range(1, 11)]
    poe = {f"GigabitEthernet1/0/{i}": PoePort(f"GigabitEthernet1/0/{i}", "auto", "on", 6.3, "IP Phone 7942",
                                              poe_class, 15.4) for i in range(1, 11)}
    bench = SimpleNamespace(config=SimpleNamespace(parallel=SimpleNamespace(powerup_per_switch=powerup)))
    check = check_budget(bench, SwitchView("sw1", Budgeted(available), poe), phones)  # type: ignore[arg-type]
    return check.ok, check.detail


def test_the_budget_must_cover_powerup_per_switch_phones_of_their_class():
    assert judged(56.0, 8) == (True, "available 56.0 W (56.0 W remaining); 8 phones of class 2 powering up at "
                                     "once need 56.0 W")
    ok, detail = judged(55.0, 8)
    assert not ok and detail.endswith("fix: lower parallel.powerup_per_switch to 7 or raise the switch's PoE "
                                      "budget (power supplies)")


def test_a_class_the_switch_does_not_show_counts_as_class_0():
    ok, detail = judged(100.0, 8, poe_class="n/a")
    assert not ok and "8 phones of class unknown (counted as 0) powering up at once need 123.2 W" in detail


def test_preflight_imports_nothing_that_powers_presses_or_runs_a_job():
    rule = Rule("preflight is read-only", ("rig/preflight",), forbidden=("rig.actions", "rig.procedures", "rig.jobs"))
    assert rule.files() and violations(rule) == []


def test_the_default_simulated_bench_is_ready(monkeypatch):
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, ["preflight"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "bench: ready" and lines[-1] == "ready: bench and all 8 phones"
    assert sum(1 for line in lines if "desk-0" in line and "│ ready │" in line) == 8
