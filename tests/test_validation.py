"""Issue 12's bad inputs: each is refused by config validation, as one line naming the file, the
phone (or switch) and the field, before anything is touched."""

from __future__ import annotations

import pytest
import yaml
from cryptography.hazmat.primitives.serialization import Encoding

from rig.config import load_config
from rig.errors import ConfigError
from test_config import GOOD
from trust_vectors import callmanager


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

