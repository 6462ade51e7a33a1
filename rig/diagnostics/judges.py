"""One judge per unconfirmed fact (rig.diagnostics.catalog): what one phone's evidence shows,
`confirmed`, `contradicted` or `not seen`, with the line that shows it.

A judge says `contradicted` only when the evidence shows the opposite of the claim, never for
mere absence (a console that was not captured, a page that was not read): that is `not seen`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from rig.diagnostics.evidence import PhoneEvidence
from rig.drivers.phone_pages import flat_fields, status_rows
from rig.phone.profiles import PhoneProfile
from rig.phone.witness import LABELS

Status = Literal["confirmed", "contradicted", "not seen"]


@dataclass(frozen=True)
class Verdict:
    status: Status
    line: str


NOT_SEEN = Verdict("not seen", "")
Judge = Callable[[PhoneEvidence, PhoneProfile], Verdict]


def _erase_confirmed_by(phone: PhoneEvidence) -> str | None:
    """The signal that confirmed the erase, in whichever attempt did (a retry, a variant)."""
    return next((by for event in phone.erase_steps() if (by := _confirmed_by(event))), None)


def console_erase_line(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    patterns = [s.pattern for s in profile.erase_signals if s.kind == "console" and s.pattern]
    seen = [line for line in phone.console if any(re.search(p, line) for p in patterns)]
    if seen:
        return Verdict("confirmed", seen[0].strip())
    by = _erase_confirmed_by(phone)
    if by and phone.console and not by.startswith("console"):
        return Verdict("contradicted", f"erase confirmed by {by}; none of the {len(phone.console)} console lines "
                                       f"matches /{'|'.join(patterns)}/")
    return NOT_SEEN


def _data(event: dict[str, Any]) -> dict[str, Any]:
    data = event.get("data")
    return data if isinstance(data, dict) else {}


def _confirmed_by(event: dict[str, Any]) -> str | None:
    by = _data(event).get("erase_confirmed_by")
    return by if event.get("ok") and isinstance(by, str) and by else None


def key_path(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    """The script's own path: confirmed when one of its attempts (a retry included) confirmed the
    erase; contradicted when its keys were sent and none did (a variant confirming instead is
    said, and judged by key_path_variant)."""
    erases = phone.erase_steps()
    own = [e for e in erases if "variant" not in _data(e)]
    for event in own:
        by = _confirmed_by(event)
        if by:
            return Verdict("confirmed", f"{_data(event).get('script', 'the script')}: {_keys(event)} -> erase "
                                        f"confirmed by {by}")
    sent = [e for e in own if _keys(e)]
    if not sent:
        return NOT_SEEN
    last = sent[-1]
    variant = next((e for e in erases if "variant" in _data(e) and _confirmed_by(e)), None)
    return Verdict("contradicted", f"{_data(last).get('script', 'the script')}: {_keys(last)} -> "
                                   f"{last.get('detail') or 'not confirmed'}"
                   + (f"; variants[{_data(variant)['variant'].get('index')}] confirmed instead" if variant else ""))


def key_path_variant(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    """Which published variant erased where the script's own path did not (`rig erase --try-variants`)."""
    tried = [e for e in phone.erase_steps() if isinstance(_data(e).get("variant"), dict)]
    for event in tried:
        by = _confirmed_by(event)
        if by:
            variant = _data(event)["variant"]
            return Verdict("confirmed", f"{_data(event).get('script', 'the script')} variants[{variant.get('index')}] "
                                        f"({variant.get('keys')}; source: {variant.get('source')}): {_keys(event)} "
                                        f"-> erase confirmed by {by}")
    if tried:
        return Verdict("contradicted", f"none of the {len(tried)} variants tried was confirmed; the last: "
                                       f"{tried[-1].get('detail') or 'not confirmed'}")
    return NOT_SEEN


def _keys(event: dict[str, Any]) -> str:
    """The keys an erase attempt sent, and where the screens after them are (rig erase --screenshots)."""
    keys = " ".join(str(k) for k in _data(event).get("keys") or [])
    files = [s["file"] for s in _data(event).get("screenshots") or [] if isinstance(s, dict) and s.get("file")]
    return keys + (f" (screens {files[0]} .. {files[-1]})" if keys and files else "")


def restart_after_erase(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    for event in phone.erase_steps():
        data = _data(event)
        seen = [str(s) for s in data.get("erase_signals_seen") or [] if str(s).startswith("restart")]
        if seen:
            return Verdict("confirmed", seen[0] + _restart_time(data))
    by = _erase_confirmed_by(phone)
    if by:  # the phone may restart later than rig looked: absence is not the opposite
        return Verdict("not seen", f"erase confirmed by {by}; no restart seen before rig restarted the phone")
    return NOT_SEEN


def _restart_time(data: dict[str, Any]) -> str:
    """When the restart showed, as the erase step measured it (journals before rig did: nothing)."""
    after, took = data.get("restart_after_s"), data.get("keys_took_s")
    if not isinstance(after, (int, float)) or not isinstance(took, (int, float)):
        return ""
    return f", seen {after:g} s after the first key (the keys took {took:g} s)"


def status_messages(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    page = phone.files.get("status_messages.html")
    lines = status_rows(page) if page is not None else [str(x) for x in phone.data("baseline").get("status_messages") or []]
    if not lines:
        return NOT_SEEN
    odd = [line for line in lines if not re.match(profile.status_line, line.strip())]
    if odd:
        return Verdict("contradicted", f"{len(odd)} of {len(lines)} lines do not match status_line: {odd[0]!r}")
    return Verdict("confirmed", f"{len(lines)} lines match status_line, e.g. {lines[0]!r}")


def access_off(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    for reason in phone.missing.values():
        if reason.startswith("web access off: "):
            return Verdict("confirmed", f"Web Access off answered: {reason.removeprefix('web access off: ')}")
    match = re.search(r"web access off \(([^)]*)\)", str((phone.last("baseline") or {}).get("detail", "")))
    return Verdict("confirmed", f"Web Access off answered: {match.group(1)}") if match else NOT_SEEN


def device_info(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    page = phone.files.get("device_information.xml")
    if page is not None:
        fields = flat_fields(page.encode("utf-8"))
        version, app = fields.get(profile.fields.version, "").strip(), fields.get(profile.fields.app_load, "").strip()
        has_mac = profile.fields.mac in fields
    else:
        data = phone.data("baseline")
        version, app, has_mac = str(data.get("version_id") or ""), str(data.get("app_load_id") or ""), True
    if not version and not app:
        return NOT_SEEN
    wrong = [] if has_mac else [f"no {profile.fields.mac}"]
    if not re.fullmatch(r"\*\S+\*", version):
        wrong.append(f"{profile.fields.version} {version!r} is not a decorated load")
    if not re.fullmatch(profile.tftp.image, app):
        wrong.append(f"{profile.fields.app_load} {app!r} is not an image")
    line = f"{profile.fields.version} {version!r}, {profile.fields.app_load} {app!r}"
    return Verdict("contradicted", "; ".join(wrong)) if wrong else Verdict("confirmed", line)


def _cdp(phone: PhoneEvidence) -> tuple[str, str]:
    """(platform, version) from the bundle's CDP detail, else the run's identify step."""
    detail = phone.files.get("cdp_detail.txt", "")
    platform = re.search(r"Platform:\s*([^,\n]+)", detail)
    version = re.search(r"Version :\s*\n\s*(\S+)", detail)
    data = phone.data("identify")
    return (platform.group(1).strip() if platform else str(data.get("cdp_platform") or ""),
            version.group(1) if version else str(data.get("cdp_version") or ""))


def _announced_load(phone: PhoneEvidence, witness: str, announced: str) -> Verdict:
    """Whether what the switch heard the phone announce (`witness`: `cdp_version`, `lldp_software`)
    is its bare load: the run's verify_load verdict on it, else the announced value itself."""
    label, verify = LABELS[witness], phone.data("verify_load")
    if label in (verify.get("agreed") or []):
        return Verdict("confirmed", f"{label} agreed with the load after the run, {verify.get('load_after')}")
    if label in (verify.get("disagreed") or []):
        return Verdict("contradicted", f"{label} {verify.get(witness)!r} disagreed with {verify.get('load_after')}")
    if not announced:
        return NOT_SEEN
    if "*" in announced:
        return Verdict("contradicted", f"{label} {announced!r} is decorated, not the bare load")
    return Verdict("confirmed", f"{label} {announced!r}")


def cdp_version(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    return _announced_load(phone, "cdp_version", _cdp(phone)[1])


def lldp_software(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    """The LLDP-MED `S/W revision` (read where CDP gives the phone no entry): the bundle's LLDP
    detail, else the run's identify step."""
    revision = re.search(r"S/W revision:\s*(\S+)", phone.files.get("lldp_detail.txt", ""))
    return _announced_load(phone, "lldp_software",
                           revision.group(1) if revision else str(phone.data("identify").get("lldp_software") or ""))


def cdp_platform(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    platform = _cdp(phone)[0]
    if not platform:
        return NOT_SEEN
    if profile.is_platform(platform):
        return Verdict("confirmed", f"Platform {platform!r} matches /{profile.cdp_platform}/")
    return Verdict("contradicted", f"Platform {platform!r} does not match /{profile.cdp_platform}/")


def status_reason(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    seen = []
    for step in ("baseline", "verify_registration"):
        registration = phone.data(step).get("registration")
        if isinstance(registration, dict) and registration.get("status") == "Registered":
            seen.append(registration.get("status_reason"))
    if not seen:
        return NOT_SEEN
    odd = [reason for reason in seen if reason != 0]
    if odd:
        return Verdict("contradicted", f"a Registered phone with StatusReason {odd[0]}")
    return Verdict("confirmed", "Registered with StatusReason 0")


def tftp_options(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    """What the phone's TFTP requests asked (journaled since the tap kept each request's options)."""
    asked = [o for f in phone.fetches if isinstance(o := f.get("options"), dict)]
    if not asked:  # no fetch seen, or a journal from before rig kept the options
        return NOT_SEEN
    sets = Counter(", ".join(f"{k}={v}" for k, v in sorted(o.items())) for o in asked)
    line = "; ".join(f"{what or 'no options'} ({count} of {len(asked)} requests)" for what, count in sets.most_common())
    return Verdict("confirmed" if any("blksize" in o for o in asked) else "contradicted", f"asked {line}")


def tftp_timeout(phone: PhoneEvidence, profile: PhoneProfile) -> Verdict:
    """When the phone asked again for a file the tap had not answered yet: its TFTP timeout."""
    resent = [f for f in phone.fetches if f.get("resent_after")]
    if not resent:
        return NOT_SEEN
    fetch = resent[0]
    after = ", ".join(f"{s:g} s" for s in fetch["resent_after"])
    end = "" if fetch.get("ok") else f"; then no more (it moved on to its next TFTP server, or gave up): {fetch.get('error')}"
    return Verdict("confirmed", f"{fetch.get('file')}: asked again {after} after its request{end}"
                   + (f" (and {len(resent) - 1} more requests)" if len(resent) > 1 else ""))


JUDGES: dict[str, Judge] = {
    "console.erase_line": console_erase_line, "key_path": key_path, "key_path.variant": key_path_variant,
    "restart_after_erase": restart_after_erase,
    "web.status_messages": status_messages, "web.access_off": access_off, "web.device_info": device_info,
    "tftp.options": tftp_options, "tftp.timeout": tftp_timeout,
    "cdp.version": cdp_version, "lldp.software_revision": lldp_software, "cdp.platform": cdp_platform, "risport.status_reason": status_reason,
}
PROFILE_PATHS = {"cdp_platform": "cdp.platform", "status_line": "web.status_messages",
                 "web.status_messages": "web.status_messages", "fields": "web.device_info"}
"""A profile's `confirmed: false` field path -> the fact whose judge reads it."""
