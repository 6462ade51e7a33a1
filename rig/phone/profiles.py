"""Phone profiles: every fact rig relies on about one phone family's firmware, as sourced data.

A profile lives in the `phone_profiles` data package as `<name>.yaml` (one per model family and
firmware, e.g. `79x2-sccp9.yaml` for the 7942/7962 on SCCP 9.x). Procedures take web paths,
XML field names, status-line and symptom patterns, TFTP file names, the CDP platform and the
erase confirmation signals from here, so a fact learned on real hardware is fixed in one file
and no such literal lives in code.

Every fact is written `{value: ..., source: "<URL of a Cisco document, public tool or capture>"}`
(optionally `note:`, and `confirmed: false` when the source shows it only for sibling models:
such facts are listed in `unconfirmed`); a fact without a source does not load. Only the profile's identity
(`name`, `models`, `firmware`, `description`) is unsourced, and each erase signal carries its
own `source:` and `confirmed:` flag (an unconfirmed signal never confirms an erase alone, see
rig.phone.witness). `extends: <profile>` starts from another profile's facts; each top-level key the
profile gives replaces the base's whole (one level only). Errors are one line naming the file
and the field (rig.errors.ConfigError).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rig.drivers.macaddr import sep_name
from rig.config.errors import one_line
from rig.errors import ConfigError
from rig.config.yaml_input import utf8_text

PROFILE_PACKAGE = "rig.phone_profiles"
IDENTITY = ("name", "models", "firmware", "description")
"""Keys that name the profile rather than state a fact about the phone: no source needed."""
Witness = Literal["cdp_version", "lldp_software", "versionID", "appLoadID", "loads_images"]
"""Load witnesses (rig.phone.witness.decide_load): CDP `Version :`, LLDP-MED `S/W revision`,
DeviceInformationX versionID and appLoadID, and appLoadID found among the images the expected
load's `.loads` file names."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def valid_regex(value: str) -> str:
    """`value` unchanged once it compiles; ValueError naming it (and why) otherwise."""
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"bad regex {value!r}: {error}") from None
    return value


def _template(value: str, placeholder: str) -> str:
    names = {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}
    if names != {placeholder}:
        raise ValueError(f"{value!r} must name exactly {{{placeholder}}}")
    return value


class WebPaths(_Strict):
    """URL paths of the phone's web server (each starts with /)."""

    device_info: str = Field(pattern=r"^/")
    network_config: str = Field(pattern=r"^/")
    status_messages: str = Field(pattern=r"^/")
    screenshot: str = Field(pattern=r"^/")
    execute: str = Field(pattern=r"^/")


class Fields(_Strict):
    """Element names of the device information XML."""

    mac: str
    version: str
    app_load: str


class TftpNames(_Strict):
    """File names the phone fetches; `{mac}` is `SEP<MAC>` (12 upper hex), `{load}` a load name."""

    ctl: str
    itl: str
    config: str
    loads: str
    image: str
    """Regex of one image file name as a `.loads` file lists it."""

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        return valid_regex(value)

    @field_validator("ctl", "itl", "config")
    @classmethod
    def _mac(cls, value: str) -> str:
        return _template(value, "mac")

    @field_validator("loads")
    @classmethod
    def _load(cls, value: str) -> str:
        return _template(value, "load")


class FirmwareFields(_Strict):
    """Paths (ElementTree, from the config's root) of the config elements that send the phone
    elsewhere for its images (rig.phone.firmware_paths)."""

    peer_sharing: str
    """`1`: Peer Firmware Sharing on."""
    load_server: str
    """Not empty: the server the images come from instead of TFTP."""


class EraseSignal(_Strict):
    """One kind of evidence that a keypad erase took effect.

    restart: the phone restarted by itself (draw drop, HTTP gone, CDP neighbour gone);
    itl_fetched: it fetched its ITL after the keys; status / console: a line matching `pattern`.
    """

    kind: Literal["restart", "itl_fetched", "status", "console"]
    pattern: str | None = None
    confirmed: bool
    """False: no public source confirms this signal for these models; it never confirms alone."""
    source: str = Field(min_length=1)
    note: str | None = None

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        return None if value is None else valid_regex(value)

    @model_validator(mode="after")
    def _needs_pattern(self) -> "EraseSignal":
        if self.kind in ("status", "console") and self.pattern is None:
            raise ValueError(f"a {self.kind} signal needs pattern:")
        if self.kind in ("restart", "itl_fetched") and self.pattern is not None:
            raise ValueError(f"a {self.kind} signal takes no pattern:")
        return self


class PhoneProfile(_Strict):
    """One family's facts; `sources` maps each fact's field path to where it comes from."""

    name: str
    models: list[str] = Field(min_length=1)
    firmware: list[str] = Field(min_length=1)
    description: str | None = None
    web: WebPaths
    fields: Fields
    load_witnesses: list[Witness] = Field(min_length=1)
    """Witnesses that apply to this family, in the order their values are trusted as the load."""
    status_line: str
    """Regex of one status message line; group `text` is the message without its time stamp."""
    symptoms: list[str] = Field(min_length=1)
    """Regexes of status/console lines that show the trust-list or TFTP problem."""
    trust_failure: str
    """Regex of the line that means the phone rejected its trust list (verify fails on it)."""
    tftp: TftpNames
    cdp_platform: str
    """Regex the switch's CDP `Platform:` of these phones matches."""
    firmware_fields: FirmwareFields | None = None
    """Where the config says Peer Firmware Sharing and the load server (None: not known)."""
    erase_signals: list[EraseSignal] = Field(min_length=1)
    init_settings: bool
    """Send `Init:Settings` before the keypad script's `Settings`, so the menu starts at its top."""
    sources: dict[str, str]
    unconfirmed: list[str] = Field(default_factory=list)
    """Fact paths written `confirmed: false`: no source shows them for these very models."""

    @field_validator("symptoms")
    @classmethod
    def _symptoms(cls, value: list[str]) -> list[str]:
        return [valid_regex(v) for v in value]

    @field_validator("trust_failure", "cdp_platform")
    @classmethod
    def _regexes(cls, value: str) -> str:
        return valid_regex(value)

    @field_validator("status_line")
    @classmethod
    def _status_line(cls, value: str) -> str:
        if "text" not in re.compile(valid_regex(value)).groupindex:
            raise ValueError("needs a (?P<text>...) group")
        return value

    @field_validator("erase_signals")
    @classmethod
    def _one_confirmed(cls, value: list[EraseSignal]) -> list[EraseSignal]:
        if not any(signal.confirmed for signal in value):
            raise ValueError("needs at least one confirmed: true signal (nothing else can confirm an erase)")
        return value

    def ctl_file(self, mac: str) -> str:
        return self.tftp.ctl.format(mac=sep_name(mac))

    def itl_file(self, mac: str) -> str:
        return self.tftp.itl.format(mac=sep_name(mac))

    def config_file(self, mac: str) -> str:
        return self.tftp.config.format(mac=sep_name(mac))

    def loads_file(self, load: str) -> str:
        return self.tftp.loads.format(load=load)

    def status_text(self, line: str) -> str:
        """A status message without its time stamp (the line itself when it has none)."""
        match = re.match(self.status_line, line.strip())
        return match.group("text").strip() if match else line.strip()

    def symptoms_in(self, lines: Iterable[str]) -> list[str]:
        """The lines that show a symptom, stripped, each once, in order."""
        found: list[str] = []
        for line in lines:
            text = line.strip()
            if text not in found and any(re.search(p, text) for p in self.symptoms):
                found.append(text)
        return found

    def trust_failures_in(self, lines: Iterable[str]) -> list[str]:
        return [line.strip() for line in lines if re.search(self.trust_failure, line)]

    def is_platform(self, platform: str) -> bool:
        """Whether a CDP `Platform:` names a phone of this family."""
        return re.search(self.cdp_platform, platform) is not None


def _unwrap(node: Any, path: str, sources: dict[str, str], unconfirmed: list[str]) -> Any:
    """`{value, source}` facts -> their values; sources go to `sources[path]`, doubts to `unconfirmed`."""
    if isinstance(node, dict) and "value" in node:
        if set(node) - {"value", "source", "note", "confirmed"}:
            raise ValueError(f"{path}: a fact has value:, source: and optionally note:, confirmed: only")
        source = node.get("source")
        if not isinstance(source, str) or not source.strip():
            raise ValueError(f"{path}: needs source:")
        if node.get("confirmed", True) not in (True, False):
            raise ValueError(f"{path}: confirmed: must be true or false")
        sources[path] = source.strip()
        if node.get("confirmed") is False:
            unconfirmed.append(path)
        return node["value"]
    if isinstance(node, dict):
        return {key: _unwrap(value, f"{path}.{key}", sources, unconfirmed) for key, value in node.items()}
    if isinstance(node, list):
        return [_unwrap(value, f"{path}[{i}]", sources, unconfirmed) for i, value in enumerate(node)]
    raise ValueError(f"{path}: a fact is written {{value: ..., source: ...}}")


def _document(text: str, file: str) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ConfigError(f"{file}: not valid YAML") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{file}: a profile is a mapping")
    return doc


def _extended(doc: dict[str, Any], file: str, bases: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """`extends: <profile>`: the base's facts, each top-level key the profile gives replacing the base's."""
    if "extends" not in doc:
        return doc
    own = {key: value for key, value in doc.items() if key != "extends"}
    base = bases.get(str(doc["extends"]))
    if base is None:
        raise ConfigError(f"{file}: extends: no profile {doc['extends']!r} (have: {', '.join(sorted(bases))})")
    if "extends" in base:
        raise ConfigError(f"{file}: extends: {doc['extends']} itself extends a profile (one level only)")
    return {**{k: v for k, v in base.items() if k not in IDENTITY}, **own}


def parse_profile(text: str, file: str, bases: Mapping[str, dict[str, Any]] | None = None) -> PhoneProfile:
    """Validate a profile's text; `file` names it in every error; `bases`: documents it may extend."""
    doc = _extended(_document(text, file), file, bases or {})
    sources: dict[str, str] = {}
    unconfirmed: list[str] = []
    data: dict[str, Any] = {}
    for derived in ("sources", "unconfirmed"):
        if derived in doc:
            raise ConfigError(f"{file}: {derived}: unknown key (each fact carries its own source: and confirmed:)")
    try:
        for key, value in doc.items():
            passthrough = key in IDENTITY or key == "erase_signals"
            data[key] = value if passthrough else _unwrap(value, str(key), sources, unconfirmed)
    except ValueError as error:
        raise ConfigError(f"{file}: {error}") from None
    try:
        profile = PhoneProfile.model_validate({**data, "sources": sources, "unconfirmed": unconfirmed})
    except ValidationError as error:
        raise ConfigError(f"{file}: {one_line(error, model=PhoneProfile)}") from None
    stem = file.rsplit("/", 1)[-1].removesuffix(".yaml")
    if profile.name != stem:
        raise ConfigError(f"{file}: name: {profile.name!r} must match the file name ({stem!r})")
    return profile


@lru_cache(maxsize=1)
def load_profiles() -> dict[str, PhoneProfile]:
    """Every shipped profile by name, validated; two profiles claiming one model+firmware is an error."""
    try:
        root = resources.files(PROFILE_PACKAGE)
    except ModuleNotFoundError:
        raise ConfigError(f"the {PROFILE_PACKAGE} package is not installed (reinstall rig)") from None
    refs = {ref.name.removesuffix(".yaml"): ref for ref in root.iterdir() if ref.name.endswith(".yaml")}
    texts = {name: utf8_text(ref.read_bytes(), _file(name)) for name, ref in refs.items()}
    docs = {name: _document(text, _file(name)) for name, text in texts.items()}
    profiles: dict[str, PhoneProfile] = {}
    claimed: dict[tuple[str, str], str] = {}
    for name in sorted(texts):
        profile = parse_profile(texts[name], _file(name), docs)
        for pair in ((m, f) for m in profile.models for f in profile.firmware):
            if pair in claimed:
                raise ConfigError(f"{_file(name)}: models: {pair[0]} {pair[1]} is also in {claimed[pair]}")
            claimed[pair] = _file(name)
        profiles[name] = profile
    return profiles


def _file(name: str) -> str:
    return f"{PROFILE_PACKAGE}/{name}.yaml"


@lru_cache(maxsize=None)
def profile_for(model: str, firmware: str) -> PhoneProfile:
    """The profile that covers this phone model and firmware family."""
    for profile in load_profiles().values():
        if model in profile.models and firmware in profile.firmware:
            return profile
    known = ", ".join(f"{p.name} ({'/'.join(p.models)} {'/'.join(p.firmware)})" for p in load_profiles().values())
    raise ConfigError(f"no phone profile for model {model} firmware {firmware} (have: {known})")
