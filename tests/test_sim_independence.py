"""The simulator is written from captures, not from rig's drivers: it may import only itself,
`rig.trust` (to sign and verify like a phone) and `rig.config` (the schema it writes). A driver's
wrong fact then cannot be mirrored by the simulator that tests it."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parent.parent / "rig" / "sim"
ALLOWED = ("rig.sim", "rig.trust", "rig.config")


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports, at any depth of the file (functions included)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            names += [f"{base}.{alias.name}" if base == "rig" else base for alias in node.names]
    return names


def project_imports(path: Path) -> list[str]:
    return [name for name in imported_modules(path) if name.split(".")[0] == "rig"]


def test_the_simulator_imports_nothing_of_drivers_keyscripts_or_procedures() -> None:
    offending = {
        f"{path.name}: {name}"
        for path in sorted(SIM.glob("*.py"))
        for name in project_imports(path)
        if not name.startswith(ALLOWED)
    }
    assert offending == set()


def test_the_rule_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from rig.drivers.macaddr import normalize_mac\nfrom rig import phone, trust\n")
    assert project_imports(sample) == ["rig.drivers.macaddr", "rig.phone", "rig.trust"]
