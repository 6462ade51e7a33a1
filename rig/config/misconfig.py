"""`simulation.misconfig`: the wiring and setting mistakes of a real bench, for the simulated one.

Each knob reproduces one mistake that otherwise shows up only in a failed run, so `rig preflight`
can be shown to find it (docs/preflight.md). Phone names are checked when the simulated bench
starts (rig.sim.misconfig), where the phones exist.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rig.config.types import Port


class Misconfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tftp_bypass: list[str] = Field(default_factory=list)
    """Phones whose TFTP Server 1 (DHCP option 150) names CUCM itself, not the tap."""
    moved: dict[str, Port] = Field(default_factory=dict)
    """Phone -> the free port of its switch it is really plugged into (the config keeps its own)."""
    actuator_unwired: list[str] = Field(default_factory=list)
    """Phones with no solenoid head on their actuator board (its LIST lacks them)."""
    meter_swapped: list[str] = Field(default_factory=list, max_length=2)
    """Two phones whose power meter channels are swapped."""
    uplink: list[str] = Field(default_factory=list)
    """Phones plugged in behind another switch whose uplink is their configured port: a trunk
    with that switch as CDP neighbour and 20 MACs learned on it, the phone's among them."""
    no_poe: list[str] = Field(default_factory=list)
    """Phones on a port without PoE (no row in `show power inline`), powered by a local supply."""
    stale_trust_anchor: bool = False
    """The bench is given the cluster's certificate from before it was regenerated as trust anchor."""

    @model_validator(mode="after")
    def _pair(self) -> "Misconfig":
        if self.meter_swapped and len(set(self.meter_swapped)) != 2:
            raise ValueError("meter_swapped: names two different phones")
        return self
