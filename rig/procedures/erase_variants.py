"""`rig erase --try-variants`: when the keypad script's own key path is not confirmed, its other
published variants (keypad_scripts' `variants:`), one at a time, and which one confirmed.

Public bulk-erase tools disagree on the 79x2 key path (4 5 2 or 4 5 1 2, softkeys before or
after `**#`), and none is confirmed on hardware. A lab whose firmware takes another path learns
which one from this: each variant that the script publishes for the phone's model runs as one
more attempt of the erase step (data `variant`: its index, keys and source), confirmed by the
same evidence as the script (rig.procedures.erase), and `rig facts` names the variant that
confirmed (fact `key_path.variant`).

Every variant starts from a known screen: the phone is power-cycled first, as before a retry
(its identity is proven, so that is safe), and boots to its idle screen with the menus closed
and locked. So the keys of two variants never follow each other, and `**#` is never typed twice
in a row (`**#**` restarts these phones; rig.phone.keyscript refuses a variant that holds it).
"""

from __future__ import annotations

from collections.abc import Callable

from rig.actions.keys import KeypadChain
from rig.phone.keyscript import KeyScript, variant_script
from rig.procedures.context import PhoneContext
from rig.procedures.findings import Erased
from rig.procedures.keyrun import ExpectationNotMet
from rig.procedures.restart_first import TouchDeferred
from rig.procedures.steps import PhoneFailed, Step
from rig.record.steps import ERASE

Attempt = Callable[[KeyScript, Step], Erased]
"""One erase attempt with this script, recorded in this step (rig.procedures.erase)."""
Recover = Callable[[str], None]
"""Power-cycle the phone and wait until it answers again, saying why."""


def try_variants(ctx: PhoneContext, script: KeyScript, chain: KeypadChain, why: str, attempt: Attempt,
                 recover: Recover, attempts: int) -> Erased:
    """The first variant published for the phone's model whose erase is confirmed, each an erase
    attempt after the script's `attempts`; PhoneFailed naming each variant's result when none is
    (or none is published for the model)."""
    tried: list[str] = []
    for index, variant in enumerate(script.meta.variants):
        if ctx.phone.model not in variant.models:
            continue
        number = index + 1
        recover(f"variant {number} of {script.file} starts from the screen the phone boots to")
        with ctx.steps.step(ERASE, attempts + len(tried) + 1) as step:
            step.data.update(script=script.file, attempt=step.attempt, backend=chain.backend,
                             variant={"index": index, "keys": variant.keys, "source": variant.source})
            try:
                erased = attempt(variant_script(script, index), step)
            except (ExpectationNotMet, TouchDeferred) as missed:
                step.fail(f"variant {number} ({variant.keys}): {missed}")
                tried.append(f"variant {number}: {missed}")
                continue
            finally:
                step.data["backend"] = chain.backend
            step.detail = f"variant {number} of {script.file} confirmed ({variant.keys}); {step.detail}"
            return erased
    if not tried:
        raise PhoneFailed(f"keypad script {script.file}: {why}; it publishes no variant for model {ctx.phone.model}")
    raise PhoneFailed(f"keypad script {script.file}: {why}; none of its {len(tried)} variants for model "
                      f"{ctx.phone.model} was confirmed either ({'; '.join(tried)})")
