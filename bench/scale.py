"""Scaling benchmark: `rig erase` on simulated benches of 1 to 240 phones, against targets.

The simulated bench runs in processes of its own, one per switch (`python -m rig.sim.multiproc`),
so the figures are the controller's: wall time, its ratio to the single-phone floor (one phone's
boot, erase and fetch cannot go faster), controller CPU seconds per phone, the marginal CPU of
each phone added to the single-phone run, SSH command lines the switches received per phone, the
controller's voluntary context switches per phone (each wait that blocked: a thread that finds
the interpreter lock taken waits too, so they show how much the controller's threads contend), and
peak RSS. A second part (bench/tap_load.py) loads the TFTP tap with N phones fetching a 7942's
real image set at once, at the phone's block size and at 512, against the same load direct; a
third (bench/tap_workers.py) the same load from curl phones through the tap in 1 and 2 workers.

    python bench/scale.py                      # table, targets met or missed
    python bench/scale.py --json               # {"rows": [...], "tap": [...], "tap_workers": {...}, "targets": {...}}
    python bench/scale.py --sizes 1,8
    python bench/scale.py --image-kb real      # each image at its published size (9.57 MB a phone)
    python bench/scale.py --sizes 1,1000       # the 1000-phone row (20 switches)
    python bench/scale.py --quick              # 1 and 8 phones, small tap loads: a smoke run
    python bench/scale.py --tap-cache-mb 0     # the runs with the tap's image cache off
    python bench/scale.py --tap-workers 2      # the runs with the tap in 2 worker processes
    RIG_SCALE_KEEP=DIR python bench/scale.py   # each run's directory kept in DIR (run-<phones>)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from tap_load import TapLoad, measure as tap_measure  # bench/tap_load.py: bench/ is on the path of its scripts
from tap_workers import WorkersLoad, measure as workers_measure

from rig.record.events import RunOpening, StepDone, TftpFetch
from rig.record.journal import parse_iso, read_events

TIME_SCALE = 0.05
SHAPES = [(1, 1), (8, 1), (48, 2), (240, 5), (1000, 20)]
DEFAULT_SIZES = "1,8,48,240"
TARGETS = {48: 1.25, 240: 1.5, 1000: 2.0}
"""Wall time as a ratio of the single phone's."""
MARGINAL_CPU_MS = {240: 40.0, 1000: 25.0}
"""Controller CPU per phone added to the single-phone run, for the largest row."""
SSH_CMDS_PER_PHONE = 1.0
"""Command lines the switches received per phone, at 240 phones."""
PEAK_RSS_MB = {240: 200.0, 1000: 400.0}
TAP_SHARE = 0.9
"""The tap's aggregate rate as a share of the same load direct, at the phone's block size."""
TAP_CPU_MS_PER_MB = {1428: 8.0, 512: 20.0}
"""Tap CPU per MB relayed, at the phone's negotiated block size and at 512."""
TAP_WORKERS_RATIO = 1.7
"""The tap's aggregate rate with 2 workers as a ratio of one worker's, at the phone's block size."""
TAP_PHONES = 8
"""Phones fetching the real image set at once in the tap load."""
SESSIONS_PER_SWITCH = 8  # of the 16 vty lines an IOS switch offers (opened only when all are busy)
RIG = [sys.executable, "-m", "rig"]


@dataclass
class Row:
    phones: int
    switches: int
    wall_s: float
    ratio: float
    cpu_s_per_phone: float
    peak_rss_mb: float
    passed: int
    sim_cpu_s: float
    ssh_cmds_per_phone: float
    marginal_cpu_ms: float | None
    waits_per_phone: float
    steps: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Per step: median start (seconds from run_started) and median duration over the phones."""
    fetched_mb: dict[str, float] = field(default_factory=dict)
    """MB the phones fetched through the tap, by source: "cache" (the tap's image cache) or "relayed"."""


def sim_config(path: Path, phones: int, switches: int, image_kb: int | str, time_scale: float) -> None:
    """A simulated bench of stale-ITL phones (the case that needs the full erase and upgrade)."""
    path.write_text(
        yaml.safe_dump(
            {
                "bench": f"scale-{phones}",
                "simulation": {
                    "phones": phones,
                    "switches": switches,
                    "scenarios": {"stale_itl": phones},
                    "time_scale": time_scale,
                    "image_kb": image_kb,
                },
            }
        )
    )


def serve_sim(
    workdir: Path, phones: int, switches: int, image_kb: int | str, time_scale: float
) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """The simulated bench, one process per switch; its config and where its counts will be."""
    source, written, counts = workdir / "sim.yaml", workdir / "bench.yaml", workdir / "counts.json"
    sim_config(source, phones, switches, image_kb, time_scale)
    proc = subprocess.Popen(
        [sys.executable, "-m", "rig.sim.multiproc", "--config", str(source), "--write-config", str(written),
         "--shards", str(switches), "--counts", str(counts)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not written.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the simulator did not come up: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.1)
    return proc, written, counts


def erase(config: Path, workdir: Path, max_phones: int, tap: dict[str, object] | None = None
          ) -> tuple[float, float, float, int, int]:
    """Run `rig erase` as a child; wall seconds, CPU seconds, peak RSS MB and voluntary context
    switches from wait4, phones passed. `tap`: `tftp_tap` settings over the config's
    (`image_cache_mb`, `workers`)."""
    document = yaml.safe_load(config.read_text())
    document["tftp_tap"].update(tap or {})
    document["parallel"] = {
        "max_phones": max_phones,
        "powerup_per_switch": max_phones,
        "sessions_per_switch": SESSIONS_PER_SWITCH,
    }
    config.write_text(yaml.safe_dump(document))
    env = dict(os.environ, RIG_LEASE_DIR=str(workdir / "leases"))
    start = time.monotonic()
    proc = subprocess.Popen(
        [*RIG, "erase", "--config", str(config), "--runs-dir", str(workdir / "runs"), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    summary = json.loads(out or b"{}").get("summary", {})
    return (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, int(summary.get("passed", 0)),
            usage.ru_nvcsw)


@dataclass
class Measured:
    wall_s: float
    cpu_s: float
    rss_mb: float
    passed: int
    sim_cpu_s: float
    ssh_commands: int
    waits: int
    steps: dict[str, tuple[float, float]]
    fetched_mb: dict[str, float]


def step_medians(runs: Path) -> dict[str, tuple[float, float]]:
    """Where a run's wall time went, from its journal: each step's median start after
    run_started and its median duration, in seconds, in the order the steps ran."""
    journals = list(runs.glob("*/journal.jsonl"))
    if not journals:
        return {}
    events = read_events(journals[0])
    opened = next(parse_iso(e.at) for e in events if isinstance(e, RunOpening))
    spans: dict[str, list[tuple[float, float]]] = {}
    for e in events:
        if isinstance(e, StepDone):
            start = (parse_iso(e.started) - opened).total_seconds()
            spans.setdefault(e.name, []).append((start, (parse_iso(e.ended) - opened).total_seconds() - start))
    return {name: (round(statistics.median(s for s, _ in v), 2), round(statistics.median(d for _, d in v), 2))
            for name, v in spans.items()}


def fetched_mb(runs: Path) -> dict[str, float]:
    """MB of the phones' successful fetches in a run's journal, by the tap's source."""
    journals = list(runs.glob("*/journal.jsonl"))
    totals: dict[str, float] = {}
    for event in read_events(journals[0]) if journals else []:
        if isinstance(event, TftpFetch) and event.ok:
            source = event.source or "relayed"
            totals[source] = round(totals.get(source, 0.0) + event.bytes / 1e6, 2)
    return totals


def measure(phones: int, switches: int, image_kb: int | str, time_scale: float, tap: dict[str, object] | None = None
            ) -> Measured:
    """Controller wall s, CPU s, peak RSS MB, phones passed; the simulator's CPU s (every process
    of it) and the command lines its switches received (-1 when it could not tell)."""
    with tempfile.TemporaryDirectory(prefix="rig-scale-") as tmp:
        workdir = Path(tmp)
        proc, written, counts = serve_sim(workdir, phones, switches, image_kb, time_scale)
        try:
            wall, cpu, rss, passed, waits = erase(written, workdir, max_phones=phones, tap=tap)
            steps = step_medians(workdir / "runs")
            if os.environ.get("RIG_SCALE_KEEP"):  # each run's directory, to read (or render again) afterwards
                for run in (workdir / "runs").glob("*/journal.jsonl"):
                    shutil.copytree(run.parent, Path(os.environ["RIG_SCALE_KEEP"]) / f"run-{phones}", dirs_exist_ok=True)
            fetched = fetched_mb(workdir / "runs")
        finally:
            proc.send_signal(signal.SIGINT)
            _, _, usage = os.wait4(proc.pid, 0)
        received = json.loads(counts.read_text()) if counts.exists() else {}
        inside = ("interface range", "power inline never", "power inline auto", "end")  # of a config session
        commands = sum(n for switch in received.values() for c, n in switch.items() if c not in inside) if received else -1
        if os.environ.get("RIG_SCALE_COMMANDS"):
            print(json.dumps(received, indent=1), file=sys.stderr)
        # wait4's figure includes the shard processes: the simulator joins them before it exits
        return Measured(wall, cpu, rss, passed, usage.ru_utime + usage.ru_stime, commands, waits, steps, fetched)


def targets(rows: list[Row], tap: list[TapLoad], workers: WorkersLoad | None = None) -> dict[str, dict[str, object]]:
    """Each target, the figure measured for it (the largest bench run for per-phone figures) and
    whether it was met."""
    largest = rows[-1]
    found: dict[str, tuple[float | None, float, bool]] = {
        f"ratio_{r.phones}": (r.ratio, TARGETS[r.phones], r.ratio <= TARGETS[r.phones])
        for r in rows if r.phones in TARGETS
    }
    if largest.phones in MARGINAL_CPU_MS:
        marginal, goal = largest.marginal_cpu_ms, MARGINAL_CPU_MS[largest.phones]
        found[f"marginal_cpu_ms_{largest.phones}"] = (marginal, goal, marginal is not None and marginal <= goal)
        rss, goal = largest.peak_rss_mb, PEAK_RSS_MB[largest.phones]
        found[f"peak_rss_mb_{largest.phones}"] = (rss, goal, rss <= goal)
        found[f"passed_{largest.phones}"] = (largest.passed, largest.phones, largest.passed == largest.phones)
    if largest.phones == 240:
        found["ssh_cmds_per_phone"] = (largest.ssh_cmds_per_phone, SSH_CMDS_PER_PHONE,
                                       0 <= largest.ssh_cmds_per_phone <= SSH_CMDS_PER_PHONE)
    for load in tap:
        goal = TAP_CPU_MS_PER_MB[load.blksize]
        found[f"tap_cpu_ms_per_mb_{load.blksize}"] = (load.tap_cpu_ms_per_mb, goal, load.tap_cpu_ms_per_mb <= goal)
        copies = round(load.upstream_mb / load.distinct_images_mb, 2)
        found[f"upstream_image_copies_{load.blksize}"] = (copies, 1.0, copies <= 1.0)
    if tap:
        found["tap_share"] = (tap[0].share, TAP_SHARE, tap[0].share >= TAP_SHARE)
    if workers is not None:
        found["tap_workers_ratio"] = (workers.ratio, TAP_WORKERS_RATIO, workers.ratio >= TAP_WORKERS_RATIO)
        found["tap_workers_share"] = (workers.share_two, TAP_SHARE, workers.share_two >= TAP_SHARE)
        copies = round(workers.upstream_image_mb_two / workers.distinct_images_mb, 2)
        found["upstream_image_copies_workers"] = (copies, 1.0, copies <= 1.0)
    return {name: {"measured": m, "target": t, "met": ok} for name, (m, t, ok) in found.items()}


def image_size(value: str) -> int | str:
    """`--image-kb`: KB of every image, or "real" (each at its published size)."""
    return value if value == "real" else int(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print machine-readable figures")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="phone counts to run (1, 8, 48, 240, 1000)")
    parser.add_argument("--image-kb", type=image_size, default=16, help="KB of each firmware image, or real")
    parser.add_argument("--time-scale", type=float, default=TIME_SCALE, help="real seconds per device second")
    parser.add_argument("--tap-phones", type=int, default=TAP_PHONES, help="phones at once in the tap load (0: none)")
    parser.add_argument("--tap-runs", type=int, default=3, help="runs of each tap load (best of)")
    parser.add_argument("--tap-cache-mb", type=int, default=None,
                        help="the tap's image_cache_mb in the runs (0: every image relayed; default: the config's)")
    parser.add_argument("--tap-workers", default=None,
                        help="the tap's workers in the runs (a number or auto; default: the config's)")
    parser.add_argument("--quick", action="store_true", help="1 and 8 phones, a 2-phone tap load of 64 KB images")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.tap_phones, args.tap_runs = "1,8", 2, 1
    wanted = {int(x) for x in args.sizes.split(",")}
    rows: list[Row] = []
    floor: Measured | None = None
    tap_settings: dict[str, object] = {
        **({"image_cache_mb": args.tap_cache_mb} if args.tap_cache_mb is not None else {}),
        **({"workers": args.tap_workers if args.tap_workers == "auto" else int(args.tap_workers)}
           if args.tap_workers is not None else {})}
    for phones, switches in SHAPES:
        if phones not in wanted and phones != 1:
            continue
        m = measure(phones, switches, args.image_kb, args.time_scale, tap_settings)
        floor = floor or m
        marginal = round((m.cpu_s - floor.cpu_s) / (phones - 1) * 1000, 1) if phones > 1 else None
        rows.append(Row(phones, switches, round(m.wall_s, 2), round(m.wall_s / floor.wall_s, 2),
                        round(m.cpu_s / phones, 4), round(m.rss_mb, 1), m.passed, round(m.sim_cpu_s, 1),
                        round(m.ssh_commands / phones, 2), marginal, round(m.waits / phones), m.steps,
                        m.fetched_mb))
        if not args.json:
            print(f"  measured {phones} phones: {m.wall_s:.1f} s", file=sys.stderr)
    sizes = 65536 if args.quick else "real"
    tap = [tap_measure(args.tap_phones, blksize, sizes, args.tap_runs) for blksize in TAP_CPU_MS_PER_MB] \
        if args.tap_phones else []
    workers = workers_measure(args.tap_phones, 1428, sizes, args.tap_runs, 1 if args.quick else 2) \
        if args.tap_phones else None
    goals = targets(rows, tap, workers)
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in rows], "tap": [asdict(t) for t in tap],
                          "tap_workers": asdict(workers) if workers else None, "targets": goals}))
        return
    print(f"time scale {args.time_scale} (a 90 s boot = {90 * args.time_scale:.1f} s), images {args.image_kb} KB")
    print(f"{'phones':>6} {'switches':>8} {'wall s':>7} {'ratio':>6} {'CPU s/phone':>11} {'marginal ms':>11} "
          f"{'SSH/phone':>9} {'waits/phone':>11} {'peak RSS MB':>11} {'passed':>6} {'sim CPU s':>9}")
    for r in rows:
        marginal = f"{r.marginal_cpu_ms:.1f}" if r.marginal_cpu_ms is not None else "-"
        print(f"{r.phones:>6} {r.switches:>8} {r.wall_s:>7.2f} {r.ratio:>6.2f} {r.cpu_s_per_phone:>11.4f} "
              f"{marginal:>11} {r.ssh_cmds_per_phone:>9.2f} {r.waits_per_phone:>11.0f} {r.peak_rss_mb:>11.1f} "
              f"{r.passed:>6} {r.sim_cpu_s:>9.1f}")
    print("steps, median start after run_started + median duration, seconds:")
    for r in rows:
        spans = (f"{name} {start:.2f}+{took:.2f}" for name, (start, took) in r.steps.items())
        print(f"{r.phones:>6}  " + "  ".join(spans))
    for r in rows:
        print(f"{r.phones:>6}  MB fetched through the tap: {r.fetched_mb}")
    for t in tap:
        print(f"tap, {t.phones} phones at once, blksize {t.blksize}: {t.mb_relayed} MB relayed, "
              f"{t.tap_mb_s} MB/s (direct {t.direct_mb_s}, {t.share}x; without the cache {t.uncached_mb_s}), "
              f"{t.tap_cpu_ms_per_mb} ms CPU/MB (without the cache {t.uncached_cpu_ms_per_mb}), "
              f"{t.upstream_mb} MB of images from upstream ({t.distinct_images_mb} distinct; direct "
              f"{t.upstream_mb_direct}), upstream CPU {t.upstream_cpu_s} s (direct {t.upstream_cpu_s_direct})")
    if workers is not None:
        w = workers
        print(f"tap workers, {w.phones} curl phones at once, blksize {w.blksize}: 1 worker {w.one_worker_mb_s} MB/s "
              f"({w.tap_cpu_ms_per_mb_one} ms CPU/MB), 2 workers {w.two_workers_mb_s} MB/s ({w.tap_cpu_ms_per_mb_two} "
              f"ms CPU/MB), {w.ratio}x; direct {w.direct_mb_s} MB/s ({w.share_two}x); the phones' CPU "
              f"{w.client_cpu_ms_per_mb} ms/MB; {w.upstream_image_mb_two} MB of images from upstream "
              f"({w.distinct_images_mb} distinct)")
    for name, goal in goals.items():
        print(f"  {name}: {goal['measured']} (target {goal['target']}) {'met' if goal['met'] else 'MISSED'}")


if __name__ == "__main__":
    main()
