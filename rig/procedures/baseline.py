"""baseline: what the phone looks like before the job (draw, load, status messages, symptoms).

Evidence comes from every source the phone offers: its web pages, the switch (CDP platform and
announced load, PoE draw), its console and the meter. Production phones often have Web Access
disabled; that is recorded as `web access off` and the job goes on with the other sources. Only
a phone that gives no evidence at all fails here, with a reason that says so. Symptom patterns
and load witnesses come from the phone's profile.
"""

from __future__ import annotations

from rig.drivers.phone_web import PhoneWebError, WebAccessOff
from rig.drivers.risport import RisPortError
from rig.procedures.context import PhoneContext, watts
from rig.procedures.findings import Baseline, ConsoleOpened, Identified, StepView
from rig.procedures.registration import UNHEALTHY, registration
from rig.procedures.steps import PhoneFailed, Step
from rig.phone.witness import current_load
from rig.record.steps import BASELINE

TAIL_LINES = 20
REGISTRATION_MAX_AGE = 2.0
"""Seconds one RisPort answer serves every phone's baseline (CUCM counts requests per minute)."""


def run(ctx: PhoneContext, view: StepView) -> Baseline:
    identified = view.need(Identified)
    console = view.need(ConsoleOpened).console
    profile = ctx.profile
    with ctx.steps.step(BASELINE) as step:
        draw = ctx.draw(since=ctx.started)  # nothing touched the port yet: share the switch's read
        step.data.update(draw)
        evidence = ["draw"] if (watts(draw) or 0) > 0 else []
        platform_note = ""
        if identified.cdp_platform is not None:
            evidence.append("CDP")
            matches = profile.is_platform(identified.cdp_platform)
            step.data.update(cdp_platform=identified.cdp_platform, cdp_version=identified.cdp_version,
                             cdp_platform_matches_profile=matches)
            if not matches:
                platform_note = f"; CDP platform {identified.cdp_platform!r} is not a {profile.name} phone"
        version_id = app_load_id = None
        messages: list[str] = []
        web, web_note = ctx.web, "no phone IP configured"
        if web is not None:
            try:
                info = web.device_info()
                messages = web.status_messages()
                version_id, app_load_id, web_note = info.version_id, info.app_load_id, ""
                evidence.append("web")
            except WebAccessOff as off:
                web_note = f"web access off ({off.reason})"
            except PhoneWebError as error:
                raise PhoneFailed(f"the phone does not answer HTTP before the job: {error}") from None
        tail = console.tail(TAIL_LINES) if console is not None else []
        if tail:
            evidence.append("console")
        if not evidence:
            raise PhoneFailed(f"the phone gives no evidence at all: {web_note or 'no web answer'}, no CDP "
                              f"entry on its port, no console output, no power draw")
        load = current_load(version_id=version_id, app_load_id=app_load_id, cdp_version=identified.cdp_version,
                            lldp_software=identified.lldp_software, witnesses=profile.load_witnesses)
        symptoms = profile.symptoms_in(messages if "web" in evidence else tail)
        cucm_note = _registration(ctx, step, evidence, symptoms)
        step.data.update(load=load, version_id=version_id, app_load_id=app_load_id, status_messages=messages,
                         console_tail=tail, evidence=evidence)
        if web_note:
            step.data["web"] = web_note
        step.detail = (
            f"load {load or 'unknown'}, {watts(draw)} W, "
            + (f"symptoms: {'; '.join(symptoms)}" if symptoms else "no symptoms")
            + (f"; {web_note}" if web_note else "")
            + platform_note
            + cucm_note
            + f"; evidence from {', '.join(evidence)}"
        )
        return Baseline(load=load, web_access="web" in evidence, symptoms=tuple(symptoms),
                        status_messages=tuple(messages), evidence=tuple(evidence))


def _registration(ctx: PhoneContext, step: Step, evidence: list[str], symptoms: list[str]) -> str:
    """CUCM's word on the phone before the job (RisPort70, when configured): recorded, and an
    UnRegistered/Rejected status is a symptom of the seed's case. Returns the detail's note."""
    try:
        registered = registration(ctx, REGISTRATION_MAX_AGE)
    except RisPortError as error:
        return f"; CUCM RisPort unreadable: {error}"
    if registered is None:
        return ""
    evidence.append("RisPort")
    step.data["registration"] = registered.data()
    if registered.status in UNHEALTHY:
        symptoms.append(registered.describe())
        return ""
    return f"; {registered.describe()}"
