"""identify: the switch must see this phone's MAC on its port before anything touches the port.

A mismatch skips the phone: powering a port that holds some other device is exactly the mistake
a bench controller must never make. The phone's CDP entry, when the switch has one, is kept:
its platform and the load it announces (`Version :`) are evidence that needs no web access.
"""

from __future__ import annotations

from rig.identify import identify
from rig.procedures.context import PhoneContext
from rig.procedures.findings import Identified, StepView
from rig.procedures.steps import PhoneSkipped


def run(ctx: PhoneContext, _: StepView) -> Identified:
    phone = ctx.phone
    with ctx.steps.step("identify") as step:
        identity = identify(ctx.switch, phone)
        step.detail = identity.evidence
        step.data = {"switch": phone.switch, "port": phone.port, "mac": phone.mac}
        if not identity.ok:
            step.ok = False
            raise PhoneSkipped(f"identity not confirmed on {phone.switch} {phone.port}: {identity.evidence}")
        neighbour = ctx.cdp_entry()
        if neighbour is not None:
            step.data.update(cdp_platform=neighbour.platform, cdp_version=neighbour.version)
        return Identified(evidence=identity.evidence, cdp_platform=neighbour.platform if neighbour else None,
                          cdp_version=neighbour.version if neighbour else None)
