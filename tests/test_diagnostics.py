"""`rig diagnostics` on a small simulated bench after a `rig erase`: the bundle holds each phone's
pages, port and last run, no configured or device-named identifier survives in any byte of any
member (the screenshot and the binary ITL included), one MAC keeps one pseudonym across files,
the manifest says what was removed without the values, and collecting touched nothing."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rig.diagnostics.redact import WORD_ONLY_BELOW
from rig.cli import app
from rig.config.lab import dump_config, load_config
from rig.config.simulation import Simulation
from rig.drivers.ios_errors import SwitchCommandError
from rig.drivers.ios_switch import IosSwitch
from rig.drivers.phone_web import PhoneWeb
from rig.sim.bench import SimBench

SIMULATION = Simulation.model_validate({
    "phones": 3, "time_scale": 0.004, "image_kb": 4, "keypad": "http_execute",
    "scenarios": {"stale_itl": 1, "healthy": 2}, "web_access_off": ["desk-03"],
})


@dataclass
class Bundle:
    members: dict[str, bytes]
    manifest: dict
    output: str
    identifiers: list[str]
    """Every configured or device-named value that must not survive, MACs in every spelling."""
    touched: list[str]
    """Power commands and keys the bench received while the bundle was made."""


def spellings(mac: str) -> list[str]:
    dotted = ".".join(mac[i:i + 4] for i in (0, 4, 8))
    colons = ":".join(mac[i:i + 2] for i in range(0, 12, 2))
    return [s for v in (mac, dotted, colons, colons.replace(":", "-")) for s in (v, v.lower())]


def identifiers(sim: SimBench, config: Path) -> list[str]:
    lab = load_config(config)
    found = ["rig-sim", str(config.parent), "cucm-pub"]  # the secret, the directory, CUCM's host name
    for phone in lab.phones:
        found += [*spellings(phone.mac), str(phone.ip), phone.name]
        if phone.name != "desk-03":  # Web Access off: its page is not there to name these
            page = PhoneWeb(str(phone.ip), port=phone.http_port).device_info()
            found += [page.serial_number, page.phone_dn]
    found += [s.host for s in lab.switches.values()] + list(lab.switches)
    return [value for value in found if value]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bundle]:
    tmp = tmp_path_factory.mktemp("diagnostics")
    with SimBench(SIMULATION, "diag-bench", tmp) as sim, pytest.MonkeyPatch.context() as patch:
        patch.setenv("RIG_LEASE_DIR", str(tmp / "leases"))
        patch.chdir(tmp)
        config = tmp / "lab.yaml"
        config.write_text(yaml.safe_dump(dump_config(sim.lab_config())))
        erased = CliRunner().invoke(app, ["--config", str(config), "erase", "--runs-dir", str(tmp / "runs")])
        assert erased.exit_code in (0, 1), erased.output
        before = len(sim.observe.commands("sw1"))
        keys_before = {name: len(sim.observe.keys(name)) for name in sim.observe.phones()}
        made = CliRunner().invoke(app, ["--config", str(config), "diagnostics", "--out", str(tmp / "b.zip"),
                                        "--runs-dir", str(tmp / "runs"), "--screenshots"])
        assert made.exit_code == 0, made.output
        power = [c for c in sim.observe.commands("sw1")[before:] if "power inline" in c and not c.startswith("show")]
        keys = [k for name in sim.observe.phones() for k in sim.observe.keys(name)[keys_before[name]:]]
        with zipfile.ZipFile(tmp / "b.zip") as zipped:
            members = {name: zipped.read(name) for name in zipped.namelist()}
        yield Bundle(members, json.loads(members["manifest.json"]), made.output, identifiers(sim, config),
                     power + keys)


def survives(value: str, text: str) -> bool:
    """`value` in `text`; a short plain word (a 4-digit directory number, `sw1`) only where it stands
    as a word: inside a longer run of letters and digits (a signature, a time stamp) it is chance,
    not the identifier (a 4-digit number turns up in a signed file's bytes now and then)."""
    value = value.lower()
    if re.fullmatch(r"\w+", value) and len(value) < WORD_ONLY_BELOW:
        return re.search(rf"(?<![a-z0-9_]){re.escape(value)}(?![a-z0-9_])", text) is not None
    return value in text


def test_no_configured_or_device_named_identifier_survives_in_any_byte_of_any_member(bundle):
    assert len(bundle.members) > 15
    for name, data in bundle.members.items():
        text = data.decode("latin-1").lower()
        assert [v for v in bundle.identifiers if survives(v, text) or survives(v, name.lower())] == [], name


def test_a_short_identifier_counts_as_a_word_and_a_long_one_anywhere():
    assert survives("7697", "dn 7697 here") and not survives("7697", "stamp 1207697123")
    assert survives("cucm-pub.example", "xcucm-pub.example9")


def test_the_bundle_holds_each_phones_pages_port_and_last_run(bundle):
    for phone in ("phone-1", "phone-2"):
        for name in ("device_information.xml", "network_configuration.xml", "status_messages.html",
                     "cdp_detail.txt", "power_inline.txt", "console.log"):
            assert f"phones/{phone}/{name}" in bundle.members
    assert "run/journal.jsonl" in bundle.members and any(n.startswith("switches/") and n.endswith("show_version.txt")
                                                         for n in bundle.members)
    fetched = [n for n in bundle.members if "/fetched/" in n]
    assert any(re.search(r"/ITLSEP02000000[0-9A-F]{4}\.tlv$", n) for n in fetched)
    assert any(re.search(r"/SEP02000000[0-9A-F]{4}\.cnf\.xml(\.sgn)?$", n) for n in fetched)  # and its config
    assert not any(n.endswith(".sbn") for n in fetched)  # firmware images are not the lab's evidence


def test_one_mac_keeps_one_pseudonym_in_every_file_and_spelling(bundle):
    page = bundle.members["phones/phone-1/device_information.xml"].decode()
    pseudonym = re.search(r"<MACAddress>([0-9A-F]{12})</MACAddress>", page).group(1)
    assert f"SEP{pseudonym}" in bundle.members["phones/phone-1/cdp_detail.txt"].decode()
    assert f"SEP{pseudonym}" in bundle.members["phones/phone-1/console.log"].decode()
    assert f"phones/phone-1/fetched/ITLSEP{pseudonym}.tlv" in bundle.members
    journal = bundle.members["run/journal.jsonl"].decode()
    assert f'"mac":"{pseudonym}"' in journal and ".".join(pseudonym[i:i + 4] for i in (0, 4, 8)).lower() in journal


def test_the_manifest_names_the_phones_the_facts_and_what_was_removed_without_the_values(bundle):
    manifest = bundle.manifest
    assert [p["name"] for p in manifest["phones"]] == ["phone-1", "phone-2", "phone-3"]
    assert manifest["phones"][0]["reported_model"] == "CP-7942G" and manifest["phones"][0]["profile"] == "79x2-sccp9"
    assert manifest["files"]["phones/phone-1/cdp_detail.txt"]["bears_on"] == ["cdp.version", "cdp.platform"]
    assert manifest["missing"]["phones/phone-3/device_information.xml"] == "web access off: connection refused"
    assert {"mac", "ip", "phone name", "serial", "hostname", "secret"} - set(manifest["redacted"]) <= {"secret"}
    assert manifest["redacted"]["mac"]["values"] == 3
    assert all(set(counts) == {"values", "occurrences"} for counts in manifest["redacted"].values())
    assert "pixels are not redacted" in manifest["screenshots"] and "never collected" in manifest["credentials"]


def test_the_screenshot_is_a_png_without_text_metadata(bundle):
    shots = [data for name, data in bundle.members.items() if name.endswith("screenshot.png")]
    assert shots and all(s.startswith(b"\x89PNG\r\n\x1a\n") for s in shots)
    assert not any(chunk in s for s in shots for chunk in (b"tEXt", b"zTXt", b"iTXt", b"tIME", b"eXIf"))


def test_making_a_bundle_powers_no_port_and_presses_no_key(bundle):
    assert bundle.touched == []
    assert "redacted: " in bundle.output and "mac" in bundle.output


def test_rig_facts_reads_the_bundle_and_counts_the_phones_behind_each_verdict(bundle, tmp_path):
    path = tmp_path / "b.zip"
    path.write_bytes(zip_of(bundle.members))
    result = CliRunner().invoke(app, ["facts", str(path), "--json"])
    assert result.exit_code == 0, result.output
    facts = {f["id"]: f for f in json.loads(result.stdout)["facts"]}
    assert facts["web.access_off"]["status"] == "confirmed"
    assert facts["web.access_off"]["evidence"] == [
        {"phone": "phone-3", "status": "confirmed", "line": "Web Access off answered: connection refused"}]
    assert facts["key_path"]["phones"] == {"contradicted": 0, "confirmed": 3, "not seen": 0}
    assert facts["web.device_info"]["phones"]["confirmed"] == 2  # phone-3's page was refused


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("command", ["configure terminal", "show run | redirect flash:x", "show version\nreload",
                                     "interface Gi1/0/1", "power inline never"])
def test_the_switch_driver_sends_diagnostics_nothing_but_one_show_command(command):
    switch = IosSwitch("sw1", "127.0.0.1", "rig", port=1)  # never connected: the refusal comes first
    with pytest.raises(SwitchCommandError, match="only a single `show` command is read"):
        switch.show_text(command)
