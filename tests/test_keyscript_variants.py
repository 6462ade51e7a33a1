"""A keypad script's published variants are runnable data: each reads as press and wait steps
(`rig erase --try-variants`), ends with the script's own expectations, and one that holds `**#**`
(which restarts these phones) is refused when the script loads."""

from __future__ import annotations

import pytest

from rig.phone.keyscript import (
    Expect, KeyScriptError, Press, Wait, available_scripts, load_script, parse_script, variant_script, variant_steps,
)

SCRIPT = """metadata:
  models: ["7942"]
  firmware: ["sccp9"]
  procedure: itl_erase
  profile: 79x2-sccp9
  source: test
  variants:
    - keys: "{keys}"
      models: ["7942"]
      source: test
steps:
  - press: [Settings]
"""


def test_every_shipped_variant_reads_as_keys_with_the_scripts_expectations_last():
    for name in available_scripts():
        model, firmware, procedure = name.removesuffix(".yaml").split("-", 2)
        script = load_script(model, firmware, procedure)
        for index, variant in enumerate(script.meta.variants):
            steps = variant_script(script, index).steps
            presses = [s.press[0] for s in steps if isinstance(s, Press)]
            assert presses[0] == "Settings" and "KeyPadPound" in presses, (name, index)
            assert steps[-1] == script.steps[-1] and isinstance(steps[-1], Expect)


def test_a_variant_reads_its_gap_and_pauses_and_sends_no_init():
    steps = variant_steps("Init:Settings, Settings, 4, pause, *, Soft2, Init:Services (2 s between requests)")
    assert steps == (Press(press=["Settings"]), Wait(wait=2.0), Press(press=["KeyPad4"]), Wait(wait=2.0),
                     Press(press=["KeyPadStar"]), Wait(wait=2.0), Press(press=["Soft2"]))
    assert variant_steps("Settings, 4")[1] == Wait(wait=1.0)


@pytest.mark.parametrize("keys, error", [
    ("Settings, *, *, #, *, *, #", "holds **#**"),
    ("Settings, 4, Foo", "unknown key 'Foo'"),
    ("Init:Settings", "no key to press"),
])
def test_a_variant_rig_cannot_run_is_refused_when_the_script_loads(keys, error):
    with pytest.raises(KeyScriptError, match=r"x\.yaml: metadata: variants\[0\]\.keys: ") as refused:
        parse_script(SCRIPT.format(keys=keys), "x.yaml")
    assert error in str(refused.value)
