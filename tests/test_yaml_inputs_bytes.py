"""Every YAML file rig reads (a lab config, a keypad script, a phone profile, a site file) that is
not UTF-8 is one line naming the file, the line and the byte: exit 2, never a traceback."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

import rig.phone.keyscript
import rig.phone.profiles
from rig.cluster import load_site
from rig.errors import ConfigError
from rig.phone.keyscript import load_script
from rig.phone.profiles import load_profiles

REPO = Path(__file__).parents[1]
LATIN1 = "# Téléphone de l'accueil\n".encode("latin-1")
"""A comment saved by an editor in Latin-1: byte 0xE9 at offset 3 of line 1."""


def _package_with(tmp_path: Path, name: str, shipped: Path, spoiled: str) -> str:
    """A copy of a shipped data package whose file `spoiled` starts with a Latin-1 line."""
    package = tmp_path / name
    shutil.copytree(shipped, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / spoiled).write_bytes(LATIN1 + (package / spoiled).read_bytes())
    return name


@pytest.fixture
def own_profiles(monkeypatch: pytest.MonkeyPatch):
    """load_profiles reads whatever PROFILE_PACKAGE names, its cache cleared before and after."""
    load_profiles.cache_clear()
    yield
    load_profiles.cache_clear()


def test_a_keypad_script_that_is_not_utf8_is_one_line_naming_it(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    name = _package_with(tmp_path, "latin1_scripts", REPO / "keypad_scripts", "7942-sccp9-itl_erase.yaml")
    monkeypatch.setattr(rig.phone.keyscript, "SCRIPT_PACKAGE", name)
    with pytest.raises(ConfigError) as refused:
        load_script("7942", "sccp9", "itl_erase")
    assert str(refused.value) == "7942-sccp9-itl_erase.yaml: line 1: not UTF-8 text (byte 0xE9 at offset 3)"


def test_a_phone_profile_that_is_not_utf8_is_one_line_naming_it(tmp_path, monkeypatch, own_profiles):
    monkeypatch.syspath_prepend(str(tmp_path))
    name = _package_with(tmp_path, "latin1_profiles", REPO / "phone_profiles", "79x2-sccp9.yaml")
    monkeypatch.setattr(rig.phone.profiles, "PROFILE_PACKAGE", name)
    with pytest.raises(ConfigError) as refused:
        load_profiles()
    assert str(refused.value) == f"{name}/79x2-sccp9.yaml: line 1: not UTF-8 text (byte 0xE9 at offset 3)"
    sys.modules.pop(name, None)


def test_a_site_file_that_is_not_utf8_is_one_line_naming_it(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_bytes(b"site: east\n" + LATIN1)
    with pytest.raises(ConfigError) as refused:
        load_site(site)
    assert str(refused.value) == f"{site}: line 2: not UTF-8 text (byte 0xE9 at offset 14)"
