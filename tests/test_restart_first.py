"""When the erase step stops its keys to restart the phone first (rig.procedures.restart_first)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from rig.procedures.power_parts import HandPower, PoePower
from rig.procedures.restart_first import RestartGate, TouchDeferred


def gate(restart_first: str, switch: str | None = "sw1") -> RestartGate:
    """The gate of a phone whose power part is its PoE port, or (no switch) a person's hands."""
    power = PoePower if switch is not None else HandPower  # as rig.procedures.parts chooses it
    ctx: Any = SimpleNamespace(config=SimpleNamespace(restart_first=restart_first),
                               power=power.__new__(power))  # the class's answer; no switch or person needed
    return RestartGate(ctx, baseline=None, console=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["serial_actuator", "operator"])
def test_before_touch_stops_the_keys_before_a_backend_that_needs_a_touch_once(backend):
    first = gate("before_touch")
    with pytest.raises(TouchDeferred, match=backend):
        first.before_fallback(backend)
    first.tried = True  # restarted, still stuck: now the touch goes on
    first.before_fallback(backend)


@pytest.mark.parametrize("policy", ["always", "never"])
def test_other_policies_and_remote_backends_never_stop_the_keys(policy):
    gate(policy).before_fallback("serial_actuator")
    gate("before_touch").before_fallback("http_execute")


def test_a_phone_without_a_switch_is_never_restarted_first():
    assert gate("always", switch=None).policy == "never"
    gate("before_touch", switch=None).before_fallback("operator")
