"""`rig itl show`: exit codes and output contracts, a few through a real `rig` process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from typer.testing import CliRunner

from tests import trust_vectors as tv
from rig.cli.app import app
from rig.trust import build_sgn

RECORD_KEYS = {"function", "subject", "issuer", "serial", "dns_name", "ip", "cert_sha1"}
TOP_KEYS = {"kind", "version", "filename", "timestamp", "signer", "digest", "signature", "sha1", "md5", "records"}


def rig(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rig", "itl", "show", *args],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("trust")
    cm = tv.callmanager()
    tampered = bytearray(tv.hand_rolled_itl())
    tampered[-40] ^= 0x20
    contents = {
        "itl": tv.hand_rolled_itl(3),
        "tampered": bytes(tampered),
        "truncated": tv.built_itl()[:700],
        "sgn": build_sgn(b"<device/>", filename="SEP001D705F9EA8.cnf.xml.sgn", signer_cert=cm.cert,
                         signer_key=cm.key),
        "wrong-signer": tv.hand_rolled_itl(signer=tv.rogue()),
        "cert": cm.cert.public_bytes(serialization.Encoding.PEM),
    }
    paths = {}
    for name, data in contents.items():
        paths[name] = root / name
        paths[name].write_bytes(data)
    return paths


def test_valid_itl_prints_the_json_contract_and_exits_0(files):
    result = rig(str(files["itl"]), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == TOP_KEYS
    assert doc["kind"] == "ITL" and doc["digest"] == "sha512"
    assert doc["signature"] == {"valid": True, "reason": None}
    assert doc["timestamp"] == "2026-11-25T09:00:00Z"
    assert set(doc["signer"]) == {"name", "serial", "ca_name"}
    assert [set(record) for record in doc["records"]] == [RECORD_KEYS] * 4
    assert [record["function"] for record in doc["records"]] == ["SAST", "CCM+TFTP", "TVS", "CAPF"]


def test_tampered_itl_exits_1_with_the_reason(files):
    result = rig(str(files["tampered"]))
    assert result.returncode == 1
    assert "NOT VALID: bad signature" in result.stdout


def test_truncated_file_exits_2_with_one_line_and_no_traceback(files):
    result = rig(str(files["truncated"]))
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert re.fullmatch(rf"rig: error: {re.escape(str(files['truncated']))}: "
                        r"offset 0x1b4 \(tag 1\): record length \d+ past end of file", line)


def test_a_signed_file_without_a_certificate_is_not_checked_exit_3_then_verifies_with_one(files):
    without = rig(str(files["sgn"]), "--json")
    assert without.returncode == 3
    assert json.loads(without.stdout)["signature"] == {
        "valid": None, "reason": "signature not checked: a signed file needs --cert PEM or --itl ITL to be checked"}
    table = rig(str(files["sgn"]))
    assert table.returncode == 3 and "not checked" in table.stdout and "NOT VALID" not in table.stdout
    assert rig(str(files["sgn"]), "--cert", str(files["cert"])).returncode == 0


# ---- in-process (CliRunner) ---------------------------------------------------------------

runner = CliRunner()


def show(*args: str):
    return runner.invoke(app, ["itl", "show", *map(str, args)])


def test_table_shows_header_checksums_and_one_row_per_record(files):
    result = show(files["itl"])
    assert result.exit_code == 0
    for text in ("ITLSEP001D705F9EA8.tlv", "sha512", "valid", "4 records", "CCM+TFTP", "127.0.0.10", "c0ffee"):
        assert text in result.stdout


def test_wrong_signer_is_named_in_the_table(files):
    result = show(files["wrong-signer"])
    assert result.exit_code == 1
    assert "no SAST record" in result.stdout and "rogue-tftp.example" in result.stdout


def test_signed_file_verifies_against_an_itl(files):
    assert show(files["sgn"], "--itl", files["itl"]).exit_code == 0


def test_unreadable_certificate_is_a_usage_error(files):
    result = show(files["sgn"], "--cert", files["itl"])
    assert "not a PEM or DER X.509 certificate" in str(result.exception)
