"""The evidence `rig facts` reads, from a run directory or a diagnostics bundle, per phone: the
journal's steps, the console log, the phone's pages as the bundle kept them, the switch's CDP
detail, and what could not be read (a bundle's `missing`, e.g. "web access off: ...").

The journal is read as JSON lines, not as typed events: a bundle's journal is redacted and
filtered, and a run's may be from another rig version; every field is looked up defensively.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rig.errors import ConfigError, RigError
from rig.phone.profiles import profile_for
from rig.record.journal import JOURNAL_NAME

MANIFEST = "manifest.json"
BUNDLE_JOURNAL = "run/journal.jsonl"
"""Where a bundle keeps its manifest and its last run's journal: rig.diagnostics.bundle and
rig.diagnostics.runs write them there, this module reads them."""


@dataclass
class PhoneEvidence:
    name: str
    steps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Step name -> every `step` event of it (an erase retried has two), in journal order."""
    ordered: list[dict[str, Any]] = field(default_factory=list)
    """Every `step` event, in journal order."""
    fetches: list[dict[str, Any]] = field(default_factory=list)
    """Every `tftp` event (a transfer the tap saw), in journal order."""
    console: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    """A bundle's per-phone files by name (`device_information.xml`, `cdp_detail.txt`, ...)."""
    missing: dict[str, str] = field(default_factory=dict)
    profile: str | None = None
    """The profile's name (a bundle's manifest says it; for a run, the erase script's model and firmware)."""

    def last(self, step: str) -> dict[str, Any] | None:
        found = self.steps.get(step)
        return found[-1] if found else None

    def erase_steps(self) -> list[dict[str, Any]]:
        """Every attempt of the erase, in order: the script's own, then its variants' (`--try-variants`)."""
        return [event for event in self.ordered if event.get("name") == "erase"]

    def data(self, step: str) -> dict[str, Any]:
        event = self.last(step)
        data = event.get("data") if event else None
        return data if isinstance(data, dict) else {}


@dataclass
class Evidence:
    source: str
    phones: dict[str, PhoneEvidence]


def read_evidence(path: Path) -> Evidence:
    """A run directory's or a bundle's evidence; RigError (exit 2) when `path` is neither."""
    if path.is_dir() and (path / JOURNAL_NAME).is_file():
        return _from_run(path)
    if path.is_file() and zipfile.is_zipfile(path):
        return _from_bundle(path)
    raise RigError(f"{path}: neither a run directory (no {JOURNAL_NAME}) nor a diagnostics bundle (.zip)")


def _journal(lines: list[bytes], phones: dict[str, PhoneEvidence]) -> None:
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        if event.get("event") == "run_started":
            for listed in event.get("phones") or []:
                if isinstance(listed, dict) and isinstance(listed.get("name"), str):
                    phones.setdefault(listed["name"], PhoneEvidence(listed["name"]))
        name = event.get("phone")
        if event.get("event") == "tftp" and isinstance(name, str):
            phones.setdefault(name, PhoneEvidence(name)).fetches.append(event)
        if event.get("event") == "step" and isinstance(name, str) and isinstance(event.get("name"), str):
            phone = phones.setdefault(name, PhoneEvidence(name))
            phone.steps.setdefault(event["name"], []).append(event)
            phone.ordered.append(event)


def _from_run(run_dir: Path) -> Evidence:
    phones: dict[str, PhoneEvidence] = {}
    _journal((run_dir / JOURNAL_NAME).read_bytes().splitlines(), phones)
    for phone in phones.values():
        log = run_dir / "console" / f"{phone.name}.log"
        phone.console = log.read_text(errors="replace").splitlines() if log.is_file() else []
        phone.profile = _script_profile(phone)
    return Evidence(str(run_dir), phones)


def _from_bundle(path: Path) -> Evidence:
    try:
        with zipfile.ZipFile(path) as bundle:
            members = {name: bundle.read(name) for name in bundle.namelist()}
    except (zipfile.BadZipFile, OSError) as error:
        raise RigError(f"{path}: cannot read the bundle ({error})") from None
    try:
        manifest = json.loads(members[MANIFEST])
    except (KeyError, ValueError):
        raise RigError(f"{path}: no readable {MANIFEST} (not a rig diagnostics bundle?)") from None
    phones: dict[str, PhoneEvidence] = {}
    _journal(members.get(BUNDLE_JOURNAL, b"").splitlines(), phones)
    for row in manifest.get("phones") or []:
        phone = phones.setdefault(str(row.get("name")), PhoneEvidence(str(row.get("name"))))
        phone.profile = row.get("profile")
    for name, data in members.items():
        match = re.fullmatch(r"phones/([^/]+)/([^/]+)", name)
        if match and match.group(1) in phones:
            phones[match.group(1)].files[match.group(2)] = data.decode("utf-8", errors="replace")
    for name, reason in (manifest.get("missing") or {}).items():
        match = re.fullmatch(r"phones/([^/]+)/([^/]+)", name)
        if match and match.group(1) in phones:
            phones[match.group(1)].missing[match.group(2)] = str(reason)
    for phone in phones.values():
        phone.console = phone.files.get("console.log", "").splitlines()
        phone.profile = phone.profile or _script_profile(phone)
    return Evidence(str(path), phones)


def _script_profile(phone: PhoneEvidence) -> str | None:
    """The profile of the model and firmware the run's erase script names (`7942-sccp9-itl_erase.yaml`)."""
    script = phone.data("erase").get("script")
    match = re.match(r"([^-]+)-([^-]+)-", script) if isinstance(script, str) else None
    try:
        return profile_for(match.group(1), match.group(2)).name if match else None
    except ConfigError:
        return None
