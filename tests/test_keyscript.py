"""Keypad scripts are data, validated before any phone is touched."""

from __future__ import annotations

import pytest

from rig.config.lab import PhoneConfig
from rig.phone.keyscript import (
    Expect,
    KeyScriptError,
    Press,
    Wait,
    available_scripts,
    canonical_key,
    load_script,
    parse_script,
    scripts_for,
)
from rig.errors import ConfigError
from rig.phone.profiles import profile_for

META = """metadata:
  models: ["7942"]
  firmware: ["sccp9"]
  procedure: itl_erase
  profile: 79x2-sccp9
  source: test
"""


def test_every_shipped_script_loads_and_cites_its_source_and_its_profile():
    names = available_scripts()
    assert {"7942-sccp9-itl_erase.yaml", "7942-sccp9-factory_reset.yaml"} <= set(names)
    assert {f"{m}-sccp9-itl_erase.yaml" for m in ("7962", "7945", "7965")} <= set(names)
    for name in names:
        model, firmware, procedure = name.removesuffix(".yaml").split("-", 2)
        script = load_script(model, firmware, procedure)
        assert model in script.meta.models and procedure == script.meta.procedure
        assert len(script.meta.source) > 40
        assert profile_for(model, firmware).name == script.meta.profile


@pytest.mark.parametrize("model, variants", [("7942", 2), ("7962", 2), ("7945", 3), ("7965", 3)])
def test_itl_erase_scripts_keep_every_published_variant_with_its_source(model, variants):
    meta = load_script(model, "sccp9", "itl_erase").meta
    assert len(meta.variants) == variants
    family = set(profile_for(model, "sccp9").models)
    assert all(family & set(v.models) for v in meta.variants)
    assert all("commit" in v.source or v.source.startswith("http") for v in meta.variants)
    assert any("Init:Settings" in v.keys for v in meta.variants)


@pytest.mark.parametrize("profile, message", [
    ("79x9-sccp9", "x.yaml: metadata: profile: no phone profile '79x9-sccp9' (have: 79x2-sccp9, 79x5-sccp9"),
    ("79x5-sccp9", "x.yaml: metadata: profile: 79x5-sccp9 does not cover model 7942 firmware sccp9"),
])
def test_a_script_names_an_existing_profile_that_covers_its_phones(profile, message):
    with pytest.raises(KeyScriptError) as info:
        parse_script(META.replace("79x2-sccp9", profile) + "steps:\n  - wait: 1\n", "x.yaml")
    assert str(info.value).startswith(message)


def test_7942_itl_erase_walks_the_trust_list_menu_and_expects_the_erase_message():
    script = load_script("7942", "sccp9", "itl_erase")
    keys = [k for s in script.steps if isinstance(s, Press) for k in s.press]
    assert keys == ["Settings", "KeyPad4", "KeyPad5", "KeyPad2", "KeyPadStar", "KeyPadStar",
                    "KeyPadPound", "Soft4", "Soft2"]
    last = script.steps[-1]
    assert isinstance(last, Expect) and last.expect.console == "Erasing CTL and ITL files"


def test_factory_reset_says_it_needs_a_power_cycle_and_a_physical_backend():
    meta = load_script("7942", "sccp9", "factory_reset").meta
    assert meta.power_cycle and set(meta.backends or []) == {"serial_actuator", "operator"}


@pytest.mark.parametrize("friendly, canonical", [("4", "KeyPad4"), ("*", "KeyPadStar"),
                                                 ("#", "KeyPadPound"), ("Soft3", "Soft3")])
def test_friendly_key_names_are_normalized_at_load(friendly, canonical):
    assert canonical_key(friendly) == canonical
    script = parse_script(META + f'steps:\n  - press: ["{friendly}"]\n', "x.yaml")
    assert script.steps[0] == Press(press=[canonical])


def test_wait_and_expect_steps_are_parsed():
    script = parse_script(META + 'steps:\n  - wait: 2.5\n  - expect: {status: "Trust", timeout: 3}\n', "x.yaml")
    assert script.steps[0] == Wait(wait=2.5)
    assert isinstance(script.steps[1], Expect) and script.steps[1].expect.timeout == 3


@pytest.mark.parametrize(
    "steps, message",
    [
        ('  - press: [Settings]\n  - press: [Bogus]\n', "x.yaml: steps[1]: press: unknown key 'Bogus'"),
        ('  - expect: {console: "(", timeout: 1}\n', "x.yaml: steps[0]: expect.console: bad regex"),
        ('  - wait: 1\n  - jump: 3\n', "x.yaml: steps[1]: unknown step kind 'jump'"),
        ('  - expect: {timeout: 1}\n', "x.yaml: steps[0]: expect: needs console: or status:"),
        ('  - wait: -1\n', "x.yaml: steps[0]: wait:"),
    ],
)
def test_a_bad_step_is_one_error_naming_file_and_step_index(steps, message):
    with pytest.raises(KeyScriptError) as info:
        parse_script(META + "steps:\n" + steps, "x.yaml")
    assert str(info.value).startswith(message)


def test_metadata_without_source_is_rejected():
    with pytest.raises(KeyScriptError, match=r"x.yaml: metadata: source"):
        parse_script('metadata: {models: ["7942"], firmware: [sccp9], procedure: p, profile: 79x2-sccp9}\n'
                     'steps:\n  - wait: 1\n', "x.yaml")


def test_a_bad_metadata_field_is_named_the_way_a_lab_config_names_its_fields():
    """One formatter for every validated input (rig.config.errors.one_line): list items as [i]."""
    with pytest.raises(KeyScriptError) as info:
        parse_script('metadata: {models: [7942], firmware: [sccp9], procedure: p, profile: 79x2-sccp9, source: s}\n'
                     'steps:\n  - wait: 1\n', "x.yaml")
    assert str(info.value) == "x.yaml: metadata: models[0]: Input should be a valid string"


def _phone(name: str, model: str, port: str, keypad: list[dict] | None = None) -> PhoneConfig:
    return PhoneConfig(name=name, mac="001D705F0001" if model == "7942" else "001D705F0002",
                       model=model, switch="sw1", port=port, keypad=keypad or [])


def test_a_script_restricted_to_physical_backends_refuses_a_phone_that_has_none():
    remote = [{"backend": "http_execute", "username": "u", "password": "p"}]
    operator = [{"backend": "operator"}]
    with pytest.raises(ConfigError) as info:
        scripts_for([_phone("desk-01", "7942", "Gi1/0/1", remote)], "factory_reset", "lab.yaml")
    assert str(info.value) == ("lab.yaml: phones[0] (desk-01).keypad: 7942-sccp9-factory_reset.yaml needs one of "
                               "serial_actuator, operator (this phone has http_execute)")
    assert set(scripts_for([_phone("desk-01", "7942", "Gi1/0/1", remote + operator)], "factory_reset",
                           "lab.yaml")) == {"desk-01"}


def test_a_phone_model_without_a_script_is_a_config_error_naming_the_phone():
    phones = [_phone("desk-01", "7942", "Gi1/0/1"), _phone("desk-02", "7960", "Gi1/0/2")]
    with pytest.raises(ConfigError) as info:
        scripts_for(phones, "itl_erase", "lab.yaml")
    assert str(info.value).startswith(
        "lab.yaml: phones[1] (desk-02).model: no keypad script 7960-sccp9-itl_erase.yaml")
    assert set(scripts_for(phones, "itl_erase", "lab.yaml", only=["desk-01"])) == {"desk-01"}
