"""`simulation:` of lab_config.yaml: the embedded simulated bench, its scenarios and faults.

The schema the simulator is started from (rig.sim reads it, rig.bench.build hands it over); kept
apart from the real bench's schema so that a reader of rig/config/lab.py sees only what a lab
with hardware configures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from rig.config.base import Strict
from rig.config.firmware import Firmware
from rig.config.misconfig import Misconfig
from rig.config.types import seconds


class Faults(Strict):
    """Fault injection for the simulated bench."""

    never_returns: list[str] = Field(default_factory=list)
    """Phone names that stay dark after their next power-up."""
    tftp_loss: float = Field(default=0.0, ge=0, lt=1)
    ssh_drop_every: int = Field(default=0, ge=0)
    """Drop the SSH session after every N commands (0: never)."""
    lost_keys: dict[str, int] = Field(default_factory=dict)
    """Phone name -> number of key presses the phone ignores (the solenoid missed)."""
    console_garbage: bool = False
    switch_delay: float = seconds(0.0, high=60, zero_ok=True)
    """Device seconds the switch takes before answering each command."""
    risport_rate_control: int = Field(default=0, ge=0, le=100)
    """RisPort answers the first N selectCmDevice requests with Server.RateControl."""
    tvs_unreachable: bool = False
    """No phone reaches the cluster's TVS: `tvs_vouches` phones stay stuck after a restart."""
    http_drops: dict[str, int] = Field(default_factory=dict)
    """Phone name -> web requests the phone leaves unanswered (the connection closed without a
    reply) once a key reached it, or its solenoid missed: a request lost right after the keys."""


Scenario = Literal["stale_itl", "regenerated_cert", "tvs_vouches", "no_itl", "healthy"]


class SimSwitches(Strict):
    """How every simulated switch is built: a stack of `members` (phones spread over them in turn,
    `Gi2/0/x` on the second), each with its own PoE budget, running CDP and/or LLDP."""

    members: int = Field(default=1, ge=1, le=9)
    member_watts: list[float] = Field(default_factory=list)
    """Available PoE watts of member 1, 2, ...; a member not listed has 740 W."""
    cdp: bool = True
    lldp: bool = False
    """IOS runs CDP by default and LLDP only after `lldp run`."""


class OldCluster(Strict):
    """The CUCM cluster the `stale_itl` phones were registered to before (their ITL is its own),
    served beside the bench's cluster: `rig migrate --from old` moves phones away from it."""

    rollback: bool = False
    """Its enterprise parameter "Prepare Cluster for Rollback to pre 8.0": True serves every phone
    an ITL with no TFTP or TVS record, signed by the cluster (rig.trust.rollback)."""


class Simulation(Strict):
    phones: int = Field(default=8, ge=1, le=4000)
    switches: int = Field(default=1, ge=1, le=64)
    scenarios: dict[Scenario, int] = Field(
        default_factory=lambda: {"stale_itl": 8}
    )
    """Scenario -> phone count; phones beyond the sum are healthy."""
    time_scale: float = Field(default=0.01, gt=0, le=1)
    image_kb: Annotated[int, Field(ge=1)] | Literal["real"] = 64
    """KB of each synthetic firmware image, or `real`: each image of the 7942 load at its
    published size (rig.sim.loads.REAL_SIZES, 9.57 MB a phone)."""
    firmware: Firmware = Field(default_factory=Firmware)
    keypad: Literal["serial_actuator", "http_execute"] = "serial_actuator"
    web_access_off: list[str] = Field(default_factory=list)
    """Phone names whose configuration disables web access: their web server never answers."""
    web_port: int = Field(default=0, ge=0, le=65535)
    """TCP port of every phone's web server on its own address. 0: a free port of each phone's
    (benches running at once reuse the same 127.0.1.N addresses); 80: port 80, as real phones,
    so a config written with real phones' defaults (`rig discover`) reaches them. Binding port 80
    needs root or CAP_NET_BIND_SERVICE; a port the bench cannot bind is one error naming it."""
    itl_erase_softkeys: list[Literal["Soft1", "Soft2", "Soft3", "Soft4", "Soft5"]] = Field(
        default_factory=lambda: ["Soft4", "Soft2"], min_length=1, max_length=4)
    """The softkeys every simulated phone's ITL File page takes, once unlocked with **#, to erase:
    Soft4 Soft2 is the keypad script's path (Erase, confirm); `[Soft2, Soft4, Soft2]` is the one
    of its second published variant (levensailor/py-cisco-cti-remote), a firmware on which the
    script's own path is not confirmed (`rig erase --try-variants`)."""
    from_bundle: Path | None = None
    """A `rig diagnostics` bundle (relative to the config file): one simulated phone per phone of
    the bundle, each answering with the identity its real counterpart gave (its MAC pseudonym,
    DeviceInformationX fields, running load, CDP platform, Web Access off), each switch with its
    `show version` (rig.sim.bundle_shape). `phones:` is then the bundle's count."""
    risport: bool = True
    """Serve CUCM's RisPort70 and write `cucm.risport` (require: true) into the bench's config."""
    faults: Faults = Field(default_factory=Faults)
    misconfig: Misconfig = Field(default_factory=Misconfig)
    switch: SimSwitches = Field(default_factory=SimSwitches)
    old_cluster: OldCluster | None = None
    """Serve the old cluster too, and write it into the bench's config as the system `old`."""
    cme: bool = False
    """Serve a CUCME router too (rig.sim.cme), written into the bench's config as the system `cme`
    with its TFTP and SSH: `rig migrate --to cme` moves phones to it, and they register there."""
