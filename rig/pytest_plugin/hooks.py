"""The plugin's pytest hooks: options, markers, which bench, and one test per selected phone.

The bench: `--lab-config PATH`, else the `rig_lab_config` ini value, else `lab_config.yaml` in
the rootdir, else a built-in 8-phone simulated bench. A conftest may choose a default for its
suite with `default_lab_config(config, path)` from `pytest_configure`.

Markers: `rig_model("7942", ...)` keeps phones of those models; `rig_scenario("stale_itl", ...)`
keeps simulated phones set up in those scenarios. A scenario is a property of the simulator: on
a real bench a `rig_scenario` test is skipped (its assertions assume the scenario), never run on
every phone. A test left with no phone is skipped with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from rig.config.lab import LabConfig, load_config

from rig.config.simulation import Simulation
from rig.errors import RigError
from rig.jobs.phones import ConfiguredPhone, configured_phones

BUILTIN_BENCH = "sim-bench"
PHONE_PARAM = "rig_phone_name"
"""The fixture that carries each test's phone name; only the plugin's own `phone` requests it, so
a test whose closure holds it uses that `phone` (a suite's own `phone` fixture is left alone)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rig", "rig bench (hardware-in-the-loop)")
    group.addoption("--lab-config", dest="lab_config", type=Path, default=None, metavar="PATH",
                    help="rig lab config of the bench to test (default: rootdir lab_config.yaml, "
                         "else a built-in simulated bench).")
    group.addoption("--rig-runs", dest="rig_runs", type=Path, default=None, metavar="DIR",
                    help="Keep the run directories (journal, report.html) here (default: a temp dir).")
    parser.addini("rig_lab_config", "rig lab config for the rig pytest plugin (relative to the rootdir).",
                  type="string", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rig_model(*models): run only on phones of these models (e.g. '7942').")
    config.addinivalue_line(
        "markers", "rig_scenario(*scenarios): run only on simulated phones in these scenarios; "
                   "skipped on a real bench.")


def default_lab_config(config: pytest.Config, path: Path) -> None:
    """From a conftest's `pytest_configure`: test this bench unless `--lab-config` names another."""
    if config.option.lab_config is None:
        config.option.lab_config = path


@dataclass(frozen=True)
class LabSource:
    """The bench under test: its config file (None: the built-in simulation) and its contents."""

    path: Path | None
    config: LabConfig

    def write_builtin(self, directory: Path) -> Path:
        """The built-in bench as a file, since open_bench starts a bench from a file."""
        path = directory / "lab_config.yaml"
        path.write_text(yaml.safe_dump(self.config.model_dump(mode="json", exclude_defaults=True)))
        return path


_SOURCE = pytest.StashKey[LabSource]()


def lab_source(config: pytest.Config) -> LabSource:
    """Resolved once per session, on first need (a session without rig tests never reads it)."""
    if _SOURCE not in config.stash:
        path = _configured_path(config)
        if path is None:
            lab = LabConfig(bench=BUILTIN_BENCH, simulation=Simulation())
        else:
            try:
                lab = load_config(path)
            except RigError as error:
                pytest.fail(f"rig: {error}", pytrace=False)
        config.stash[_SOURCE] = LabSource(path, lab)
    return config.stash[_SOURCE]


def _configured_path(config: pytest.Config) -> Path | None:
    if config.option.lab_config is not None:
        return Path(config.option.lab_config)
    ini = config.getini("rig_lab_config")
    if ini:
        return config.rootpath / ini
    default = config.rootpath / "lab_config.yaml"
    return default if default.is_file() else None


def _marker_values(metafunc: pytest.Metafunc, name: str) -> set[str] | None:
    marks = list(metafunc.definition.iter_markers(name))
    if not marks:
        return None
    return {str(value) for mark in marks for value in mark.args}


def select_phones(source: LabSource, models: set[str] | None,
                  scenarios: set[str] | None) -> tuple[list[ConfiguredPhone], str]:
    """The phones a test runs on, and when there are none, why (the skip reason)."""
    phones = configured_phones(source.config)
    bench = source.config.bench
    if scenarios is not None and source.config.simulation is None:
        return [], f"rig_scenario{tuple(sorted(scenarios))} selects simulated phones; bench {bench} is real"
    if models is not None:
        phones = [p for p in phones if p.model in models]
    if scenarios is not None:
        phones = [p for p in phones if p.scenario in scenarios]
    wanted = " and ".join(
        f"{what} {', '.join(sorted(values))}" for what, values in (("model", models), ("scenario", scenarios)) if values
    )
    return phones, f"bench {bench} has no phone of {wanted}" if wanted else f"bench {bench} has no phones"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if PHONE_PARAM not in metafunc.fixturenames:
        return
    phones, why_none = select_phones(
        lab_source(metafunc.config), _marker_values(metafunc, "rig_model"), _marker_values(metafunc, "rig_scenario")
    )
    if phones:
        names = [p.name for p in phones]
        metafunc.parametrize(PHONE_PARAM, names, ids=names, indirect=True)
    else:
        metafunc.parametrize(PHONE_PARAM, [pytest.param(None, marks=pytest.mark.skip(reason=why_none))],
                             ids=["no-phone"], indirect=True)
