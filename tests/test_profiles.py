"""Phone profiles are sourced data: validated like the config, every fact citing where it comes from."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pydantic import BaseModel

from rig.errors import ConfigError
from rig.phone.profiles import IDENTITY, PhoneProfile, load_profiles, parse_profile, profile_for
from rig.phone.witness import decide_load

REAL = Path(__file__).parent / "fixtures" / "real"
SHIPPED = Path(__file__).parent.parent / "phone_profiles" / "79x2-sccp9.yaml"


def _fact_paths(profile: PhoneProfile) -> set[str]:
    """Every fact of a profile as the dotted path its source is filed under."""
    paths: set[str] = set()
    for name in PhoneProfile.model_fields:
        if name in IDENTITY or name in ("erase_signals", "sources", "unconfirmed"):
            continue
        value = getattr(profile, name)
        if isinstance(value, BaseModel):
            paths |= {f"{name}.{sub}" for sub in type(value).model_fields}
        elif isinstance(value, list) and name == "symptoms":
            paths |= {f"{name}[{i}]" for i in range(len(value))}
        else:
            paths.add(name)
    return paths


def test_every_shipped_profile_loads_and_every_fact_cites_a_source():
    profiles = load_profiles()
    assert {"79x2-sccp9", "79x5-sccp9"} <= set(profiles)
    for profile in profiles.values():
        assert set(profile.sources) == _fact_paths(profile), profile.name
        assert all(len(source) > 20 for source in profile.sources.values())
        assert all(len(signal.source) > 20 for signal in profile.erase_signals)


@pytest.mark.parametrize("model, name", [("7942", "79x2-sccp9"), ("7962", "79x2-sccp9"),
                                         ("7945", "79x5-sccp9"), ("7965", "79x5-sccp9")])
def test_each_model_finds_its_family_profile(model, name):
    assert profile_for(model, "sccp9").name == name


def test_a_model_without_profile_is_one_error_naming_model_and_firmware():
    with pytest.raises(ConfigError, match=r"^no phone profile for model 7942 firmware sip9 \(have: 79x2-sccp9"):
        profile_for("7942", "sip9")


def test_tftp_names_follow_the_phone_device_name_and_the_load():
    profile = profile_for("7942", "sccp9")
    assert profile.ctl_file("00:1d:70:5f:9e:a8") == "CTLSEP001D705F9EA8.tlv"
    assert profile.itl_file("001d.705f.9ea8") == "ITLSEP001D705F9EA8.tlv"
    assert profile.config_file("001D705F9EA8") == "SEP001D705F9EA8.cnf.xml.sgn"
    assert profile.loads_file("SCCP42.9-4-2SR3-1S") == "SCCP42.9-4-2SR3-1S.loads"


def test_status_lines_symptoms_and_trust_failure():
    profile = profile_for("7942", "sccp9")
    lines = ["10:26:18a Trust List Update Failed", "10:26:19a TFTP Timeout : SEP001D705F9EA8.cnf.xml.sgn",
             "10:26:25a Registered with CUCM", "10:26:18a Trust List Update Failed"]
    assert profile.status_text(lines[0]) == "Trust List Update Failed"
    assert profile.status_text("no stamp here") == "no stamp here"
    assert profile.symptoms_in(lines) == lines[:2]
    assert profile.trust_failures_in(lines) == [lines[0], lines[3]]
    assert profile.trust_failures_in(["10:30:02a Trust List Updated"]) == []


def test_cdp_platform_tells_the_family_apart():
    assert profile_for("7942", "sccp9").is_platform("Cisco IP Phone 7942")
    assert profile_for("7962", "sccp9").is_platform("Cisco IP Phone 7962")
    assert not profile_for("7942", "sccp9").is_platform("Cisco IP Phone 7945")
    assert profile_for("7965", "sccp9").is_platform("Cisco IP Phone 7965")


def test_the_real_7962g_device_information_carries_the_fields_the_profile_names():
    root = ET.fromstring((REAL / "device_info" / "cp-7962g-sccp42.9-4-2sr3-1s.xml").read_bytes())
    fields = profile_for("7962", "sccp9").fields
    assert root.findtext(fields.mac) == "001122334455"
    decision = decide_load("SCCP42.9-4-2SR3-1S", version_id=root.findtext(fields.version),
                           app_load_id=root.findtext(fields.app_load), images=None, cdp_version=None)
    assert decision.running and decision.agreed == ["versionID"]


def test_an_erase_can_only_be_confirmed_by_a_confirmed_signal_and_the_7942_console_line_is_not_one():
    for profile in load_profiles().values():
        assert any(signal.confirmed for signal in profile.erase_signals)
        console = [s for s in profile.erase_signals if s.kind == "console"]
        assert all(not s.confirmed for s in console if "Erasing CTL and ITL files" in (s.pattern or ""))


def test_facts_shown_only_for_sibling_models_are_listed_unconfirmed():
    assert load_profiles()["79x5-sccp9"].unconfirmed == ["cdp_platform"]
    assert load_profiles()["79x2-sccp9"].unconfirmed == []


def test_a_profile_extends_another_and_replaces_whole_top_level_keys():
    base = load_profiles()["79x2-sccp9"]
    child = load_profiles()["79x5-sccp9"]
    assert child.web == base.web and child.tftp == base.tftp and child.erase_signals == base.erase_signals
    assert child.cdp_platform != base.cdp_platform and child.models == ["7945", "7965"]
    assert child.sources["web.device_info"] == base.sources["web.device_info"]


def test_extending_an_unknown_profile_is_one_error():
    text = "extends: 79x9-sccp9\nname: 79x5-sccp9\nmodels: ['7945']\nfirmware: [sccp9]\n"
    with pytest.raises(ConfigError) as info:
        parse_profile(text, "x/79x5-sccp9.yaml", {"79x2-sccp9": {"name": "79x2-sccp9"}})
    assert str(info.value) == "x/79x5-sccp9.yaml: extends: no profile '79x9-sccp9' (have: 79x2-sccp9)"


def _variant(edit) -> str:
    text = SHIPPED.read_text(encoding="utf-8")
    return edit(text)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.replace("    value: /DeviceInformationX\n    source: &appnotes", "    value: /DeviceInformationX\n    notsource: &appnotes"),
         "x/79x2-sccp9.yaml: web.device_info: a fact has value:, source: and optionally note:, confirmed: only"),
        (lambda t: t.replace("value: /NetworkConfigurationX\n    source: *appnotes", "value: /NetworkConfigurationX"),
         "x/79x2-sccp9.yaml: web.network_config: needs source:"),
        (lambda t: t.replace("value: /CGI/Screenshot", "value: CGI/Screenshot"),
         "x/79x2-sccp9.yaml: web.screenshot: String should match pattern '^/'"),
        (lambda t: t.replace('value: "ITL{mac}.tlv"', 'value: "ITL{sep}.tlv"'),
         "x/79x2-sccp9.yaml: tftp.itl: 'ITL{sep}.tlv' must name exactly {mac}"),
        (lambda t: t.replace("cdp_platform:", "cdp_plattform:"), "x/79x2-sccp9.yaml: cdp_plattform: unknown key"),
        (lambda t: t.replace("value: Trust List Update Failed\n  source: *sbd", "value: '(Trust'\n  source: *sbd"),
         "x/79x2-sccp9.yaml: trust_failure: bad regex '(Trust'"),
        (lambda t: t.replace("confirmed: true", "confirmed: false"),
         "x/79x2-sccp9.yaml: erase_signals: needs at least one confirmed: true signal"),
        (lambda t: t.replace("  - kind: itl_fetched\n", "  - kind: itl_fetched\n    pattern: ITL\n"),
         "x/79x2-sccp9.yaml: erase_signals[1]: a itl_fetched signal takes no pattern:"),
        (lambda t: t.replace("init_settings:\n  value: true", "init_settings: true\nx:\n  value: true"),
         "x/79x2-sccp9.yaml: init_settings: a fact is written {value: ..., source: ...}"),
        (lambda t: t.replace("name: 79x2-sccp9", "name: 79x2"), "x/79x2-sccp9.yaml: name: '79x2' must match the file name"),
        (lambda t: t + "sources: {}\n", "x/79x2-sccp9.yaml: sources: unknown key"),
        (lambda t: t.replace("value: /CGI/Execute\n", "value: /CGI/Execute\n    confirmed: maybe\n"),
         "x/79x2-sccp9.yaml: web.execute: confirmed: must be true or false"),
        (lambda t: "[", "x/79x2-sccp9.yaml: not valid YAML"),
    ],
)
def test_a_bad_profile_is_one_line_naming_file_and_field(edit, message):
    with pytest.raises(ConfigError) as info:
        parse_profile(_variant(edit), "x/79x2-sccp9.yaml")
    text = str(info.value)
    assert text.startswith(message) and "\n" not in text
