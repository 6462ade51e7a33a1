"""`systems:` of lab_config.yaml: the call-control systems the TFTP tap can relay a phone to.

The `cucm:` section is the system named `cucm` (the one `rig erase` and `rig verify` work with);
`systems:` names others, each of a `kind`:
- `cucm`: another CUCM cluster (an old one phones are migrated away from): its TFTP address,
  the PEM of its TFTP (CallManager) certificate, optionally its RisPort;
- `cme`: a Cisco Unified CME router: its TFTP address and, optionally, SSH to the router, where
  `show ephone registered` is the registration evidence.
`rig migrate --from A --to B` names two of them (docs/migrate.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import Field

from rig.config.base import Endpoint, SshLogin, Strict
from rig.config.cucm import RisPortConfig
from rig.config.types import LocalPath
from rig.errors import ConfigError
from rig.suggest import known_names

if TYPE_CHECKING:
    from rig.config.lab import LabConfig

PathFix = Callable[[Path | None], Path | None]
MAIN_SYSTEM = "cucm"
"""The name of the system the `cucm:` section describes."""
SystemKind = Literal["cucm", "cme"]


class CucmSystem(Strict):
    kind: Literal["cucm"]
    tftp: Endpoint
    trust_anchor: LocalPath | None = None
    """PEM of the cluster's TFTP (CallManager) certificate: the ITL it serves must verify against it."""
    risport: RisPortConfig | None = None

    def with_paths(self, fix: PathFix) -> "CucmSystem":
        """The system with its file paths made relative to the config file (`fix`)."""
        risport = self.risport.model_copy(update={"ca_bundle": fix(self.risport.ca_bundle)}) if self.risport else None
        return self.model_copy(update={"trust_anchor": fix(self.trust_anchor), "risport": risport})


class CmeSsh(SshLogin):
    """SSH to the CME router (IOS): read-only `show ephone` commands."""


class CmeSystem(Strict):
    kind: Literal["cme"]
    tftp: Endpoint
    """Where the router serves the phones' unsigned `SEP<MAC>.cnf.xml` (its `tftp-server` files)."""
    ssh: CmeSsh | None = None

    def with_paths(self, fix: PathFix) -> "CmeSystem":
        ssh = self.ssh.model_copy(update={k: fix(getattr(self.ssh, k)) for k in ("known_hosts", "key_file")}) \
            if self.ssh else None
        return self.model_copy(update={"ssh": ssh})


SystemConfig = Annotated[Union[CucmSystem, CmeSystem], Field(discriminator="kind")]


def system_names(systems: dict[str, SystemConfig], has_cucm: bool) -> list[str]:
    """Every system a command may name: `cucm` (when the `cucm:` section is there), then `systems:`."""
    return ([MAIN_SYSTEM] if has_cucm else []) + list(systems)


@dataclass(frozen=True)
class System:
    """A system as a migration needs it: its kind and TFTP address, and its own section."""

    name: str
    kind: SystemKind
    tftp: Endpoint
    trust_anchor: Path | None
    section: CucmSystem | CmeSystem | None
    """Its `systems:` entry; None for the `cucm:` section's system."""

    @property
    def address(self) -> tuple[str, int]:
        return self.tftp.host, self.tftp.port


def named_system(config: "LabConfig", name: str) -> System:
    """The system `name` (`cucm`, or a key of `systems:`); ConfigError naming the known ones."""
    if name == MAIN_SYSTEM and config.cucm is not None:  # where the tap relays it: tftp_tap.upstream, if given
        tap = config.tftp_tap
        tftp = tap.upstream if tap is not None and tap.upstream is not None else config.cucm.tftp
        return System(name, "cucm", tftp, config.cucm.trust_anchor, None)
    section = config.systems.get(name)
    if section is None:
        known = system_names(config.systems, config.cucm is not None)
        raise ConfigError(f"no system named {name!r}{known_names(name, known, 'systems') or ' (none configured)'}")
    anchor = section.trust_anchor if isinstance(section, CucmSystem) else None
    return System(name, section.kind, section.tftp, anchor, section)
