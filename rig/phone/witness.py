"""Deciding from several witnesses what a phone runs and whether its erase took: pure functions.

Real phones do not agree with themselves on one load field. A CP-7962G answers
`versionID *SCCP42.9-4-2SR3-1S*` (decorated) and `appLoadID jar42sccp.9-4-2ES26.sbn` (an image
of that load); an 8845 shows `rootfs8845_65...` as app load and `sip8845_65...` as version; a
7940 has the load in appLoadID (`P00308010200`) and `8.1(2.0)` in versionID. So a phone runs
load L when ANY witness says so, every witness is recorded as agreeing, disagreeing or unknown,
and the report shows which.

An erase is confirmed only by a signal the phone's profile lists as confirmed (restart by
itself, the ITL fetched again, a documented line); a signal no source confirms for the model
is reported as seen but never confirms alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rig.phone.profiles import EraseSignal, PhoneProfile, Witness

ALL_WITNESSES: tuple[Witness, ...] = ("cdp_version", "versionID", "appLoadID", "loads_images")
LABELS: dict[str, str] = {"cdp_version": "CDP Version", "lldp_software": "LLDP S/W revision", "versionID": "versionID",
                          "appLoadID": "appLoadID"}


def bare_load(name: str | None) -> str | None:
    """A load name without decoration (`*SCCP42.9-4-2SR3-1S*` -> `SCCP42.9-4-2SR3-1S`); None if empty."""
    if name is None:
        return None
    bare = name.strip().strip("*").strip()
    return bare or None


@dataclass(frozen=True)
class LoadDecision:
    expected: str | None
    running: bool
    """Some witness says the phone runs the expected load."""
    load: str | None
    """The expected load when running, else the best guess from the witnesses (None: no witness)."""
    agreed: list[str] = field(default_factory=list)
    disagreed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [f"{label}: {', '.join(names)}" for label, names in
                 (("agreed", self.agreed), ("disagreed", self.disagreed), ("unknown", self.unknown)) if names]
        return f"load {self.load or 'unknown'} ({'; '.join(parts) or 'no witness'})"


def current_load(
    *, version_id: str | None, app_load_id: str | None, cdp_version: str | None,
    witnesses: Sequence[Witness] = ALL_WITNESSES, lldp_software: str | None = None,
) -> str | None:
    """The best guess of the running load: the first witness (in profile order) that has a value."""
    values = {"cdp_version": cdp_version, "lldp_software": lldp_software, "versionID": version_id,
              "appLoadID": app_load_id}
    for witness in witnesses:
        value = bare_load(values.get(witness))
        if value is not None:
            return value
    return None


def decide_load(
    expected: str | None, *, version_id: str | None, app_load_id: str | None,
    images: Sequence[str] | None, cdp_version: str | None,
    witnesses: Sequence[Witness] = ALL_WITNESSES, lldp_software: str | None = None,
) -> LoadDecision:
    """Does the phone run `expected`? Each witness the profile lists is weighed; None = not read.

    `images` are the file names the expected load's `.loads` file lists (None: not fetched).
    Without an expected load, only the best guess is given (baseline's "load before").
    """
    guess = current_load(version_id=version_id, app_load_id=app_load_id, cdp_version=cdp_version,
                         witnesses=witnesses, lldp_software=lldp_software)
    want = bare_load(expected)
    if want is None:
        return LoadDecision(None, False, guess)
    agreed: list[str] = []
    disagreed: list[str] = []
    unknown: list[str] = []
    values = {"cdp_version": cdp_version, "lldp_software": lldp_software, "versionID": version_id,
              "appLoadID": app_load_id}
    for witness in witnesses:
        if witness == "loads_images":
            _weigh_image(want, bare_load(app_load_id), images, agreed, disagreed, unknown)
            continue
        value = bare_load(values[witness])
        if value is None:
            unknown.append(LABELS[witness])
        elif value == want:
            agreed.append(LABELS[witness])
        elif not (witness == "appLoadID" and "loads_images" in witnesses):
            # where appLoadID names an image, loads_images judges it against the .loads file
            disagreed.append(LABELS[witness])
    running = bool(agreed)
    return LoadDecision(want, running, want if running else guess, agreed, disagreed, unknown)


def _weigh_image(
    want: str, app_load: str | None, images: Sequence[str] | None,
    agreed: list[str], disagreed: list[str], unknown: list[str],
) -> None:
    """appLoadID naming one of the images of `want`'s .loads file (when it is not `want` itself).

    An unread appLoadID is left to the appLoadID witness to report as unknown.
    """
    if app_load is None or app_load == want:
        return
    label = f"appLoadID in {want}.loads"
    if images is None:
        unknown.append(label)
    elif app_load in {bare_load(i) for i in images}:
        agreed.append(label)
    else:
        disagreed.append(label)


@dataclass(frozen=True)
class EraseEvidence:
    """What the bench saw after the keypad script; every field is optional evidence."""

    restart: Sequence[str] = ()
    """How the phone was seen restarting by itself: e.g. "draw drop", "HTTP gone", "CDP gone"."""
    itl_fetched: bool = False
    """The phone fetched its ITL after the keys (the tap saw it)."""
    status_lines: Sequence[str] = ()
    """Status messages new since the keys."""
    console_lines: Sequence[str] = ()
    """Console lines since the keys."""


@dataclass(frozen=True)
class EraseProof:
    confirmed: bool
    signal: str | None
    """The confirmed signal that proved the erase, described (None: not confirmed)."""
    seen: list[str] = field(default_factory=list)
    """Every signal seen, confirmed or not, described."""

    def describe(self) -> str:
        if self.confirmed:
            return f"erase confirmed by {self.signal}"
        if self.seen:
            return f"erase not confirmed: only unconfirmed signals seen ({'; '.join(self.seen)})"
        return "erase not confirmed: no signal the profile lists was seen"


def _seen(signal: EraseSignal, evidence: EraseEvidence) -> str | None:
    """How `signal` shows in the evidence, or None."""
    if signal.kind == "restart":
        return f"restart ({', '.join(evidence.restart)})" if evidence.restart else None
    if signal.kind == "itl_fetched":
        return "ITL fetched after the keys" if evidence.itl_fetched else None
    lines = evidence.status_lines if signal.kind == "status" else evidence.console_lines
    assert signal.pattern is not None
    line = next((l for l in lines if re.search(signal.pattern, l)), None)
    return None if line is None else f"{signal.kind} line {line.strip()!r}"


def erase_confirmation(profile: PhoneProfile, evidence: EraseEvidence) -> EraseProof:
    """The first confirmed signal of the profile the evidence shows; unconfirmed ones are only noted."""
    seen: list[str] = []
    proof: str | None = None
    for signal in profile.erase_signals:
        shown = _seen(signal, evidence)
        if shown is None:
            continue
        seen.append(shown if signal.confirmed else f"{shown} (unconfirmed for {profile.name})")
        if signal.confirmed and proof is None:
            proof = shown
    return EraseProof(proof is not None, proof, seen)
