"""`systems:` of the lab config: named call-control systems besides `cucm`, checked up front, and
`rig migrate` refusing what it cannot do before anything is touched (one line, exit 2)."""

from __future__ import annotations

import pytest
import yaml

from rig.config.lab import load_config
from rig.config.systems import named_system
from rig.errors import ConfigError, RigError
from rig.procedures.migrate import Migration, check
from tests.test_config import GOOD
from tests.test_erase_e2e import rig


def _config(tmp_path, systems: dict, **top):
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    doc["systems"] = systems
    doc.update(top)
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


OLD = {"kind": "cucm", "tftp": {"host": "192.0.2.30", "port": 69}, "trust_anchor": "old.pem"}
CME = {"kind": "cme", "tftp": {"host": "192.0.2.40", "port": 69},
       "ssh": {"host": "192.0.2.40", "username": "rig", "password_env": "CME_PASSWORD"}}


def test_systems_of_both_kinds_load_with_paths_relative_to_the_config(tmp_path):
    config = load_config(_config(tmp_path, {"old": OLD, "branch": CME}))
    old, branch = named_system(config, "old"), named_system(config, "branch")
    assert (old.kind, old.address, old.trust_anchor) == ("cucm", ("192.0.2.30", 69), tmp_path / "old.pem")
    assert (branch.kind, branch.address) == ("cme", ("192.0.2.40", 69))
    assert named_system(config, "cucm").kind == "cucm"


def test_the_cucm_system_is_where_the_tap_relays_it(tmp_path):
    tap = {"listen": {"host": "127.0.0.1", "port": 6969}, "upstream": {"host": "192.0.2.9", "port": 6970}}
    config = load_config(_config(tmp_path, {}, tftp_tap=tap))
    assert named_system(config, "cucm").address == ("192.0.2.9", 6970)


@pytest.mark.parametrize("systems, message", [
    ({"old": {"kind": "cucm", "tftp": {"host": "192.0.2.30"}}}, "systems.old.tftp.port: Field required"),
    ({"old": {**OLD, "kind": "ccm"}}, "systems.old: Input tag 'ccm'"),
    ({"old": {**CME, "trust_anchor": "x.pem"}}, "systems.old.trust_anchor: unknown key"),
    ({"cucm": OLD}, "systems.cucm: the name of the `cucm:` section"),
])
def test_a_bad_system_is_one_line_naming_file_and_field(tmp_path, systems, message):
    path = _config(tmp_path, systems)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
    assert "\n" not in str(error.value)


def test_an_unknown_system_is_named_with_the_closest_one(tmp_path):
    config = load_config(_config(tmp_path, {"old": OLD}))
    with pytest.raises(ConfigError, match="no system named 'olf' \\(did you mean 'old'\\?\\)"):
        named_system(config, "olf")


@pytest.mark.parametrize("source, target, message", [
    ("old", "old", "--from and --to both name old"),
    ("cucm", "old", "migrate --to cucm"),
    ("nowhere", "cucm", "no system named 'nowhere'"),
])
def test_a_migration_this_bench_cannot_do_is_refused_before_anything(tmp_path, source, target, message):
    config = load_config(_config(tmp_path, {"old": OLD, "branch": CME},
                                 tftp_tap={"listen": {"host": "127.0.0.1", "port": 6969}}))
    with pytest.raises(RigError, match=message):
        check(config, Migration(source, target))


def test_a_migration_to_a_cme_router_is_accepted(tmp_path):
    config = load_config(_config(tmp_path, {"old": OLD, "branch": CME},
                                 tftp_tap={"listen": {"host": "127.0.0.1", "port": 6969}}))
    source, target = check(config, Migration("cucm", "branch"))
    assert (source.kind, target.kind, target.name) == ("cucm", "cme", "branch")


def test_rig_migrate_without_systems_exits_2_with_one_line_and_no_run(tmp_path):
    path = _config(tmp_path, {"old": OLD})
    done = rig("migrate", "--from", "old", "--config", str(path), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "--from and --to" in done.stderr
    assert not (tmp_path / "runs").exists()
