"""identify: the switch must see this phone's MAC on its port before anything touches the port.

A mismatch skips the phone: powering a port that holds some other device is exactly the mistake
a bench controller must never make.
"""

from __future__ import annotations

from rig.procedures.job import PhoneJob
from rig.procedures.steps import PhoneSkipped


def run(job: PhoneJob) -> None:
    from rig.identify import identify

    with job.steps.step("identify") as step:
        identity = identify(job.switch, job.phone)
        step.detail = identity.evidence
        step.data = {"switch": job.phone.switch, "port": job.phone.port, "mac": job.phone.mac}
        if not identity.ok:
            step.ok = False
            raise PhoneSkipped(
                f"identity not confirmed on {job.phone.switch} {job.phone.port}: {identity.evidence}"
            )
