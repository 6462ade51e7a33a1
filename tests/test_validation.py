"""Issue 12's bad inputs: each is refused by config validation, as one line naming the file, the
phone (or switch) and the field, before anything is touched."""

from __future__ import annotations

import pytest
import yaml
from cryptography.hazmat.primitives.serialization import Encoding

from rig.config.lab import load_config
from rig.config.checks import check_secrets
from rig.errors import ConfigError
from tests.test_config import GOOD
from tests.trust_vectors import callmanager


def _doc(**top):
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    doc.update(top)
    return doc


def _write(tmp_path, doc):
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _refused(tmp_path, doc, message: str) -> str:
    """Load `doc` as tmp_path/lab.yaml and check it is refused with `message` (a prefix)."""
    path = _write(tmp_path, doc)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert text.startswith(f"{path}: {message}"), text
    assert "\n" not in text
    return text


def _with_anchor(anchor: str) -> dict:
    doc = _doc()
    doc["cucm"]["trust_anchor"] = anchor
    return doc


# item 2: the trust anchor is read when the config is, not after every phone was erased.

def test_a_pem_certificate_is_a_trust_anchor(tmp_path):
    (tmp_path / "cm.pem").write_bytes(callmanager().cert.public_bytes(Encoding.PEM))
    config = load_config(_write(tmp_path, _with_anchor("cm.pem")))
    assert config.cucm.trust_anchor == tmp_path / "cm.pem"


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (b"not a certificate\n", "not a PEM certificate"),
        (b"\x30\x82\x01\x0a" + bytes(200), "not a PEM certificate"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a PEM certificate"),
    ],
    ids=["missing", "text", "der-garbage", "bad-pem-body"],
)
def test_a_missing_or_garbage_trust_anchor_is_refused(tmp_path, content, message):
    if content is not None:
        (tmp_path / "cm.pem").write_bytes(content)
    text = _refused(tmp_path, _with_anchor("cm.pem"), "cucm.trust_anchor: ")
    assert message in text and str(tmp_path / "cm.pem") in text


def test_a_directory_is_not_a_trust_anchor(tmp_path):
    (tmp_path / "certs").mkdir()
    _refused(tmp_path, _with_anchor("certs"), "cucm.trust_anchor: ")



def _with_phone4(**change) -> dict:
    doc = _doc()
    doc["phones"][3].update(change)
    return doc


# item 3: a port name goes into a CLI line (`interface <port>`): only IOS interface names pass.

@pytest.mark.parametrize(
    "port", ["foo", "", "Gi1/0/1x", "Gi1/0/3\nshow version", "Gi1/0/1; reload", " Gi1/0/4", "Gi\n1/0/4",
             "Gi1/0/4 ", "Xy1/0/4", "1/0/4", "Gi1/0/4\r", "Gi1//4", "Gi  1/0/4"],
)
def test_a_port_that_is_not_an_ios_interface_name_is_refused(tmp_path, port):
    text = _refused(tmp_path, _with_phone4(port=port), "phones[3] (desk-04).port: ")
    assert "interface name" in text


@pytest.mark.parametrize("port", ["Gi1/0/4", "gi1/0/4", "GigabitEthernet1/0/4", "Gig 1/0/4", "Fa0/4",
                                  "TenGigabitEthernet1/1/4", "Gi1/0/4.100"])
def test_ios_interface_names_in_any_usual_spelling_are_accepted_as_written(tmp_path, port):
    config = load_config(_write(tmp_path, _with_phone4(port=port)))
    assert config.phones[3].port == port


# item 4: two spellings of one port are one port.

@pytest.mark.parametrize("spelling", ["Gi1/0/1", "GigabitEthernet1/0/1", "gi1/0/1", "Gig 1/0/1"])
def test_two_phones_on_one_port_in_different_spellings_are_refused(tmp_path, spelling):
    text = _refused(tmp_path, _with_phone4(port=spelling), "phones[3] (desk-04).port: ")
    assert "desk-01" in text and "sw1" in text


def test_the_same_port_number_on_two_switches_is_two_ports(tmp_path):
    doc = _with_phone4(switch="sw2", port="Gi1/0/1")
    doc["switches"]["sw2"] = dict(doc["switches"]["sw1"], port=2223)
    assert load_config(_write(tmp_path, doc)).phones[3].port == "Gi1/0/1"


# item 17: names become file names, command-line arguments and protocol words.

BAD_NAMES = ["../../../tmp/x", "..", ".hidden", "a/b", "a\\b", "desk 01", "desk\n01", "desk\x0001", "-rf",
             "", "x" * 65, "déjà"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_phone_name_that_is_not_a_plain_name_is_refused(tmp_path, name):
    text = _refused(tmp_path, _with_phone4(name=name), "phones[3]")
    assert ".name: " in text and "plain name" in text


@pytest.mark.parametrize("name", ["../bench", "lab/b3", "..", ""])
def test_a_bench_name_that_is_not_a_plain_name_is_refused(tmp_path, name):
    _refused(tmp_path, _doc(bench=name), "bench: ")


def test_a_switch_name_that_is_not_a_plain_name_is_refused(tmp_path):
    doc = _doc()
    doc["switches"]["sw 1\nx"] = doc["switches"]["sw1"]
    _refused(tmp_path, doc, "switches.")


def test_an_actuator_target_that_is_not_a_plain_name_is_refused(tmp_path):
    keypad = {"backend": "serial_actuator", "url": "socket://127.0.0.1:1", "target": "desk-04 KeyPad1 1\nPRESS"}
    _refused(tmp_path, _with_phone4(keypad=keypad), "phones[3] (desk-04).keypad[0].target: ")


# item 11: every duration is a finite number of seconds within a bound that a bench can need.

@pytest.mark.parametrize("field", ["ssh", "http", "key_gap", "expect", "power_off", "boot", "lease"])
@pytest.mark.parametrize("value", ["1e300", 1e300, ".inf", float("inf"), float("nan"), -1, "-.inf", 1e6])
def test_a_duration_that_is_infinite_huge_nan_or_negative_is_refused(tmp_path, field, value):
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(_doc()) + f"timeouts:\n  {field}: {value}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: timeouts.{field}: "), info.value


def test_durations_a_real_bench_needs_are_accepted(tmp_path):
    timeouts = {"ssh": 60, "http": 30, "key_gap": 2, "expect": 600, "power_off": 30, "boot": 1800, "lease": 600}
    assert load_config(_write(tmp_path, _doc(timeouts=timeouts))).timeouts.boot == 1800


@pytest.mark.parametrize("section, value", [("parallel", {"max_phones": 10**9}), ("parallel", {"sessions_per_switch": 100}),
                                            ("simulation", {"faults": {"switch_delay": 1e300}})])
def test_other_counts_and_delays_are_bounded_too(tmp_path, section, value):
    _refused(tmp_path, _doc(**{section: value}), f"{section}.")


# item 13: a real bench with no phone is a mistake, not a run that passes with nothing done.

@pytest.mark.parametrize("phones", [[], None], ids=["empty", "absent"])
def test_a_real_bench_without_phones_is_refused(tmp_path, phones):
    doc = _doc(phones=phones)
    if phones is None:
        del doc["phones"]
    _refused(tmp_path, doc, "phones: ")


# item 10: bytes that are not UTF-8 are bad input like any other.

@pytest.mark.parametrize("data", [b"bench: caf\xe9\n", b"\xff\xfe b\x00e\x00", b"bench: a\nphones:\n  - name: \x80\n"])
def test_a_config_that_is_not_utf8_is_one_error_naming_the_line(tmp_path, data):
    path = tmp_path / "lab.yaml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: line ") and "not UTF-8" in str(info.value)


# item 12: a password named by an environment variable that is not set is found before the run.

def _unset_in_switch(doc: dict) -> None:
    doc["switches"]["sw1"] = dict(doc["switches"]["sw1"], password_env="RIG_UNSET_FOR_TEST")
    del doc["switches"]["sw1"]["password"]


def _unset_in_enable(doc: dict) -> None:
    doc["switches"]["sw1"]["enable_secret_env"] = "RIG_UNSET_FOR_TEST"


def _unset_in_keypad(doc: dict) -> None:
    doc["phones"][3]["keypad"] = {"backend": "http_execute", "username": "u", "password_env": "RIG_UNSET_FOR_TEST"}


@pytest.mark.parametrize(
    "where, change",
    [
        ("switches.sw1.password_env", _unset_in_switch),
        ("switches.sw1.enable_secret_env", _unset_in_enable),
        ("phones[3] (desk-04).keypad[0].password_env", _unset_in_keypad),
    ],
    ids=["switch", "enable", "keypad"],
)
def test_an_unset_password_variable_names_the_switch_or_phone_and_field(tmp_path, monkeypatch, where, change):
    doc = _doc()
    doc["switches"]["sw1"] = dict(doc["switches"]["sw1"], password="x")
    del doc["switches"]["sw1"]["password_env"]
    change(doc)
    monkeypatch.delenv("RIG_UNSET_FOR_TEST", raising=False)
    path = _write(tmp_path, doc)
    config = load_config(path)  # reading a config needs no secret: a cluster client reads them all
    with pytest.raises(ConfigError) as info:
        check_secrets(config, str(path))
    assert str(info.value) == f"{path}: {where}: environment variable RIG_UNSET_FOR_TEST is not set"
    monkeypatch.setenv("RIG_UNSET_FOR_TEST", "secret")
    check_secrets(config, str(path))


# item 18: timeouts given beside a simulation: section are the run's, not silently dropped.

def test_timeouts_given_with_a_simulated_bench_are_honoured_and_the_others_stay_scaled(tmp_path):
    from rig.bench.build import open_bench

    doc = {"bench": "sim-b", "simulation": {"phones": 1, "image_kb": 1}, "timeouts": {"power_off": 3, "boot": 45}}
    with open_bench(_write(tmp_path, doc)) as bench:
        timeouts = bench.config.timeouts
    scaled = {"bench": "sim-b", "simulation": {"phones": 1, "image_kb": 1}}
    with open_bench(_write(tmp_path, scaled)) as bench:
        default = bench.config.timeouts
    assert (timeouts.power_off, timeouts.boot) == (3, 45)
    assert timeouts.model_copy(update={"power_off": default.power_off, "boot": default.boot}) == default


def test_a_misspelt_key_is_named_as_unknown_rather_than_the_known_one_as_missing(tmp_path):
    doc = _doc()
    doc["phones"][3]["prot"] = doc["phones"][3].pop("port")
    _refused(tmp_path, doc, "phones[3] (desk-04).prot: unknown key (did you mean 'port'?) (and 1 more)")
