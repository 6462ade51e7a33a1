"""A bench's phones as its config file names them, before the bench is opened.

Tests are parametrized and a cluster run lists a bench whose worker may never answer from this
alone; a simulated bench is laid out (names, MACs, ports, scenarios) without being started.
"""

from __future__ import annotations

from dataclasses import dataclass

from rig.config.lab import LabConfig


@dataclass(frozen=True)
class ConfiguredPhone:
    """What is known of a phone before its bench starts (a simulated phone has no config yet)."""

    name: str
    mac: str
    model: str
    switch: str
    port: str
    scenario: str | None
    """The simulated phone's scenario; None on a real bench."""


def configured_phones(config: LabConfig) -> list[ConfiguredPhone]:
    """The bench's phones in config order, read from the file alone (a simulation is not started)."""
    if config.simulation is None:
        return [ConfiguredPhone(p.name, p.mac, p.model, p.switch, p.port, None) for p in config.phones]
    from rig.sim.bench import layout

    return [ConfiguredPhone(s.name, s.mac, "7942", s.switch, s.port, s.scenario) for s in layout(config.simulation)]
