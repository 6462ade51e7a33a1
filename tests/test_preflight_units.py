"""Pieces of `rig preflight` without a bench: the PoE budget lines of real captures and the
budget judgement, and `rig preflight` on the default simulated bench."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from rig.drivers.ios_budget import PoeBudget, parse_power_budget
from rig.drivers.ios_names import canonical_interface, stack_member
from rig.drivers.ios_parsers import PoePort
from rig.drivers.ios_poe import parse_power_inline
from rig.cli import app
from rig.config.lab import PhoneConfig
from rig.preflight.switches import SwitchView, check_budget

REPO = Path(__file__).resolve().parents[1]
CAPTURES = REPO / "tests" / "fixtures" / "real" / "ios" / "show_power_inline"


@pytest.mark.parametrize("capture, expected", [
    ("cisco_ios_show_power_inline.raw", [PoeBudget("1", 740.0, 330.0, 410.0)]),
    ("cisco_ios_show_power_inline_ios12.raw", [PoeBudget("", 370.0, 55.6, 314.4)]),
    ("cisco_ios_show_power_inline_cat4510sup7.raw", [PoeBudget("", 6200.0, 443.0, 5757.0)]),
    ("cisco_ios_show_power_inline_6880-X.raw", []),
    ("cisco_ios_show_power_inline_faulty.raw", [PoeBudget("2", 1440.0, 75.8, 1364.2)]),
    ("cisco_ios_show_power_inline_whitespace.raw", [  # the 5-member stack rig once read as its first member
        PoeBudget("1", 1827.0, 526.6, 1300.4), PoeBudget("2", 1779.0, 462.2, 1316.8),
        PoeBudget("3", 1734.0, 386.6, 1347.4), PoeBudget("4", 1648.0, 374.4, 1273.6),
        PoeBudget("5", 1902.0, 685.5, 1216.5)]),
])
def test_the_budget_is_read_from_both_layouts_of_real_captures(capture, expected):
    assert parse_power_budget((CAPTURES / capture).read_text()) == expected


class Budgeted:
    def __init__(self, *budget: PoeBudget) -> None:
        self.budget = list(budget)

    def poe_budget(self) -> list[PoeBudget]:
        return self.budget


def judged(remaining: float, powerup: int, poe_class: str = "2", drawn: float = 0.0,
           ports: str = "Gi1/0/{}", budgets: tuple[PoeBudget, ...] = ()) -> tuple[bool, str]:
    """check_budget for ten phones on `ports`, each drawing `drawn` W now, against one member of
    `remaining` W (or `budgets`)."""
    phones = [PhoneConfig(name=f"desk-{i}", mac=f"001D705F00{i:02X}", switch="sw1", port=ports.format(i))
              for i in range(1, 11)]
    names = [canonical_interface(p.port) for p in phones]
    poe = {n: PoePort(n, "auto", "on" if drawn else "off", drawn, "IP Phone 7942", poe_class, 15.4,
                      member=stack_member(n)) for n in names}
    bench = SimpleNamespace(config=SimpleNamespace(parallel=SimpleNamespace(powerup_per_switch=powerup)))
    budget = Budgeted(*(budgets or (PoeBudget("1", 740.0, 740.0 - remaining, remaining),)))
    check = check_budget(bench, SwitchView("sw1", budget, poe), phones)  # type: ignore[arg-type]
    return check.ok, check.detail


def test_the_budget_must_cover_powerup_per_switch_phones_of_their_class():
    assert judged(56.0, 8) == (True, "member 1: 56.0 W left (56.0 W remaining + 0.0 W its bench phones draw); "
                                     "8 phones of class 2 powering up at once need 56.0 W")
    ok, detail = judged(55.0, 8)
    assert not ok and "need 56.0 W, at most 7 at once" in detail
    assert detail.endswith("fix: lower parallel.powerup_per_switch or free PoE on the member named (power "
                           "supplies, other powered devices)")


def test_what_the_bench_phones_draw_now_counts_as_left_since_rig_turns_them_off_first():
    assert judged(0.0, 8, drawn=6.3)[0]  # 10 phones at 6.3 W give back 63 W
    assert not judged(0.0, 8, drawn=5.0)[0]


def test_a_class_the_switch_does_not_show_counts_as_class_0():
    ok, detail = judged(100.0, 8, poe_class="n/a")
    assert not ok and "8 phones of class unknown (counted as 0) powering up at once need 123.2 W" in detail


def test_a_stack_member_short_of_watts_is_named_while_the_others_pass():
    members = (PoeBudget("1", 740.0, 0.0, 740.0), PoeBudget("2", 740.0, 720.0, 20.0))
    ok, detail = judged(0.0, 8, ports="Gi2/0/{}", budgets=members)
    assert not ok and detail.startswith("member 2: 20.0 W left (20.0 W remaining + 0.0 W its bench phones "
                                        "draw); 8 phones of class 2 powering up at once need 56.0 W, at most 2")
    assert judged(0.0, 8, ports="Gi1/0/{}", budgets=members)[0]  # the same phones on member 1


def test_the_real_five_member_stack_gives_one_budget_per_member():
    text = (REPO / "tests/fixtures/real/ios/genieparser/ShowPowerInline/golden_output_1_output.txt").read_text()
    assert [(b.module, b.remaining) for b in parse_power_budget(text)] == [
        ("1", 1403.0), ("2", 1125.3), ("3", 1152.6), ("4", 1283.0), ("5", 1469.4)]


def test_each_port_of_the_ntc_five_member_stack_draws_on_the_member_whose_block_prints_it():
    text = (CAPTURES / "cisco_ios_show_power_inline_whitespace.raw").read_text()
    ports = parse_power_inline(text)
    assert ports.unread == [] and {p.member for p in ports} == {"1", "2", "3", "4", "5"}
    assert len(ports) == 15 and [p.interface for p in ports if f"Ethernet{p.member}/0/" not in p.interface] == []


def test_the_default_simulated_bench_is_ready(monkeypatch):
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, ["preflight"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "bench: ready" and lines[-1] == "ready: bench and all 8 phones"
    assert sum(1 for line in lines if "desk-0" in line and "│ ready │" in line) == 8
