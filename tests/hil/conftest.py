"""The nightly suite tests tests/hil/bench.yaml (a small simulated bench) unless --lab-config is given."""

from pathlib import Path

import pytest

from rig.pytest_plugin import default_lab_config


def pytest_configure(config: pytest.Config) -> None:
    default_lab_config(config, Path(__file__).with_name("bench.yaml"))
