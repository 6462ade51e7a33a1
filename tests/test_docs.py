"""The documentation: the MkDocs site builds strictly (every nav page exists, every link resolves),
and the README stays a quickstart a newcomer can follow."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_docs_site_builds_strictly(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir",
                             str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "index.html").is_file() and (tmp_path / "site" / "sources" / "index.html").is_file()


def test_the_readme_is_a_quickstart_of_at_most_about_250_lines():
    assert len(README.splitlines()) <= 250
    quickstart = README[README.index("## Quickstart"):README.index("## Command line")]
    for step in ("CallManager", "ssh-keyscan", "known_hosts", "option 150", "cap_net_bind_service",
                 "rig preflight", "rig erase desk-01"):
        assert step in quickstart, step
    assert quickstart.index("first the tap, then CUCM") < quickstart.index("rig preflight")


def test_the_readme_keeps_the_unconfirmed_facts_and_links_only_to_pages_that_exist():
    assert "## What no public source confirms" in README and "Erasing CTL and ITL files" in README
    for link in ("docs/sources.md", "docs/real-phones.md"):
        assert link in README
    for target in re.findall(r"\]\((docs/[^)#]+)\)", README):
        assert (ROOT / target).is_file(), target
