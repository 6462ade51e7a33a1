"""baseline: what the phone looks like before the job (draw, load, status messages, symptoms).

The symptoms recorded here are what the report shows next to the result: the seed's case is a
phone that says `Trust List Update Failed` and `TFTP Timeout : SEP<MAC>.cnf.xml.sgn`.
"""

from __future__ import annotations

import re

from drivers.phone_web import PhoneWebError
from rig.procedures.job import PhoneJob
from rig.procedures.steps import PhoneFailed

SYMPTOMS = re.compile(
    r"Trust List Update Failed|TFTP Timeout|File auth error|TFTP Error|TFTP Access Error"
    r"|No Trust List Installed"
)
TAIL_LINES = 20


def symptoms_in(messages: list[str]) -> list[str]:
    """The messages that show a trust-list or TFTP symptom, each once, in order."""
    found: list[str] = []
    for message in messages:
        text = message.strip()
        if SYMPTOMS.search(text) and text not in found:
            found.append(text)
    return found


def run(job: PhoneJob) -> None:
    with job.steps.step("baseline") as step:
        step.data.update(job.draw())
        web = job.web
        messages: list[str] = []
        if web is not None:
            try:
                info = web.device_info()
                messages = web.status_messages()
            except PhoneWebError as error:
                raise PhoneFailed(f"the phone does not answer HTTP before the job: {error}") from None
            job.load_before = info.app_load_id or info.version_id
            step.data.update(load=job.load_before, status_messages=messages)
        tail = job.console.tail(TAIL_LINES) if job.console is not None else []
        step.data["console_tail"] = tail
        job.symptoms = symptoms_in(messages if web is not None else tail)
        draw = step.data.get("meter_watts", step.data.get("poe_watts"))
        step.detail = (
            f"load {job.load_before or 'unknown'}, {draw} W, "
            + (f"symptoms: {'; '.join(job.symptoms)}" if job.symptoms else "no symptoms")
        )
