"""Where each simulated phone stands when the simulation starts (no boot at start, so a bench
comes up at once), as its last boot before the simulation would have left it.

- `healthy`: holds the cluster's current ITL, runs the old load (the cluster's configured load
  changed since): upgrades at its next boot.
- `no_itl`: holds no ITL (its cluster had none), old load: trusts the first ITL it is offered.
- `stale_itl`: holds the ITL of the CUCME router it was registered to before the migration.
- `regenerated_cert`: holds an ITL signed by the cluster's CallManager cert from before that
  cert was regenerated (same subject, other key).
The last two are stuck: they reject the new ITL and every config, and keep an old cached config
whose authentication URL is dead.
"""

from __future__ import annotations

from dataclasses import dataclass

from rig import trust
from rig.sim.pki import ClusterPki

SCENARIOS: tuple[str, ...] = ("stale_itl", "regenerated_cert", "no_itl", "healthy")
DEAD_AUTH_URL = "http://127.0.0.1:9/ccmcip/authenticate.jsp"
"""A stuck phone's cached config names an authentication service that is gone (the discard port
on loopback: connection refused)."""


@dataclass(frozen=True)
class StartingPoint:
    stuck: bool
    itl: trust.TrustFile | None
    status_messages: tuple[str, ...]
    """What the Status Messages page shows, oldest first."""


def starting_point(scenario: str, device_name: str, pki: ClusterPki, config_attempts: int) -> StartingPoint:
    """The held ITL and status messages of a phone named `device_name` (SEP<MAC>)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r} (known: {', '.join(SCENARIOS)})")
    filename = f"ITL{device_name}.tlv"
    no_ctl = f"File Not Found : CTL{device_name}.tlv"
    if scenario == "no_itl":
        return StartingPoint(False, None, (no_ctl, "No Trust List Installed"))
    if scenario == "healthy":
        return StartingPoint(False, trust.parse(pki.itl(pki.current, filename)), (no_ctl, "Trust List Updated"))
    held = pki.itl(pki.old_cme, filename, with_tvs=False) if scenario == "stale_itl" else pki.itl(
        pki.pre_regeneration, filename
    )
    symptoms = ("Trust List Update Failed",) + (f"TFTP Timeout : {device_name}.cnf.xml.sgn",) * config_attempts
    return StartingPoint(True, trust.parse(held), (no_ctl, *symptoms))
