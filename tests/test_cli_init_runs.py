"""`rig init` writes a commented real-bench config rig's loader accepts; `rig runs` lists past runs
with their outcome counts and duration, and prunes ended ones, never a run that has not ended."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rig.cli.app import app
from rig.config.lab import parse_config
from rig.config.template import QUESTIONS
from rig.errors import RigError
from rig.jobs.history import parse_age
from rig.record.journal import Journal
from rig.report import render
from tests.fleet_run import write_fleet_run

runner = CliRunner()
FLAGS = ["--switch-host", "10.20.30.2", "--cucm-tftp", "10.20.0.10", "--expected-load", "SCCP42.9-4-2SR3-1S",
         "--tap-host", "10.20.30.5", "--phone-mac", "001D.705F.9EA8", "--phone-port", "Gi1/0/5"]


def test_init_from_flags_alone_writes_a_commented_config_rigs_loader_accepts(tmp_path):
    out = tmp_path / "bench.yaml"
    result = runner.invoke(app, ["init", "--write", str(out), *FLAGS, "--phone-ip", "10.20.31.41"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    config = parse_config(yaml.safe_load(text), str(out))
    assert config.switches["sw1"].host == "10.20.30.2" and config.tftp_tap.listen.port == 69
    assert config.phones[0].mac == "001D705F9EA8" and config.phones[0].port == "Gi1/0/5"
    assert [k.backend for k in config.phones[0].keypad] == ["http_execute", "operator"]
    assert "Download .PEM File" in text and "option 150" in text and "ssh-keyscan" in text  # commented
    assert "rig preflight" in result.output


def test_init_without_a_terminal_names_every_missing_flag_and_writes_nothing(tmp_path):
    out = tmp_path / "bench.yaml"
    result = runner.invoke(app, ["init", "--write", str(out), "--switch-host", "10.20.30.2"])
    assert isinstance(result.exception, RigError) and result.exception.exit_code == 2
    assert "--cucm-tftp, --expected-load, --tap-host, --phone-mac, --phone-port" in str(result.exception)
    assert not out.exists()


def test_init_refuses_a_bad_answer_with_rigs_own_message_and_never_overwrites(tmp_path):
    out = tmp_path / "bench.yaml"
    bad = runner.invoke(app, ["init", "--write", str(out), *FLAGS[:-3], "zz", "--phone-port", "Gi1/0/5"])
    assert "phones[0] (desk-01).mac: not a MAC address" in str(bad.exception) and not out.exists()
    out.write_text("mine\n")
    again = runner.invoke(app, ["init", "--write", str(out), *FLAGS])
    assert "already exists" in str(again.exception) and out.read_text() == "mine\n"


def test_init_on_a_terminal_asks_what_no_flag_gave(tmp_path, monkeypatch):
    monkeypatch.setattr("rig.cli.init.on_terminal", lambda: True)
    out = tmp_path / "bench.yaml"
    given = FLAGS[:-4]  # no phone MAC, no port: asked, every other default accepted with Enter
    answers = {"First phone's MAC": "001D705F9EB2", "First phone's switch port": "Gi1/0/6"}
    questions = ["bench", "switch_username", "switch_password_env", "known_hosts", "trust_anchor", "tap_port",
                 "phone_name", "phone_mac", "phone_port", "phone_ip", "phone_username", "phone_password_env"]
    typed = "".join(answers.get(QUESTIONS[q].split(" (")[0], "") + "\n" for q in questions)
    result = runner.invoke(app, ["init", "--write", str(out), *given], input=typed)
    assert result.exit_code == 0, result.output
    config = parse_config(yaml.safe_load(out.read_text()), str(out))
    assert config.phones[0].mac == "001D705F9EB2" and config.phones[0].port == "Gi1/0/6"
    assert config.bench == "lab" and config.phones[0].name == "desk-01"


def _runs(tmp_path: Path) -> Path:
    runs = tmp_path / "runs"
    for name in ("20261101-090000-erase", "20261120-090000-verify", "20261125-090000-erase"):
        write_fleet_run(runs / name, 30)
        render(runs / name)
        results = json.loads((runs / name / "results.json").read_text())  # started on the day its id says
        day = f"{name[:4]}-{name[4:6]}-{name[6:8]}"
        results.update(started=f"{day}T09:00:00.000Z", finished=f"{day}T09:00:21.500Z")
        (runs / name / "results.json").write_text(json.dumps(results))
    (runs / "20261101-090000-erase" / "results.json").write_text("")  # unreadable: not pruned either
    with Journal(runs / "20261126-090000-erase" / "journal.jsonl") as j:  # still running, or killed
        j.append("run_started", at="2026-11-26T09:00:00.000Z", run_id="20261126-090000-erase", procedure="erase",
                 bench="fleet", phones=[], redo=[], config={})
    (runs / "not-a-run").mkdir()
    return runs


def _list(runs: Path, *args: str) -> dict:
    result = runner.invoke(app, ["runs", "--runs-dir", str(runs), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_runs_lists_each_run_newest_first_with_counts_duration_and_state(tmp_path):
    doc = _list(_runs(tmp_path))
    assert [Path(r["run_dir"]).name for r in doc["runs"]] == [
        "20261126-090000-erase", "20261125-090000-erase", "20261120-090000-verify", "20261101-090000-erase"]
    unfinished, finished, _, unreadable = doc["runs"]
    assert unfinished["state"] == "unfinished" and unfinished["seconds"] is None
    assert finished["state"] == "finished" and finished["summary"]["failed"] == 2 and finished["summary"]["passed"] == 27
    assert finished["seconds"] == 21.5
    assert unreadable["state"] == "unreadable"


def test_runs_keep_prunes_ended_runs_but_the_newest_never_an_unfinished_or_unreadable_one(tmp_path):
    runs = _runs(tmp_path)
    dry = _list(runs, "--keep", "1", "--dry-run")
    assert [Path(p).name for p in dry["would_remove"]] == ["20261125-090000-erase", "20261120-090000-verify"]
    assert (runs / "20261120-090000-verify").is_dir()
    done = _list(runs, "--keep", "1")
    assert sorted(p.name for p in runs.iterdir()) == ["20261101-090000-erase", "20261126-090000-erase", "not-a-run"]
    assert len(done["removed"]) == 2


def test_runs_older_than_and_keep_must_both_agree(tmp_path):
    runs = _runs(tmp_path)
    doc = _list(runs, "--keep", "1", "--older-than", "100000d", "--dry-run")
    assert doc["would_remove"] == []
    doc = _list(runs, "--older-than", "1d", "--dry-run")  # every run started in 2026-11
    assert len(doc["would_remove"]) == 2  # the ended ones


@pytest.mark.parametrize("text, age", [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)),
                                       ("90m", timedelta(minutes=90)), ("2w", timedelta(weeks=2)),
                                       ("7", timedelta(days=7))])
def test_ages_read_as_written(text, age):
    assert parse_age(text) == age


def test_a_bad_age_is_one_line_naming_the_option(tmp_path):
    result = runner.invoke(app, ["runs", "--runs-dir", str(tmp_path), "--older-than", "soon"])
    assert "--older-than: 'soon' is not an age" in str(result.exception)
