"""The site file of a cluster run: which bench configs make up the site, all validated first.

site.yaml:

    site: lab-east
    benches: [bench-a.yaml, bench-b.yaml]     # relative to the site file
    timeouts: {connect: 10, job: 7200}         # seconds (optional)

Phones are named `bench/phone` across the site, or by their own name when only one bench has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rig.config.lab import LabConfig, load_config
from rig.config.errors import one_line
from rig.errors import ConfigError
from rig.jobs.phones import ConfiguredPhone, configured_phones
from rig.config.yaml_input import read_yaml


class SiteTimeouts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    connect: float = Field(default=10.0, gt=0)
    """Seconds to reach the scheduler."""
    job: float = Field(default=7200.0, gt=0)
    """Longest a bench's job may take before its phones are reported as errors."""


class SiteFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    site: str = Field(min_length=1)
    benches: list[Path] = Field(min_length=1)
    timeouts: SiteTimeouts = Field(default_factory=SiteTimeouts)


@dataclass(frozen=True)
class SiteBench:
    name: str
    config_path: Path
    config: LabConfig
    phones: list[ConfiguredPhone]


@dataclass(frozen=True)
class Site:
    name: str
    path: Path
    benches: dict[str, SiteBench]
    timeouts: SiteTimeouts

    def select(self, names: list[str]) -> dict[str, list[ConfiguredPhone]]:
        """Bench -> phones to run. A name is `bench/phone`, or a phone name that only one bench has."""
        if not names:
            return {b.name: list(b.phones) for b in self.benches.values()}
        wanted: dict[str, set[str]] = {}
        for name in names:
            bench, phone = self._locate(name)
            wanted.setdefault(bench, set()).add(phone)
        return {
            b.name: [p for p in b.phones if p.name in wanted[b.name]] for b in self.benches.values() if b.name in wanted
        }

    def _locate(self, name: str) -> tuple[str, str]:
        bench, sep, phone = name.rpartition("/")
        if sep:
            if bench not in self.benches:
                raise ConfigError(f"{self.path}: no bench named {bench!r} (benches: {', '.join(self.benches)})")
            if phone not in {p.name for p in self.benches[bench].phones}:
                raise ConfigError(f"{self.path}: bench {bench} has no phone named {phone!r}")
            return bench, phone
        holders = [b.name for b in self.benches.values() if phone in {p.name for p in b.phones}]
        if not holders:
            raise ConfigError(f"{self.path}: no bench has a phone named {phone!r}")
        if len(holders) > 1:
            raise ConfigError(f"{self.path}: phone {phone!r} is on benches {', '.join(holders)}: name it bench/phone")
        return holders[0], phone


def load_site(path: Path) -> Site:
    """Read and validate a site file and every bench config it lists; errors name the file."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping")
    try:
        site = SiteFile.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{path}: {one_line(error, data, SiteFile)}") from None
    benches: dict[str, SiteBench] = {}
    for index, listed in enumerate(site.benches):
        config_path = listed if listed.is_absolute() else path.parent / listed
        try:
            config = load_config(config_path)
        except ConfigError as error:
            raise ConfigError(f"{path}: benches[{index}]: {error}") from None
        if config.bench in benches:
            other = benches[config.bench].config_path
            raise ConfigError(f"{path}: benches[{index}]: {config_path} and {other} are both bench {config.bench}")
        benches[config.bench] = SiteBench(config.bench, config_path, config, configured_phones(config))
    return Site(site.site, path, benches, site.timeouts)


def qualified(bench: str, phone: str) -> str:
    return f"{bench}/{phone}"
