"""Property: whatever a config file holds, reading it either gives a LabConfig or raises one
ConfigError whose message is one line naming the file; never another exception. Through the
real command line that is exit 2 and one line on stderr, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rig.config.lab import LabConfig, load_config
from rig.errors import ConfigError
from tests.test_config import GOOD

FAST = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
    st.sampled_from(["Gi1/0/1", "desk-01", "00:1d:70:5f:9e:a1", "127.0.0.1", "../x", "operator",
                     "http_execute", "serial_actuator", "-1", ".inf", "1e300", "\x00", "\n"]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=25,
)


def _assert_loads_or_one_line_error(path: Path) -> None:
    try:
        assert isinstance(load_config(path), LabConfig)
    except ConfigError as error:
        message = str(error)
        assert message.startswith(f"{path}:"), message
        assert "\n" not in message and "\r" not in message, message


@FAST
@given(data=st.binary(max_size=400))
@example(data=b"bench: caf\xe9\n")
@example(data=b"[" * 5000)
@example(data=b"{a: " * 3000)
@example(data=b"\xef\xbb\xbfbench: a\n")
@example(data=b"bench: &a [*a]\n")
@example(data=b"bench: !!python/object:os.system ls\n")
def test_arbitrary_bytes_load_or_give_one_line(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "lab.yaml"
    path.write_bytes(data)
    _assert_loads_or_one_line_error(path)


@FAST
@given(doc=documents)
def test_arbitrary_documents_as_yaml_and_json_load_or_give_one_line(tmp_path_factory, doc):
    folder = tmp_path_factory.mktemp("docs")
    as_yaml, as_json = folder / "lab.yaml", folder / "lab.json"
    as_yaml.write_text(yaml.safe_dump(doc, allow_unicode=True))
    as_json.write_text(json.dumps(doc))  # JSON is YAML: a config may be written as JSON
    _assert_loads_or_one_line_error(as_yaml)
    _assert_loads_or_one_line_error(as_json)


def _paths(node, prefix=()):
    """Every path into a document (dict keys and list indexes), the node itself included."""
    yield prefix
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield from _paths(child, (*prefix, key))


GOOD_PATHS = list(_paths(GOOD))[1:]


def _replaced(doc, path, value):
    doc = json.loads(json.dumps(doc))
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


FILE_FIELDS = [("cucm", "trust_anchor"), ("switches", "sw1", "known_hosts"), ("switches", "sw1", "key_file")]


@FAST
@given(path=st.sampled_from(GOOD_PATHS + FILE_FIELDS), value=documents)
@example(path=("cucm", "trust_anchor"), value="a\x00b")
@example(path=("cucm", "trust_anchor"), value="~no-such-user-here/cm.pem")
@example(path=("switches", "sw1", "known_hosts"), value="~no-such-user-here/known_hosts")
@example(path=("cucm", "trust_anchor"), value="/dev/zero")
@example(path=("cucm", "trust_anchor"), value=".")
@example(path=("cucm", "trust_anchor"), value="\n")
@example(path=("switches", "sw1", "password_env"), value="A\nB")
def test_a_good_config_with_any_one_value_replaced_loads_or_gives_one_line(tmp_path_factory, path, value):
    file = tmp_path_factory.mktemp("mutant") / "lab.yaml"
    file.write_text(yaml.safe_dump(_replaced(GOOD, path, value), allow_unicode=True))
    _assert_loads_or_one_line_error(file)


@settings(max_examples=1, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(min_size=1, max_size=200), documents.map(lambda d: yaml.safe_dump(d).encode())))
@example(data=b"\xff\xfe\x00bench")
@example(data=yaml.safe_dump(_replaced(GOOD, ("phones", 0, "port"), "Gi1/0/1\nreload")).encode())
def test_config_check_on_any_bad_file_is_exit_2_and_one_line_without_traceback(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("cli") / "lab.yaml"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "rig", "config", "check", "--config", str(path)],
                          capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"rig: error: {path}:") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
