"""A bench shaped from a diagnostics bundle (`simulation.from_bundle: FILE.zip`): the simulated
phones and switches answer as the bundle's devices did.

A bundle (docs/diagnostics.md) is what a lab's real devices answered, redacted. The simulator
reads it as data, with its own parsing (it never imports rig's drivers or diagnostics), and
takes, phone by phone in the manifest's order (bundle phone N is simulated phone desk-0N):

- its identity from its `/DeviceInformationX`: `MACAddress` (the bundle's pseudonym, which then
  names the phone everywhere: CDP, `SEP<MAC>` files, ITL), `modelNumber`, the product line of
  `udi`, `hardwareRevision`, `serialNumber`, `phoneDN`, `bootLoadID`, and the load `versionID`
  names (the load it starts on);
- its CDP `Platform:` from the switch's CDP detail;
- Web Access off, when the bundle says its pages were refused as such;

and for the Nth switch of the bundle (in name order), the `show version` it answered, verbatim.

What is not taken: the scenario of each phone (a bundle says what a phone answered, not why:
`scenarios:` still says which phones are stuck), the status messages (the scenario writes them),
screens and the run's journal. A field a bundle lacks keeps the simulator's default.
"""

from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rig.config.simulation import Simulation
from rig.config.lab import ConfigError
from rig.sim.phone_shape import PhoneShape

WEB_OFF = "web access off"
"""How a bundle's manifest begins the reason of a page refused as Web Access off."""


@dataclass(frozen=True)
class BundlePhone:
    mac: str | None
    load: str | None
    web_access: bool
    identity: dict[str, str]
    """PhoneShape fields the bundle gave (model, product, platform, serial, ...)."""


@dataclass(frozen=True)
class BundleShape:
    phones: list[BundlePhone] = field(default_factory=list)
    show_version: list[str] = field(default_factory=list)
    """Each switch's `show version`, in the bundle's switch-name order."""


def read_bundle(path: Path) -> BundleShape:
    """The bundle at `path` as the simulator uses it (read once per version of the file);
    ConfigError naming the file when it is not one."""
    try:
        version = path.stat().st_mtime_ns
    except OSError as error:
        raise ConfigError(f"simulation.from_bundle: {path}: {error.strerror}") from None
    return _read(path, version)


@functools.cache
def _read(path: Path, version: int) -> BundleShape:
    where = f"simulation.from_bundle: {path}"
    try:
        with zipfile.ZipFile(path) as bundle:
            members = {name: bundle.read(name) for name in bundle.namelist()}
        manifest = json.loads(members["manifest.json"])
        rows = [str(row["name"]) for row in manifest["phones"]]
    except (OSError, zipfile.BadZipFile, KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"{where}: not a readable rig diagnostics bundle ({type(error).__name__}: {error})") from None
    if not rows:
        raise ConfigError(f"{where}: the bundle lists no phones")
    missing = manifest.get("missing") or {}
    phones = [_phone(members, missing, name) for name in rows]
    versions = [members[n].decode("utf-8", "replace") for n in sorted(members)
                if re.fullmatch(r"switches/[^/]+/show_version\.txt", n)]
    return BundleShape(phones, versions)


def _phone(members: dict[str, bytes], missing: dict[str, Any], name: str) -> BundlePhone:
    base = f"phones/{name}"
    page = _fields(members.get(f"{base}/device_information.xml", b""))
    udi = page.get("udi", "").strip().splitlines()
    identity = {key: value for key, value in {
        "model": page.get("modelNumber"), "product": udi[1].split(",")[0].strip() if len(udi) > 1 else None,
        "hardware_revision": page.get("hardwareRevision"), "boot_load": page.get("bootLoadID"),
        "serial": page.get("serialNumber"), "dn": page.get("phoneDN"),
        "platform": _platform(members.get(f"{base}/cdp_detail.txt", b"")),
    }.items() if value}
    mac = page.get("MACAddress", "").upper()
    load = page.get("versionID", "").strip("*") or None
    off = str(missing.get(f"{base}/device_information.xml", "")).startswith(WEB_OFF)
    return BundlePhone(mac if re.fullmatch(r"[0-9A-F]{12}", mac) else None, load, not off, identity)


def _fields(page: bytes) -> dict[str, str]:
    """The text of each child of the page's root (`<DeviceInformation><MACAddress>...`)."""
    try:
        root = ET.fromstring(page)
    except ET.ParseError:
        return {}
    return {child.tag: (child.text or "").strip() if child.tag != "udi" else child.text or "" for child in root}


def _platform(detail: bytes) -> str | None:
    match = re.search(r"Platform:\s*([^,\r\n]+)", detail.decode("utf-8", "replace"))
    return match.group(1).strip() if match else None


def shaped_simulation(sim: Simulation) -> Simulation:
    """`sim` with one phone per bundle phone and the bundle's Web Access off phones (by their
    simulated names) added to `web_access_off`; `sim` itself without a bundle."""
    if sim.from_bundle is None:
        return sim
    phones = read_bundle(sim.from_bundle).phones
    off = [sim_name(i) for i, phone in enumerate(phones) if not phone.web_access]
    return sim.model_copy(update={"phones": len(phones),
                                  "web_access_off": sorted(set(sim.web_access_off) | set(off))})


def sim_name(index: int) -> str:
    """The simulated name of phone `index` (rig.sim.layout names every phone so)."""
    return f"desk-{index + 1:02d}"


def bundle_mac(sim: Simulation, index: int, default: str) -> str:
    """Bundle phone `index`'s MAC (its pseudonym), else `default`."""
    if sim.from_bundle is None:
        return default
    phones = read_bundle(sim.from_bundle).phones
    return (phones[index].mac if index < len(phones) else None) or default


def phone_options(sim: Simulation, name: str, index: int) -> dict[str, Any]:
    """SimPhone's keyword arguments of its shape: web access, identity and key path, starting load."""
    options: dict[str, Any] = {"web_access": name not in sim.web_access_off}
    identity: dict[str, str] = {}
    if sim.from_bundle is not None and index < len(phones := read_bundle(sim.from_bundle).phones):
        identity = phones[index].identity
        if phones[index].load:
            options["initial_load"] = phones[index].load
    options["shape"] = PhoneShape(erase_softkeys=tuple(sim.itl_erase_softkeys), **identity)
    return options


def switch_options(sim: Simulation, name: str) -> dict[str, Any]:
    """SimSwitch's keyword arguments of its shape: switch `swN` answers the `show version` of the
    bundle's Nth switch."""
    number = re.fullmatch(r"sw(\d+)", name)
    versions = read_bundle(sim.from_bundle).show_version if sim.from_bundle is not None and number else []
    index = int(number.group(1)) - 1 if number else 0
    return {"version_text": versions[index]} if index < len(versions) else {}
