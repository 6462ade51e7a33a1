"""`rig erase` end to end on the simulated bench, driven through the real CLI over loopback.

Three benches per module: a clean one (every phone must pass; then an interrupted run resumed), a
faulty one (a phone whose MAC is not on its port, one that never comes back, one that loses a key
press) and one with a phone whose web access is off. Their first `rig erase` runs start together
(they mostly wait on scaled device time, so side by side they cost little more than the longest);
each run is asserted on by several tests.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest
import yaml

pytest.importorskip("rig.sim.bench")

from rig.config.lab import dump_config  # noqa: E402

from rig.config.simulation import Faults, Simulation  # noqa: E402
from rig.record.events import PhoneDone, PhoneStarted, RunInterrupted, RunResumed, StepDone  # noqa: E402
from rig.record.journal import read_events  # noqa: E402
from rig.sim.bench import SimBench  # noqa: E402

SCALE = 0.004
SCENARIOS = {"stale_itl": 4, "regenerated_cert": 2, "no_itl": 1, "healthy": 1}
MAC_ELSEWHERE = "001D70AAAAAA"


def _write_config(sim: SimBench, path: Path, *, boot: float | None = None, mac_of: dict[str, str] | None = None,
                  no_console: tuple[str, ...] = ()) -> Path:
    doc = dump_config(sim.lab_config())
    for phone in doc["phones"]:
        if phone["name"] in no_console:
            del phone["console"]
        phone["mac"] = (mac_of or {}).get(phone["name"], phone["mac"])
        for keypad in phone["keypad"]:
            if keypad["backend"] == "serial_actuator":
                keypad["press_ms"] = 10  # the board holds each key this long, one key at a time
    if boot is not None:
        doc["timeouts"]["boot"] = boot
    path.write_text(yaml.safe_dump(doc))
    return path


def rig(*args: str, cwd: Path, env_extra: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RIG_LEASE_DIR": str(cwd / "leases"), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "rig", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=timeout)


def _results(run_dir: Path) -> dict:
    return json.loads((run_dir / "results.json").read_text())


@dataclass
class Started:
    """A simulated bench and the `rig erase --json` run started on it."""

    sim: SimBench
    config: Path
    proc: subprocess.Popen[str]

    @cached_property
    def done(self) -> subprocess.CompletedProcess[str]:
        out, err = self.proc.communicate(timeout=120)
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)

    def run(self) -> dict:
        """The run's results.json and journal events, once it has ended."""
        run_dir = Path(json.loads(self.done.stdout)["run_dir"])
        return {"done": self.done, "results": _results(run_dir), "events": read_events(run_dir / "journal.jsonl")}


BENCHES = {
    "clean": (Simulation(phones=8, scenarios=SCENARIOS, time_scale=SCALE, image_kb=4), {"no_console": ("desk-08",)}),
    "faulty": (Simulation(phones=4, scenarios={"stale_itl": 2, "healthy": 2}, time_scale=SCALE, image_kb=4,
                          keypad="http_execute", faults=Faults(never_returns=["desk-03"], lost_keys={"desk-02": 1})),
               {"boot": 6.0, "mac_of": {"desk-04": MAC_ELSEWHERE}}),
    # desk-02 (a stuck phone) has its web access disabled, as production phones often do
    "web-off": (Simulation(phones=4, scenarios={"stale_itl": 2, "healthy": 2}, time_scale=SCALE, image_kb=4,
                           keypad="http_execute", web_access_off=["desk-02"]), {}),
}


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Started]]:
    with ExitStack() as stack:
        runs: dict[str, Started] = {}
        for name, (settings, edits) in BENCHES.items():
            work = tmp_path_factory.mktemp(name)
            sim = stack.enter_context(SimBench(settings, f"e2e-{name}", work))
            config = _write_config(sim, work / "lab.yaml", **edits)
            env = {**os.environ, "RIG_LEASE_DIR": str(work / "leases")}
            proc = subprocess.Popen([sys.executable, "-m", "rig", "erase", "--config", str(config), "--runs-dir",
                                     str(work / "runs"), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, cwd=work, env=env)
            stack.callback(proc.kill)
            runs[name] = Started(sim, config, proc)
        yield runs


@pytest.fixture(scope="module")
def clean(started: dict[str, Started]) -> tuple[SimBench, Path]:
    return started["clean"].sim, started["clean"].config


@pytest.fixture(scope="module")
def clean_run(started: dict[str, Started]) -> tuple[subprocess.CompletedProcess[str], dict]:
    done = started["clean"].done
    doc = json.loads(done.stdout) if done.stdout else {}
    return done, doc


def test_every_phone_of_a_clean_bench_passes_with_its_evidence(clean, clean_run):
    sim, _ = clean
    done, doc = clean_run
    assert done.returncode == 0, done.stderr + done.stdout
    results = _results(Path(doc["run_dir"]))
    assert results["summary"]["passed"] == 8
    for phone in results["phones"]:
        sep = f"SEP{phone['mac']}"
        files = {f["file"] for f in phone["tftp_fetches"] if f["ok"]}
        assert {f"ITL{sep}.tlv", f"{sep}.cnf.xml.sgn"} <= files, phone["name"]
        if phone["load_before"] != phone["load_after"]:
            loads = [f for f in files if f.endswith(".loads")]
            assert loads and any(f.endswith(".sbn") for f in files), phone["name"]
        assert phone["itl_signer"] and phone["load_after"] == "SCCP42.9-4-2SR3-1S"
        assert [s["name"] for s in phone["steps"]][:4] == ["identify", "console", "baseline", "erase"]
        assert "erase confirmed by " in _step(phone, "erase")["detail"], phone["name"]  # the signal, named
        assert "agreed: " in _step(phone, "verify_load")["detail"], phone["name"]  # the witnesses, named
    stale = [p for p in results["phones"] if any("Trust List Update Failed" in s for s in p["symptoms"])]
    assert len(stale) >= 4
    no_console = _phone(results, "desk-08")
    erase = _step(no_console, "erase")["detail"]  # no console: checked on the status messages page instead
    assert "unchecked" not in erase and ("seen in status messages" in erase or "but erase confirmed by" in erase)
    assert "status messages" in no_console["steps"][-1]["detail"]
    run_dir = Path(doc["run_dir"])
    assert (run_dir / "junit.xml").is_file() and (run_dir / "report.html").is_file()
    assert (run_dir / "console" / "desk-01.log").stat().st_size > 0


def test_each_phone_keeps_what_it_fetched_but_the_images_and_rig_itl_show_reads_it(clean, clean_run):
    done, doc = clean_run
    run_dir = Path(doc["run_dir"])
    results = _results(run_dir)
    for phone in results["phones"]:
        sep = f"SEP{phone['mac']}"
        kept = {p.name for p in (run_dir / "files" / phone["name"]).iterdir()}
        fetched = {f["file"] for f in phone["tftp_fetches"] if f["ok"]}
        assert kept == {f for f in fetched if not f.endswith(".sbn")}, phone["name"]
        assert {f"ITL{sep}.tlv", f"{sep}.cnf.xml.sgn"} <= kept, phone["name"]
    phone = results["phones"][0]
    files = run_dir / "files" / phone["name"]
    sep = f"SEP{phone['mac']}"
    assert rig("itl", "show", str(files / f"ITL{sep}.tlv"), cwd=run_dir).returncode == 0
    signed = rig("itl", "show", str(files / f"{sep}.cnf.xml.sgn"), cwd=run_dir)
    assert signed.returncode == 3 and "not checked" in signed.stdout
    checked = rig("itl", "show", str(files / f"{sep}.cnf.xml.sgn"), "--itl", str(files / f"ITL{sep}.tlv"), cwd=run_dir)
    assert checked.returncode == 0, checked.stdout
    html = (run_dir / "report.html").read_text()
    assert f'href="files/{phone["name"]}/ITL{sep}.tlv"' in html
    assert "not served (expected: a cluster not in mixed mode serves no CTL" in html


def test_an_interrupted_run_exits_130_and_resume_does_not_redo_passed_phones(clean, clean_run):
    _, clean_config = clean
    config = clean_config.parent / "lab-two-waves.yaml"
    doc = yaml.safe_load(clean_config.read_text())
    doc["parallel"] = {"max_phones": 4}  # two waves: the second is not started when Ctrl-C comes
    config.write_text(yaml.safe_dump(doc))
    runs = config.parent / "runs-interrupt"
    env = {**os.environ, "RIG_LEASE_DIR": str(config.parent / "leases")}
    proc = subprocess.Popen([sys.executable, "-m", "rig", "erase", "--config", str(config), "--runs-dir", str(runs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=config.parent, env=env)
    deadline = time.monotonic() + 40
    journal = None
    while time.monotonic() < deadline:
        found = list(runs.glob("*/journal.jsonl"))
        if found and any(isinstance(e, PhoneDone) for e in read_events(found[0])):
            journal = found[0]
            break
        time.sleep(0.02)
    assert journal is not None, "no phone finished"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    events = read_events(journal)
    assert isinstance(events[-1], RunInterrupted)
    passed_before = {e.phone for e in events if isinstance(e, PhoneDone) and e.outcome == "passed"}
    assert passed_before

    done = rig("erase", "--config", str(config), "--resume", str(journal.parent), "--json", cwd=config.parent)
    assert done.returncode == 0, done.stderr
    events = read_events(journal)
    resumed_at = max(i for i, e in enumerate(events) if isinstance(e, RunResumed))
    redone = {e.phone for e in events[resumed_at:] if isinstance(e, PhoneStarted)}
    assert redone and not (redone & passed_before)
    assert _results(journal.parent)["summary"]["passed"] == 8


def test_verify_alone_restarts_and_checks_without_erasing_printing_one_line_per_phone(clean, clean_run):
    _, config = clean
    done = rig("verify", "desk-01", "desk-02", "--config", str(config), "--runs-dir", str(config.parent / "runs-verify"),
               cwd=config.parent)
    assert done.returncode == 0, done.stderr + done.stdout
    lines = done.stdout.splitlines()
    assert sorted(lines[:2]) == ["desk-01 passed", "desk-02 passed"]
    assert lines[2] == "passed 2, failed 0, error 0, skipped 0" and lines[3].endswith("report.html")
    (run_dir,) = (config.parent / "runs-verify").iterdir()
    results = _results(run_dir)
    steps = [s["name"] for s in results["phones"][0]["steps"]]
    assert steps[:5] == ["identify", "console", "baseline", "restart", "observe"] and "erase" not in steps


@pytest.fixture(scope="module")
def faulty(started: dict[str, Started]) -> tuple[SimBench, dict]:
    return started["faulty"].sim, started["faulty"].run()


def _phone(results: dict, name: str) -> dict:
    return next(p for p in results["phones"] if p["name"] == name)


def _step(phone: dict, name: str) -> dict:
    return next(s for s in phone["steps"] if s["name"] == name)


def test_a_faulty_bench_run_exits_1_and_the_healthy_phone_passes(faulty):
    _, run = faulty
    assert run["done"].returncode == 1, run["done"].stderr
    assert _phone(run["results"], "desk-01")["outcome"] == "passed"


def test_a_phone_whose_mac_is_not_on_its_port_is_skipped_and_its_port_never_touched(faulty):
    sim, run = faulty
    phone = _phone(run["results"], "desk-04")
    assert phone["outcome"] == "skipped" and phone["reason"]
    port = sim.lab_config().phone("desk-04").port
    log = [c.strip().lower() for c in sim.observe.commands("sw1")]
    configured = [c for c in log if c.startswith("interface") and c.endswith(port.lower())]
    assert configured == [] and not any(port.lower() in c for c in log if "power" in c)
    assert any(c.startswith("interface") for c in log)  # other ports were power-cycled
    assert [s["name"] for s in phone["steps"]] == ["identify"]  # its console not even opened


def test_a_phone_that_never_comes_back_fails_with_a_reason(faulty):
    _, run = faulty
    phone = _phone(run["results"], "desk-03")
    assert phone["outcome"] == "failed", (phone["reason"], phone["steps"])
    assert "no TFTP request / no answer within 6s after power-on" in phone["reason"]


def test_a_lost_key_press_is_retried_after_a_power_cycle_and_passes(faulty):
    _, run = faulty
    phone = _phone(run["results"], "desk-02")
    assert phone["outcome"] == "passed", phone["reason"]
    steps = [(s["name"], s["attempt"]) for s in phone["steps"]]
    # its web key-press is refused: restarted before the actuator (still stuck), then the lost key:
    # the keys again after a power cycle, the same step's second attempt
    assert steps[3:8] == [("erase", 1), ("restart_first", 1), ("erase", 1), ("recover", 1), ("erase", 2)]
    first = phone["steps"][5]  # the first run of the keys on the actuator
    assert not first["ok"] and "Erasing CTL and ITL files" in first["detail"] and "console" in first["detail"]


def test_a_phone_refusing_remote_key_press_falls_back_to_the_actuator_with_the_reason(faulty):
    _, run = faulty
    erase = {e.phone: e.data for e in run["events"] if isinstance(e, StepDone) and e.name == "erase"}
    stale, healthy = erase["desk-01"], erase["desk-03"]
    assert stale["backend"] == "serial_actuator"
    assert stale["fallbacks"][0]["from"] == "http_execute" and stale["fallbacks"][0]["reason"]
    assert healthy["backend"] == "http_execute" and "fallbacks" not in healthy


@pytest.fixture(scope="module")
def web_off(started: dict[str, Started]) -> dict:
    return started["web-off"].run()


def _data(events: list, phone: str, step: str) -> dict:
    """The data of the phone's last step of that name (a stuck phone's first `erase` stops at the
    refused web key-press, before its restart: rig.procedures.restart_first)."""
    return [e.data for e in events if isinstance(e, StepDone) and e.phone == phone and e.name == step][-1]


def test_a_phone_with_web_access_off_passes_on_switch_console_and_tap_evidence(web_off):
    assert web_off["done"].returncode == 0, web_off["done"].stderr + web_off["done"].stdout
    phone = _phone(web_off["results"], "desk-02")
    assert phone["outcome"] == "passed" and phone["load_after"] == "SCCP42.9-4-2SR3-1S"
    baseline = _step(phone, "baseline")["detail"]
    assert "web access off" in baseline and "CDP" in baseline and "web," not in baseline
    assert _data(web_off["events"], "desk-02", "baseline")["cdp_platform_matches_profile"]  # a 79x2, says CDP
    erase = _data(web_off["events"], "desk-02", "erase")
    assert erase["backend"] == "serial_actuator" and "fallbacks" not in erase  # the web key-press not even tried
    assert erase["erase_confirmed_by"]
    load = _data(web_off["events"], "desk-02", "verify_load")
    assert "CDP Version" in load["agreed"] and not load["disagreed"]
    assert load["version_id"] is None  # nothing read over the web


def test_every_phone_names_the_witnesses_that_confirmed_its_load_and_its_erase(web_off):
    for phone in web_off["results"]["phones"]:
        erase, load = (_data(web_off["events"], phone["name"], s) for s in ("erase", "verify_load"))
        # named, and never the console line no source confirms for the 7942
        assert erase["erase_confirmed_by"] and "console line" not in erase["erase_confirmed_by"], phone["name"]
        assert load["agreed"], phone["name"]
    with_web = _data(web_off["events"], "desk-01", "verify_load")
    assert {"versionID", "CDP Version"} <= set(with_web["agreed"])
