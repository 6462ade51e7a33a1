"""The command line as a newcomer meets it (issue 22, item 6): bare `rig`, help, `--version`,
shell completion, "did you mean", and no library's traceback on stderr."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from typer.main import get_command
from typer.testing import CliRunner

import rig.cli  # noqa: F401  (the commands register on import)
from rig.cli.app import app
from tests.test_cli_jobs import CONFIG
from tests.test_erase_e2e import rig


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(CONFIG))
    return path


def test_bare_rig_prints_the_help_and_no_error_line(tmp_path):
    done = rig(cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("Usage: rig") and done.stderr == ""


def test_help_lists_the_main_commands_first_in_sections(tmp_path):
    help_text = rig("--help", cwd=tmp_path).stdout
    at = [help_text.index(f"\n  {name} ") for name in ("erase", "preflight", "verify", "status", "sim", "worker")]
    assert at == sorted(at)
    assert help_text.index("Runs:") < help_text.index("Hands-on:") < help_text.index("Set-up and tools:")


def test_no_help_shows_a_bool_placeholder():
    commands = [[], *([name] for name in get_command(app).list_commands(None))]  # type: ignore[attr-defined,arg-type]
    assert len(commands) > 15
    for command in commands:
        done = CliRunner().invoke(app, [*command, "--help"], prog_name="rig")
        assert done.exit_code == 0 and "<bool>" not in done.output, command


def test_version(tmp_path):
    done = rig("--version", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("rig ")


def test_shell_completion_completes_commands_and_the_configs_phone_names(lab, tmp_path):
    """What the script of `rig --install-completion` asks rig (click's bash protocol)."""
    def complete(words: str, cword: int) -> list[str]:
        env = {"_RIG_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
        return rig(cwd=tmp_path, env_extra=env).stdout.split()

    assert complete("rig pre", 1) == ["preflight", "press"]
    assert complete(f"rig erase --config {lab} desk-", 4) == ["desk-01"]


@pytest.mark.parametrize("args, expected", [
    (["press", "desk-01", "Setings"], "unknown key 'Setings' (did you mean 'Settings'?)"),
    (["erase", "desk-1"], "no phone named 'desk-1' in bench 'bench-cli' (did you mean 'desk-01'?)"),
    (["erase", "zzz"], "no phone named 'zzz' in bench 'bench-cli' (phones: desk-01)"),
])
def test_a_misspelt_name_gets_the_closest_known_one(args, expected, lab, tmp_path):
    done = rig(*args, "--config", str(lab), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and expected in done.stderr


def test_a_misspelt_config_key_gets_the_closest_known_one(tmp_path):
    path = tmp_path / "typo.yaml"
    phone = {**CONFIG["phones"][0], "prot": "Gi1/0/1"}
    del phone["port"]
    path.write_text(yaml.safe_dump({**CONFIG, "phones": [phone]}))
    done = rig("config", "check", "--config", str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert "phones[0] (desk-01).prot: unknown key (did you mean 'port'?)" in done.stderr


@pytest.fixture
def mute_switch() -> Iterator[int]:
    """A port that accepts and hangs up: paramiko logs `Error reading SSH protocol banner` and
    its traceback, record by record."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def hang_up() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    server.close()


def test_no_library_traceback_under_the_diagnosis_and_the_log_file_keeps_it(mute_switch, tmp_path):
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump({**CONFIG, "switches": {"sw1": {**CONFIG["switches"]["sw1"], "port": mute_switch}}}))
    log = tmp_path / "rig.log"
    done = rig("--log-file", str(log), "preflight", "--config", str(path), cwd=tmp_path)
    assert done.returncode == 1
    assert "Error reading SSH protocol banner" in done.stdout  # rig's own diagnosis
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert "Traceback" in log.read_text()


def test_quiet_and_verbose_exclude_each_other(tmp_path):
    done = rig("-q", "-v", "status", cwd=tmp_path)
    assert done.returncode == 2 and "choose one" in done.stderr and os.linesep not in done.stderr.rstrip("\n")


@pytest.fixture
def cli_logging() -> Iterator[None]:
    """rig.cli.logs as the command line sets it, undone after the test."""
    import logging

    from rig.cli import logs

    yield
    for handler in logs._HANDLERS:
        logging.getLogger().removeHandler(handler)
        handler.close()
    logs._HANDLERS.clear()
    threading.excepthook = threading.__excepthook__


def test_an_exception_no_thread_caught_is_one_line_and_its_traceback_goes_to_the_log_file(
        cli_logging, tmp_path, capsys):
    from rig.cli.logs import configure_logging

    log = tmp_path / "rig.log"
    configure_logging(0, log)

    def dies() -> None:
        raise ConnectionResetError("the switch hung up")

    thread = threading.Thread(target=dies, name="transport")
    thread.start()
    thread.join()
    err = capsys.readouterr().err
    assert err == "rig: rig.threads: transport ended on ConnectionResetError: the switch hung up\n"
    assert "Traceback" in log.read_text()
