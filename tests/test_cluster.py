"""Many benches through Dask: a local scheduler, `rig worker` processes, one merged run directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from rig.cluster import load_site, run_on_cluster
from rig.cluster.client import owned_benches
from rig.cluster.merge import Collected, merge, tag_event
from rig.cluster.site import SiteFile
from rig.errors import ConfigError, RigError
from rig.record.events import Event
from rig.report import render
from rig.cluster.worker import BenchRun
from tests.waiting import wait_for

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[1]


def real_bench(name: str, phones: list[str]) -> str:
    lines = [f"bench: {name}", "switches:", "  sw1: {host: 127.0.0.1, username: rig}", "cucm:",
             "  tftp: {host: 127.0.0.1, port: 69}", "  expected_load: SCCP42.9-4-2SR3-1S", "phones:"]
    lines += [f"  - {{name: {p}, mac: 001D705F00{i:02X}, switch: sw1, port: Gi1/0/{i + 1}}}" for i, p in enumerate(phones)]
    return "\n".join(lines) + "\n"


def sim_bench(name: str) -> str:
    return f"bench: {name}\nsimulation: {{phones: 2, scenarios: {{stale_itl: 1}}, time_scale: 0.004, image_kb: 4}}\n"


def write_site(directory: Path, benches: dict[str, str], extra: str = "") -> Path:
    for name, text in benches.items():
        (directory / f"{name}.yaml").write_text(text)
    site = directory / "site.yaml"
    site.write_text(f"site: lab-east\nbenches: [{', '.join(f'{n}.yaml' for n in benches)}]\n{extra}")
    return site


# --- the site file ---------------------------------------------------------------------------------

def test_site_lists_every_benchs_phones(tmp_path: Path) -> None:
    site = load_site(write_site(tmp_path, {"a": real_bench("bench-a", ["desk-01", "desk-02"]),
                                           "b": real_bench("bench-b", ["desk-01"])}))
    assert site.name == "lab-east"
    assert {b: [s.name for s in slots] for b, slots in site.select([]).items()} == {
        "bench-a": ["desk-01", "desk-02"], "bench-b": ["desk-01"]}


def test_phones_are_chosen_by_bench_and_name_or_by_a_unique_name(tmp_path: Path) -> None:
    site = load_site(write_site(tmp_path, {"a": real_bench("bench-a", ["desk-01", "desk-02"]),
                                           "b": real_bench("bench-b", ["desk-01"])}))
    chosen = site.select(["bench-b/desk-01", "desk-02"])
    assert {b: [s.name for s in slots] for b, slots in chosen.items()} == {"bench-a": ["desk-02"], "bench-b": ["desk-01"]}
    with pytest.raises(ConfigError, match="phone 'desk-01' is on benches bench-a, bench-b: name it bench/phone"):
        site.select(["desk-01"])
    with pytest.raises(ConfigError, match="no bench named 'bench-z'"):
        site.select(["bench-z/desk-01"])


@pytest.mark.parametrize(("extra", "message"), [
    ("colour: blue\n", "site.yaml: colour: unknown key"),
    ("timeouts: {job: -1}\n", "site.yaml: timeouts.job: Input should be greater than 0"),
])
def test_a_bad_site_file_is_one_error_naming_the_file_and_field(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_site(write_site(tmp_path, {"a": real_bench("bench-a", ["desk-01"])}, extra))


def test_a_bad_bench_config_is_named_by_its_place_in_the_site_file(tmp_path: Path) -> None:
    path = write_site(tmp_path, {"a": real_bench("bench-a", ["desk-01"]), "b": "bench: bench-b\nswitchs: {}\n"})
    with pytest.raises(ConfigError, match=r"site.yaml: benches\[1\]: .*b.yaml: switchs: unknown key"):
        load_site(path)


def test_the_example_site_file_is_valid() -> None:
    example = SiteFile.model_validate(yaml.safe_load((REPO / "site.example.yaml").read_text()))
    assert example.site and example.benches


def test_two_configs_of_the_same_bench_are_refused(tmp_path: Path) -> None:
    path = write_site(tmp_path, {"a": real_bench("bench-a", ["desk-01"]), "b": real_bench("bench-a", ["desk-02"])})
    with pytest.raises(ConfigError, match="are both bench bench-a"):
        load_site(path)


# --- merging -------------------------------------------------------------------------------------

def _bench_events(bench: str, phone: str, outcome: str) -> list[Event]:
    at = "2026-11-25T09:00:01.000Z"
    return [Event.from_json(data) for data in [
        {"event": "run_started", "at": at, "run_id": "r", "procedure": "erase", "bench": bench,
         "phones": [{"name": phone, "mac": "001D705F0000", "switch": "sw1", "port": "Gi1/0/1"}]},
        {"event": "phone_started", "at": at, "phone": phone},
        {"event": "step", "at": at, "phone": phone, "name": "identify", "started": at, "ended": at, "ok": True,
         "detail": "SEP001D705F0000 on Gi1/0/1", "data": {}},
        {"event": "phone_done", "at": at, "phone": phone, "outcome": outcome, "reason": None, "load_before": "a",
         "load_after": "b", "itl_signer": "CN=tftp", "symptoms": []},
        {"event": "run_finished", "at": at, "outcomes": {phone: outcome}},
    ]]


def test_a_benchs_events_are_tagged_with_it_and_its_phones_qualified() -> None:
    started, _, step, _, finished = _bench_events("bench-a", "desk-01", "passed")
    assert tag_event(step, "bench-a").to_json() == {**step.to_json(), "phone": "bench-a/desk-01", "bench": "bench-a"}
    assert tag_event(started, "bench-a").to_json() == {**started.to_json(), "event": "bench_started"}
    assert tag_event(finished, "bench-a").to_json() == {**finished.to_json(), "event": "bench_finished",
                                                          "bench": "bench-a"}


def test_merged_run_has_every_phone_of_every_bench_in_one_journal_and_report(tmp_path: Path) -> None:
    site = load_site(write_site(tmp_path, {"a": real_bench("bench-a", ["desk-01"]),
                                           "b": real_bench("bench-b", ["desk-01"]),
                                           "c": real_bench("bench-c", ["desk-09"])}))
    run_dir = tmp_path / "runs" / "20261125-090000-erase"
    run_dir.mkdir(parents=True)
    collected = Collected(
        runs={"bench-a": BenchRun("bench-a", _bench_events("bench-a", "desk-01", "passed"), {"desk-01": "boot\n"}, "w1",
                                  {"desk-01": {"ITLSEP001D705F0000.tlv": b"itl"}}),
              "bench-b": BenchRun("bench-b", _bench_events("bench-b", "desk-01", "failed"), {}, "w2")},
        failures={"bench-c": "no worker owns bench bench-c"},
    )
    chosen = site.select([])
    merge(run_dir, site, "erase", chosen, collected, "tcp://127.0.0.1:1")
    results = render(run_dir)
    phones = {p.name: p for p in results.phones}
    assert {n: (p.bench, p.outcome) for n, p in phones.items()} == {
        "bench-a/desk-01": ("bench-a", "passed"), "bench-b/desk-01": ("bench-b", "failed"),
        "bench-c/desk-09": ("bench-c", "error")}
    assert phones["bench-c/desk-09"].reason == "no worker owns bench bench-c"
    assert phones["bench-a/desk-01"].steps[0].detail == "SEP001D705F0000 on Gi1/0/1"
    assert results.bench == "lab-east" and results.summary["passed"] == 1
    assert json.loads((run_dir / "results.json").read_text())["phones"][0]["bench"] == "bench-a"
    assert (run_dir / "console" / "bench-a" / "desk-01.log").read_text() == "boot\n"
    assert (run_dir / "files" / "bench-a" / "desk-01" / "ITLSEP001D705F0000.tlv").read_bytes() == b"itl"
    assert 'href="files/bench-a/desk-01/ITLSEP001D705F0000.tlv"' in (run_dir / "report.html").read_text()
    assert "bench-b/desk-01" in (run_dir / "junit.xml").read_text()
    assert (run_dir / "report.html").is_file()


# --- on a local Dask cluster -----------------------------------------------------------------------

def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, env=env, cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT)


def _stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {**os.environ, "RIG_LEASE_DIR": str(tmp_path_factory.mktemp("leases"))}


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Iterator[str]:
    """A Dask scheduler on loopback, no dashboard; its address."""
    where = tmp_path_factory.mktemp("scheduler")
    info = where / "scheduler.json"
    process = _spawn([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                      "--scheduler-file", str(info)], env, where / "scheduler.log")
    try:
        wait_for(lambda: info.is_file() and info.stat().st_size > 0, 30, "the scheduler")
        yield json.loads(info.read_text())["address"]
    finally:
        _stop(process)


def test_a_bench_no_worker_owns_is_reported_not_waited_on(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site = write_site(tmp_path, {"a": real_bench("bench-a", ["desk-01", "desk-02"])})
    started = time.monotonic()
    code = run_on_cluster(scheduler, site, "erase", [], tmp_path / "runs", json_out=True)
    assert time.monotonic() - started < 10
    assert code == 1
    captured = capsys.readouterr()
    assert "bench-a/desk-02 error: no worker owns bench bench-a" in captured.err, "progress goes to stderr with --json"
    doc = json.loads(captured.out)
    assert {p["name"]: p["outcome"] for p in doc["phones"]} == {"bench-a/desk-01": "error", "bench-a/desk-02": "error"}
    assert doc["phones"][0]["reason"].startswith("no worker owns bench bench-a")


def test_rig_worker_with_a_bad_config_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rig.cli import main

    (tmp_path / "bad.yaml").write_text("bench: x\nswitchs: {}\n")
    monkeypatch.setattr(sys, "argv", ["rig", "worker", "--scheduler", "tcp://127.0.0.1:9",
                                      "--config", str(tmp_path / "bad.yaml")])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip() == (f"rig: error: {tmp_path / 'bad.yaml'}: switchs: unknown key "
                                               "(did you mean 'switches'?)")


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"a": real_bench("bench-a", ["desk-01"])}, "timeouts: {connect: 0.3}\n")
    with pytest.raises(RigError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        run_on_cluster("tcp://127.0.0.1:9", site, "erase", [], tmp_path / "runs", json_out=True)


@pytest.fixture(scope="module")
def workers(scheduler: str, tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Iterator[Path]:
    """Two small simulated benches: east served by `rig worker`, west by a plain `dask worker`
    (same as `dask worker`; run as a module so the repo's files are importable from its checkout)
    that finds its bench through RIG_BENCH_CONFIG. Returns the site file naming both."""
    where = tmp_path_factory.mktemp("site")
    site = write_site(where, {"east": sim_bench("east"), "west": sim_bench("west")})
    processes = [
        _spawn([sys.executable, "-m", "rig", "worker", "--scheduler", scheduler, "--host", "127.0.0.1",
                "--config", str(where / "east.yaml")], env, where / "worker-east.log"),
        _spawn([sys.executable, "-m", "distributed.cli.dask_worker", scheduler, "--host", "127.0.0.1",
                "--no-nanny", "--no-dashboard", "--nthreads", "1", "--resources", "bench-west=1"],
               {**env, "RIG_BENCH_CONFIG": str(where / "west.yaml")}, where / "worker-west.log"),
    ]
    try:
        from distributed import Client

        with Client(scheduler, set_as_default=False) as client:
            wait_for(lambda: {"bench-east", "bench-west"} <= owned_benches(client), 30, "both workers")
        yield site
    finally:
        _stop(*processes)


def test_each_bench_runs_on_its_own_worker_into_one_merged_run(
    workers: Path, scheduler: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_on_cluster(scheduler, workers, "erase", [], tmp_path / "runs", json_out=False)
    out = capsys.readouterr().out
    assert code == 0, out
    for phone in ("east/desk-01", "east/desk-02", "west/desk-01", "west/desk-02"):
        assert f"{phone} passed" in out
    (run_dir,) = (tmp_path / "runs").iterdir()
    results = json.loads((run_dir / "results.json").read_text())
    assert results["summary"]["passed"] == 4
    assert {p["bench"] for p in results["phones"]} == {"east", "west"}
    events = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    workers_seen = {e["bench"]: e["worker"] for e in events if e["event"] == "bench_worker"}
    assert len(set(workers_seen.values())) == 2, "each bench ran on the worker that owns it"
    assert (run_dir / "junit.xml").is_file() and (run_dir / "report.html").is_file()


def test_a_bench_whose_worker_dies_mid_job_is_reported_not_waited_on(
    scheduler: str, env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from distributed import Client

    site = write_site(tmp_path, {"north": sim_bench("north")})
    worker = _spawn([sys.executable, "-m", "rig", "worker", "--scheduler", scheduler, "--host", "127.0.0.1",
                     "--config", str(tmp_path / "north.yaml")], env, tmp_path / "worker.log")
    try:
        with Client(scheduler, set_as_default=False) as client:
            wait_for(lambda: "bench-north" in owned_benches(client), 30, "the worker")

            def kill_once_busy() -> None:
                wait_for(lambda: any(client.processing().values()), 30, "the job to start")
                worker.kill()

            killer = threading.Thread(target=kill_once_busy)
            killer.start()
            code = run_on_cluster(scheduler, site, "erase", [], tmp_path / "runs", json_out=False)
            killer.join()
    finally:
        _stop(worker)
    assert code == 1
    out = capsys.readouterr().out
    for phone in ("north/desk-01", "north/desk-02"):
        assert f"{phone} error: the worker of bench north left before the job finished" in out


def test_a_job_that_fails_on_its_worker_is_reported_with_the_workers_error(
    workers: Path, scheduler: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bigger = sim_bench("east").replace("phones: 2", "phones: 3")  # this copy differs from the worker's
    site = write_site(tmp_path, {"east": bigger})
    code = run_on_cluster(scheduler, site, "erase", ["east/desk-03"], tmp_path / "runs", json_out=False)
    assert code == 1
    out = capsys.readouterr().out
    assert "east/desk-03 error: the job on bench east failed: " in out
    assert "east.yaml: bench east has no phone named 'desk-03'" in out


def test_ctrl_c_on_the_client_stops_the_benches_and_still_merges_the_run(
    workers: Path, scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import _thread

    import rig.cluster.client

    printer = rig.cluster.client._progress_printer

    def interrupting_printer(out):  # one Ctrl-C as soon as the first phone has finished
        show, pressed = printer(out), threading.Event()

        def handler(event):
            show(event)
            if not pressed.is_set():
                pressed.set()
                _thread.interrupt_main()

        return handler

    monkeypatch.setattr(rig.cluster.client, "_progress_printer", interrupting_printer)
    code = run_on_cluster(scheduler, workers, "erase", [], tmp_path / "runs", json_out=False)
    assert code == 130
    (run_dir,) = (tmp_path / "runs").iterdir()
    results = json.loads((run_dir / "results.json").read_text())
    assert results["interrupted"] is True
    assert len(results["phones"]) == 4


def test_rig_erase_cluster_runs_the_chosen_phones_and_prints_the_json_summary(
    workers: Path, scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rig.cli import main

    monkeypatch.setattr(sys, "argv", ["rig", "erase", "east/desk-01", "--cluster", scheduler, "--config", str(workers),
                                      "--json", "--runs-dir", str(tmp_path / "runs")])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    assert exited.value.code == 0, captured.err
    doc = json.loads(captured.out)
    assert [(p["name"], p["bench"], p["outcome"]) for p in doc["phones"]] == [("east/desk-01", "east", "passed")]
    assert "east/desk-01 passed" in captured.err
