"""Keypad scripts: the key sequences of a procedure, as data checked before any phone is touched.

A script lives in the `keypad_scripts` data package as `<model>-<firmware>-<procedure>.yaml`
(read through importlib.resources, so an installed rig finds them). Key names are the phone's own
`Key:` URI names; friendly spellings (`"4"`, `"*"`, `"#"`) are normalized when the script loads,
so the runner only ever sees canonical names. Every problem is one error naming the file and the
step index, raised before a job starts.

Metadata names the phone profile the script is written for (`profile: 79x2-sccp9`, which must
exist in `phone_profiles` and cover the script's models and firmware), cites the source of the
sequence it runs, and keeps every published variant of that sequence with its own source
(`variants:`), since public tools disagree on key paths. `backends:` restricts the keypad
backends that can run the script (a key held through power-up needs an actuator or a person):
a phone with none of them is refused when the scripts load, and the runner skips the others.

Time: `wait:` and `expect.timeout` are seconds on real hardware. The runner multiplies them by
the bench's script time scale (`timeouts.script_scale`: 1 on hardware; a simulated bench writes
its own time scale), never by the key gap, which is only the pause between two key presses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rig.drivers.keypad import KEY_NAMES
from rig.config.errors import one_line
from rig.errors import ConfigError
from rig.phone.profiles import load_profiles, valid_regex
from rig.suggest import did_you_mean
from rig.config.yaml_input import utf8_text

if TYPE_CHECKING:
    from rig.config.lab import PhoneConfig

SCRIPT_PACKAGE = "rig.keypad_scripts"

_FRIENDLY = {**{str(d): f"KeyPad{d}" for d in range(10)}, "*": "KeyPadStar", "#": "KeyPadPound"}


def canonical_key(name: str) -> str:
    """`"4"` -> `KeyPad4`, `"*"` -> `KeyPadStar`; a canonical name is returned unchanged."""
    key = _FRIENDLY.get(name, name)
    if key not in KEY_NAMES:
        raise ValueError(f"unknown key {name!r}{did_you_mean(name, [*KEY_NAMES, *_FRIENDLY])}")
    return key


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Press(_Strict):
    press: list[str] = Field(min_length=1)

    @field_validator("press", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        keys = [value] if isinstance(value, (str, int)) else value
        if not isinstance(keys, list):
            raise ValueError("press: takes a key name or a list of key names")
        return [canonical_key(str(k)) for k in keys]


class Wait(_Strict):
    wait: float = Field(ge=0)
    """Real-hardware seconds (scaled by the bench's `timeouts.script_scale`)."""


class Expectation(_Strict):
    console: str | None = None
    status: str | None = None
    timeout: float = Field(default=20.0, gt=0)
    """Real-hardware seconds, scaled like `wait`."""

    @field_validator("console", "status")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return None if value is None else valid_regex(value)


class Expect(_Strict):
    expect: Expectation

    @field_validator("expect")
    @classmethod
    def _one_source(cls, value: Expectation) -> Expectation:
        if value.console is None and value.status is None:
            raise ValueError("needs console: or status:")
        return value


Step = Union[Press, Wait, Expect]
_STEP_KINDS: dict[str, type[BaseModel]] = {"press": Press, "wait": Wait, "expect": Expect}


Backend = Literal["http_execute", "serial_actuator", "operator"]


class Variant(_Strict):
    """A published key sequence for the same job, kept with its source (they disagree)."""

    keys: str = Field(min_length=1)
    """The sequence as the source gives it; it must read as variant_steps reads it."""
    models: list[str] = Field(min_length=1)
    source: str = Field(min_length=1)
    note: str | None = None

    @field_validator("keys")
    @classmethod
    def _runnable(cls, value: str) -> str:
        variant_steps(value)
        return value


VARIANT_GAP = re.compile(r"\((\d+(?:\.\d+)?) s between requests\)\s*$")
VARIANT_PAUSE_S = 2.0
"""Hardware seconds of a variant's `pause` (its source gives no length: rig's choice)."""
VARIANT_KEY_GAP_S = 1.0
"""Hardware seconds between a variant's keys when its source gives none (the scripts' own wait)."""
RESTARTS = ("KeyPadStar", "KeyPadStar", "KeyPadPound", "KeyPadStar", "KeyPadStar")
"""`**#**`: on these phones it restarts the phone (issue 26; unconfirmed, no public source was
found, and avoiding it costs nothing): a variant that holds it is refused."""


def variant_steps(keys: str) -> tuple[Step, ...]:
    """A published variant as press and wait steps, so rig can run it (`rig erase --try-variants`).

    Comma-separated tokens as the sources write them: key names and friendly spellings
    (`Settings`, `4`, `*`, `Soft2`), `pause` (VARIANT_PAUSE_S), and `Init:<object>`, which is not
    sent: rig starts every variant from the screen the phone boots to and opens Settings from its
    top level first where the profile says so (`init_settings`), which is what a leading
    `Init:Settings` does; a trailing `Init:Services` only closes an application. A trailing
    `(N s between requests)` is the pause between two keys. ValueError names what cannot be read.
    """
    text, gap = keys.strip(), VARIANT_KEY_GAP_S
    spaced = VARIANT_GAP.search(text)
    if spaced is not None:
        text, gap = text[:spaced.start()], float(spaced.group(1))
    steps: list[Step] = []
    pressed: list[str] = []
    for token in (t.strip() for t in text.split(",")):
        if token.startswith("Init:"):
            continue
        if token == "pause":
            steps.append(Wait(wait=VARIANT_PAUSE_S))
            continue
        key = canonical_key(token)
        if steps and isinstance(steps[-1], Press):
            steps.append(Wait(wait=gap))
        steps.append(Press(press=[key]))
        pressed.append(key)
    if not pressed:
        raise ValueError("no key to press")
    if any(tuple(pressed[i:i + len(RESTARTS)]) == RESTARTS for i in range(len(pressed))):
        raise ValueError("holds **#**, which restarts these phones")
    return tuple(steps)


def variant_script(script: KeyScript, index: int) -> KeyScript:
    """The script's variant `index` as a script: its keys, then the script's own expectations, so
    that it is confirmed exactly as the script is."""
    steps = variant_steps(script.meta.variants[index].keys)
    return KeyScript(script.file, script.meta, steps + tuple(s for s in script.steps if isinstance(s, Expect)))


class ScriptMeta(_Strict):
    models: list[str] = Field(min_length=1)
    firmware: list[str] = Field(min_length=1)
    procedure: str
    profile: str
    """The phone profile (phone_profiles/<profile>.yaml) whose facts confirm what the script does."""
    source: str = Field(min_length=1)
    """Where the sequence comes from: every script cites its public source."""
    variants: list[Variant] = Field(default_factory=list)
    """Other published sequences for the same job, each with its source."""
    backends: list[Backend] | None = None
    """Keypad backends that can run the script (None: any); checked against each phone's."""
    power_cycle: bool = False
    """The first key is held through a power cycle of the phone."""
    notes: str | None = None


@dataclass(frozen=True)
class KeyScript:
    file: str
    meta: ScriptMeta
    steps: tuple[Step, ...]


class KeyScriptError(ConfigError):
    """A script that cannot be used; the message names the file and the step index."""


def script_name(model: str, firmware: str, procedure: str) -> str:
    return f"{model}-{firmware}-{procedure}.yaml"


def _scripts_root() -> Traversable:
    try:
        return resources.files(SCRIPT_PACKAGE)
    except ModuleNotFoundError:
        raise KeyScriptError(f"the {SCRIPT_PACKAGE} package is not installed (reinstall rig)") from None


def available_scripts() -> list[str]:
    """File names of every script shipped in the data package."""
    return sorted(p.name for p in _scripts_root().iterdir() if p.name.endswith(".yaml"))


def load_script(model: str, firmware: str, procedure: str) -> KeyScript:
    """The script for this phone model and firmware family, validated."""
    name = script_name(model, firmware, procedure)
    ref = _scripts_root() / name
    if not ref.is_file():
        raise KeyScriptError(f"no keypad script {name} (have: {', '.join(available_scripts())})")
    return parse_script(utf8_text(ref.read_bytes(), name), name)


def parse_script(text: str, file: str) -> KeyScript:
    """Validate a script's text; `file` names it in every error."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        raise KeyScriptError(f"{file}: not valid YAML") from None
    if not isinstance(doc, dict) or set(doc) - {"metadata", "steps"}:
        raise KeyScriptError(f"{file}: a script is a mapping with metadata: and steps: only")
    try:
        meta = ScriptMeta.model_validate(doc.get("metadata") or {})
    except ValidationError as error:
        raise KeyScriptError(f"{file}: metadata: {one_line(error)}") from None
    _check_profile(file, meta)
    raw_steps = doc.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise KeyScriptError(f"{file}: steps: must be a non-empty list")
    return KeyScript(file, meta, tuple(_step(file, i, raw) for i, raw in enumerate(raw_steps)))


def _check_profile(file: str, meta: ScriptMeta) -> None:
    """The named profile exists and covers every model and firmware the script claims."""
    profiles = load_profiles()
    profile = profiles.get(meta.profile)
    if profile is None:
        raise KeyScriptError(f"{file}: metadata: profile: no phone profile {meta.profile!r} "
                             f"(have: {', '.join(sorted(profiles))})")
    for model, firmware in ((m, f) for m in meta.models for f in meta.firmware):
        if model not in profile.models or firmware not in profile.firmware:
            raise KeyScriptError(f"{file}: metadata: profile: {meta.profile} does not cover model {model} "
                                 f"firmware {firmware}")


def _step(file: str, index: int, raw: Any) -> Step:
    where = f"{file}: steps[{index}]"
    if not isinstance(raw, dict) or len(raw) != 1:
        raise KeyScriptError(f"{where}: a step is one of press:, wait:, expect:")
    kind = next(iter(raw))
    model = _STEP_KINDS.get(kind)
    if model is None:
        raise KeyScriptError(f"{where}: unknown step kind {kind!r} (press, wait, expect)")
    try:
        return model.model_validate(raw)  # type: ignore[return-value]
    except ValidationError as error:
        raise KeyScriptError(f"{where}: {one_line(error)}") from None


def scripts_for(
    phones: Sequence["PhoneConfig"], procedure: str, source: str, only: Sequence[str] | None = None
) -> dict[str, KeyScript]:
    """Each phone's script for `procedure`, loaded and validated before a job touches anything.

    A phone whose model/firmware has no script is one error naming the config file, the phone
    and the field, like any other config error. `phones` is the config's whole list (so the
    index in the message is the file's); `only` restricts the check to the phones of this job.
    """
    cache: dict[str, KeyScript] = {}
    by_phone: dict[str, KeyScript] = {}
    for index, phone in enumerate(phones):
        if only is not None and phone.name not in only:
            continue
        name = script_name(phone.model, phone.firmware, procedure)
        if name not in cache:
            try:
                cache[name] = load_script(phone.model, phone.firmware, procedure)
            except KeyScriptError as error:
                raise ConfigError(
                    f"{source}: phones[{index}] ({phone.name}).model: {error}"
                ) from None
        script = cache[name]
        allowed = script.meta.backends
        if allowed is not None and not any(k.backend in allowed for k in phone.keypad):
            have = ", ".join(k.backend for k in phone.keypad) or "none"
            raise ConfigError(f"{source}: phones[{index}] ({phone.name}).keypad: {name} needs one of "
                              f"{', '.join(allowed)} (this phone has {have})")
        by_phone[phone.name] = script
    return by_phone
