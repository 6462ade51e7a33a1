"""A clone is all the tests need: they import the repository's own `tests` package and read
fixtures from inside the repository, never from a folder beside the clone."""

from __future__ import annotations

from pathlib import Path
import re

import tests

REPO = Path(__file__).resolve().parents[1]
# Ways a path can leave the clone: a folder named beside it, or climbing above the repository root.
OUTSIDE = re.compile(r"\.\./shared|[\"']shared[\"']|parents\[[2-9]\]|REPO\.parent\b")


def test_tests_is_the_repositorys_package_not_a_dependencys():
    # textfsm 2.1.1 installs a top-level `tests` package; a namespace `tests/` lost to it.
    assert Path(tests.__file__).resolve().parent == REPO / "tests"


def test_no_test_bench_script_or_product_code_reads_outside_the_clone():
    sources = [p for folder in ("tests", "bench", "rig", "drivers") for p in (REPO / folder).rglob("*.py")]
    assert len(sources) > 100
    leaving = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sources if path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert leaving == []


def test_the_real_ios_captures_are_in_the_repository_with_their_provenance():
    captures = sorted((REPO / "tests" / "fixtures" / "real" / "ios").rglob("*.raw"))
    provenance = (REPO / "tests" / "fixtures" / "real" / "PROVENANCE.md").read_text()
    assert len(captures) >= 24
    assert [c.name for c in captures if c.name not in provenance] == []
    genie = sorted((REPO / "tests" / "fixtures" / "real" / "ios" / "genieparser").rglob("*_output.txt"))
    assert genie and [c.name for c in genie  # named as `<Parser>/<capture>_*` (output and expected parse)
                      if f"{c.parent.name}/{c.name.removesuffix('output.txt')}" not in provenance] == []


def test_code_and_docs_cite_only_documents_the_repository_has():
    # The design notes the project started from are not in a user's clone; docs/design.md is.
    cited = [
        f"{path.relative_to(REPO)}"
        for folder in ("rig", "drivers", "tests", "bench", "docs")
        for path in (REPO / folder).rglob("*")
        if path.suffix in (".py", ".md") and path != Path(__file__).resolve()
        and re.search(r"\b(DESIGN|ANCHORS)\.md\b", path.read_text())
    ]
    assert cited == []
    assert (REPO / "docs" / "design.md").is_file()
