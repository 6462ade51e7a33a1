"""Where each simulated phone stands when the simulation starts (no boot at start, so a bench
comes up at once), as its last boot before the simulation would have left it.

- `healthy`: holds the cluster's current ITL, runs the old load (the cluster's configured load
  changed since): upgrades at its next boot.
- `no_itl`: holds no ITL (it only ever met CUCME, which serves none), old load: trusts the first
  ITL it is offered.
- `tvs_vouches`: holds an ITL signed by the cluster's CallManager cert from before that cert was
  regenerated, whose TVS record still matches the cluster's TVS. It last booted while TVS could
  not answer (the services restart after a regeneration), so it is stuck now, and its next boot
  recovers through TVS: a restart fixes it, no key needs pressing.
- `regenerated_cert`: the same, but TVS's certificate was regenerated too: no TVS its ITL lists
  can vouch, so it rejects the new ITL and every config however often it boots.
- `stale_itl`: holds the ITL of the CUCM cluster it was registered to before the migration; that
  cluster's TVS is not the one it reaches now.
The last three start stuck: they keep an old cached config whose authentication URL is dead.
Sources of these rules: rig/sim/tvs.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from rig import trust
from rig.sim.pki import ClusterPki

SCENARIOS: tuple[str, ...] = ("stale_itl", "regenerated_cert", "tvs_vouches", "no_itl", "healthy")
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
        return StartingPoint(False, trust.parse(pki.itl(pki.current, filename, pki.tvs)), (no_ctl, "Trust List Updated"))
    signer, tvs = {
        "stale_itl": (pki.other_cluster, pki.other_tvs),
        "regenerated_cert": (pki.pre_regeneration, pki.tvs_pre_regeneration),
        "tvs_vouches": (pki.pre_regeneration, pki.tvs),
    }[scenario]
    held = pki.itl(signer, filename, tvs)
    symptoms = ("Trust List Update Failed",) + (f"TFTP Timeout : {device_name}.cnf.xml.sgn",) * config_attempts
    return StartingPoint(True, trust.parse(held), (no_ctl, *symptoms))
