"""What a wheel of rig installs: every package under rig's name, the design card's top-level
folders mapped into it, and nothing claiming a top-level name of its own (textfsm's top-level
`tests` once shadowed ours)."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def _packages_on_disk() -> set[str]:
    found = set()
    for folder, name in SETUPTOOLS["package-dir"].items():
        root = REPO / name
        found |= {".".join([folder, *p.parent.relative_to(root).parts]) for p in root.rglob("*.py")
                  if "__pycache__" not in p.parts}
    return found


def test_every_package_on_disk_is_installed_and_nothing_else():
    assert set(SETUPTOOLS["packages"]) == _packages_on_disk()


def test_nothing_installed_claims_a_top_level_name_but_rig():
    assert {package.split(".")[0] for package in SETUPTOOLS["packages"]} == {"rig"}
    assert set(SETUPTOOLS["package-dir"]) == {"rig", "rig.drivers", "rig.keypad_scripts", "rig.phone_profiles"}


def test_the_data_packages_ship_their_yaml():
    data = SETUPTOOLS["package-data"]
    assert data["rig.keypad_scripts"] == ["*.yaml"] and data["rig.phone_profiles"] == ["*.yaml"]
