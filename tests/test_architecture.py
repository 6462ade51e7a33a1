"""ARCHITECTURE.md stays in step with the code: it quotes every import rule the test enforces,
and its code map names every package of rig and every top-level folder of the repository."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_import_rules import RULES

REPO = Path(__file__).resolve().parents[1]
TEXT = " ".join((REPO / "ARCHITECTURE.md").read_text().split())  # lines folded: a quote may wrap


def test_every_import_rule_is_quoted_in_the_code_map():
    assert [rule.name for rule in RULES if f'"{rule.name}"' not in TEXT] == []


def test_every_package_and_top_level_folder_is_on_the_code_map():
    packages = sorted(p.parent.relative_to(REPO).as_posix() + "/" for p in (REPO / "rig").glob("*/__init__.py"))
    folders = ["drivers/", "keypad_scripts/", "phone_profiles/", "tests/", "bench/", "docs/"]
    assert [name for name in packages + folders if f"`{name}`" not in TEXT] == []


def test_every_module_the_map_names_exists():
    named = set(re.findall(r"`((?:rig|drivers)/[\w/]+\.py)`", TEXT))
    assert named and sorted(n for n in named if not (REPO / n).is_file()) == []


def test_rig_keeps_no_flat_module_but_its_entry_point_and_the_few_every_layer_shares():
    """The folders show the flow (issue 27: seven `config_*` siblings became rig/config/)."""
    flat = sorted(path.name for path in (REPO / "rig").glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "errors.py", "suggest.py", "terminal_operator.py"]


MAX_LINES = 400
"""No module over 400 lines (ARCHITECTURE.md, Invariants): split one before it crosses."""


def test_no_module_of_the_repository_passes_400_lines():
    modules = [path for folder in ("rig", "drivers", "keypad_scripts", "phone_profiles", "tests", "bench")
               for path in (REPO / folder).rglob("*.py")]
    assert len(modules) > 300  # the walk found the code
    long = {str(path.relative_to(REPO)): n for path in modules
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_a_journal_events_name_means_that_event_everywhere():
    """`PowerAction` once named both the journal's power event and the CLI's on/off/cycle choice:
    no class elsewhere takes the name of an event type (rig.record.events)."""
    import ast

    from rig.record import events

    names = {n for n, v in vars(events).items() if isinstance(v, type) and issubclass(v, events.Event)}
    taken = [f"{path.relative_to(REPO)}: {node.name}"
             for path in [*(REPO / "rig").rglob("*.py"), *(REPO / "drivers").rglob("*.py")]
             if path != REPO / "rig/record/events.py"
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.ClassDef) and node.name in names]
    assert taken == []
