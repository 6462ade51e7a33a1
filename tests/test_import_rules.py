"""The layering of docs/contracts.md ("Import rules"), checked on the source: every import
statement of every module (type-only and function-level ones included) is parsed with `ast`."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Rule:
    """Modules under `where` must not import `forbidden`; when `only` is set, of the top-level
    packages in `scope` they may import only those prefixes."""

    name: str
    where: tuple[str, ...]
    """Folders and files (repository paths) the rule applies to."""
    forbidden: tuple[str, ...] = ()
    only: tuple[str, ...] = ()
    scope: tuple[str, ...] = ("rig", "drivers")
    exempt: tuple[str, ...] = ()
    """Folders and files under `where` the rule does not apply to."""

    def files(self) -> list[Path]:
        found = set()
        for where in self.where:
            path = REPO / where
            found |= {path} if path.is_file() else set(path.rglob("*.py"))
        return sorted(p for p in found if not p.relative_to(REPO).as_posix().startswith(self.exempt))


FRONT_ENDS = ("rig.cli", "rig.pytest_plugin")
"""What a person or a test runner drives. rig.cluster is a layer the CLI calls, like rig.jobs, and
rig.report renders what every front end shows: neither leans on a front end."""
READ_ONLY = ("rig.preflight", "rig.diagnostics")
"""The read-only commands' layers: they sit above the bench, beside the jobs (a job's gate is
preflight)."""
MAPPED = {"drivers": "rig.drivers", "keypad_scripts": "rig.keypad_scripts", "phone_profiles": "rig.phone_profiles"}
"""The design card's top-level folders, installed under rig's name (pyproject.toml's package-dir)."""
RULES = [
    Rule("drivers import nothing of rig but other drivers", ("drivers",), only=("rig.drivers",), scope=("rig",)),
    Rule("procedures and shared actions never import the simulator", ("rig/procedures", "rig/actions"),
         forbidden=("rig.sim",)),
    Rule("the simulator never imports drivers, procedures, actions or phone knowledge", ("rig/sim",),
         forbidden=("rig.drivers", "rig.procedures", "rig.phone", "rig.actions")),
    Rule("the simulator depends only on rig.trust and the config schema", ("rig/sim",),
         only=("rig.sim", "rig.trust", "rig.config", "rig.errors")),
    Rule("reports read only the journal", ("rig/report",),
         only=("rig.report", "rig.record.events", "rig.record.journal", "rig.record.steps", "rig.errors")),
    Rule("only the bench, `rig sim` and the phone listing start or lay out a simulated bench", ("rig",),
         forbidden=("rig.sim",), exempt=("rig/sim/", "rig/bench/build.py", "rig/cli/sim.py", "rig/jobs/phones.py")),
    Rule("nothing below the front ends imports them", ("rig", "drivers"), forbidden=FRONT_ENDS,
         exempt=("rig/cli/", "rig/pytest_plugin/", "rig/__main__.py")),
    *(Rule("front ends do not import each other", (front.replace(".", "/"),),
           forbidden=tuple(other for other in FRONT_ENDS if other != front)) for front in FRONT_ENDS),
    Rule("procedures, actions and the bench never import the jobs layer",
         ("rig/procedures", "rig/actions", "rig/bench"), forbidden=("rig.jobs",)),
    Rule("the runner never imports the job service above it", ("rig/jobs/runner.py", "rig/jobs/health.py"),
         forbidden=("rig.jobs.service", "rig.jobs.result", "rig.jobs.interrupts")),
    Rule("shared actions and the bench never import the procedures", ("rig/actions", "rig/bench"),
         forbidden=("rig.procedures",)),
    Rule("the bench never imports the shared actions", ("rig/bench",), forbidden=("rig.actions",)),
    Rule("the record (events, journal, leases) imports nothing above it", ("rig/record",),
         forbidden=("rig.jobs", "rig.procedures", "rig.actions", "rig.bench", "rig.report", "rig.cluster")
         + READ_ONLY + ("rig.sim",) + FRONT_ENDS),
    Rule("configuration and phone knowledge import no layer that runs anything", ("rig/config", "rig/phone"),
         forbidden=("rig.jobs", "rig.procedures", "rig.actions", "rig.bench", "rig.report", "rig.cluster",
                    "rig.sim") + READ_ONLY + FRONT_ENDS),
    Rule("procedures, actions and jobs ask a keypad what it can do, never which backend it is",
         ("rig/procedures", "rig/actions", "rig/jobs"),
         forbidden=("rig.drivers.keypad_http", "rig.drivers.keypad_serial", "rig.drivers.keypad_operator")),
    Rule("preflight only reads: it imports no action, procedure or job", ("rig/preflight",),
         forbidden=("rig.actions", "rig.procedures", "rig.jobs")),
    Rule("diagnostics only read: they import no action, procedure, runner or job service", ("rig/diagnostics",),
         forbidden=("rig.actions", "rig.procedures", "rig.jobs.runner", "rig.jobs.service")),
]


def module_name(path: Path) -> str:
    """The name a file is imported by: `drivers/macaddr.py` is `rig.drivers.macaddr`."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    parts[:1] = MAPPED.get(parts[0], parts[0]).split(".")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in `source`; relative imports resolved."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found += [(node.lineno, base)] + [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def broken(rule: Rule, module: str, imports: list[tuple[int, str]]) -> list[str]:
    """What `module` imports against `rule`, as `line: module` (the `from X import y` names
    count as `X.y` too, so `from rig import sim` is caught)."""
    bad = []
    for line, name in imports:
        if any(_under(name, prefix) for prefix in rule.forbidden):
            bad.append(f"{line}: {name}")
        elif rule.only and any(_under(name, top) for top in rule.scope) and not any(
                _under(name, allowed) or _under(allowed, name) for allowed in rule.only):
            bad.append(f"{line}: {name}")
    return sorted(set(bad))


def violations(rule: Rule) -> list[str]:
    found = []
    for path in rule.files():
        relative = path.relative_to(REPO).as_posix()
        module = module_name(path)
        imports = imported_modules(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
        found += [f"{relative}:{where}" for where in broken(rule, module, imports)]
    return found


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_import_rule_holds(rule: Rule) -> None:
    assert rule.files(), f"{rule.name}: no module to check (a moved folder?)"
    assert violations(rule) == [], rule.name


@pytest.mark.parametrize("source, expected", [
    ("import rig.config.lab\n", ["1: rig.config.lab"]),
    ("from rig import sim\n", ["1: rig.sim"]),
    ("def f():\n    from rig.phone.keyscript import load\n", ["2: rig.phone.keyscript", "2: rig.phone.keyscript.load"]),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from rig.bench.build import Bench\n",
     ["3: rig.bench.build", "3: rig.bench.build.Bench"]),
    ("import json, socket\nfrom . import keypad\n", []),
])
def test_the_checker_sees_every_kind_of_import(source: str, expected: list[str]) -> None:
    rule = Rule("no layer above the drivers", ("drivers",), forbidden=("rig.config", "rig.sim", "rig.phone", "rig.bench"))
    assert broken(rule, "rig.drivers.x", imported_modules(source, "rig.drivers.x", False)) == expected


def test_relative_imports_are_resolved_before_the_rules_apply() -> None:
    rule = Rule("reports read only the journal", ("rig/report",), only=("rig.report", "rig.record.journal"))
    imports = imported_modules("from ..runner import Runner\nfrom .html import x\n", "rig.report.junit", False)
    assert broken(rule, "rig.report.junit", imports) == ["1: rig.runner", "1: rig.runner.Runner"]
