"""The `rig` entry point honours Ctrl-C while it is still importing the command line."""

from __future__ import annotations

import importlib.abc
import sys

import pytest

from rig.__main__ import INTERRUPTED, run
from rig.jobs.result import EXIT_INTERRUPTED


class _CtrlCWhileImporting(importlib.abc.MetaPathFinder):
    """A Ctrl-C that lands while `rig.cli` is being imported."""

    def find_spec(self, name, path=None, target=None):  # noqa: ANN001, ANN201
        if name == "rig.cli":
            raise KeyboardInterrupt
        return None


def test_ctrl_c_during_start_up_is_one_line_and_exit_130(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "rig.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_CtrlCWhileImporting(), *sys.meta_path])
    try:
        run()
    except KeyboardInterrupt:  # what a traceback would come from: caught here so the suite goes on
        pytest.fail("Ctrl-C during start-up escaped rig's entry point")
    except SystemExit as ended:
        assert ended.code == INTERRUPTED == EXIT_INTERRUPTED
        assert capsys.readouterr().err == "rig: interrupted\n"
    else:
        pytest.fail("rig went on after a Ctrl-C during start-up")
