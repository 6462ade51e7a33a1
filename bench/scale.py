"""Scaling benchmark: `rig erase` on simulated benches of 1 to 240 phones.

The simulated bench runs in its own process (`rig sim --write-config`), so the figures are the
controller's alone: wall time, its ratio to the single-phone floor (one phone's boot, erase and
fetch cannot go faster), controller CPU seconds per phone and peak RSS. A second part measures
the TFTP tap's transfer rate against a direct transfer on loopback.

    python bench/scale.py            # table
    python bench/scale.py --json     # {"rows": [...], "tftp": {...}}
    python bench/scale.py --sizes 1,8 --quick
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import tftpy
import yaml

from drivers.tftp_tap import TftpTap

TIME_SCALE = 0.05  # at 0.01 the one-process simulator of 240 phones starves its own TFTP
SHAPES = [(1, 1), (8, 1), (48, 2), (240, 5)]
TARGETS = {48: 1.25, 240: 1.5}
SESSIONS_PER_SWITCH = 8  # of the 16 vty lines an IOS switch offers
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


def sim_config(path: Path, phones: int, switches: int, image_kb: int, time_scale: float) -> None:
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
    workdir: Path, phones: int, switches: int, image_kb: int, time_scale: float
) -> tuple[subprocess.Popen[bytes], Path]:
    source, written = workdir / "sim.yaml", workdir / "bench.yaml"
    sim_config(source, phones, switches, image_kb, time_scale)
    proc = subprocess.Popen(
        [*RIG, "sim", "--config", str(source), "--write-config", str(written)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not written.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"rig sim did not come up: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.1)
    return proc, written


def erase(config: Path, workdir: Path, max_phones: int) -> tuple[float, float, float, int]:
    """Run `rig erase` as a child; wall seconds, CPU seconds, peak RSS MB from wait4, phones passed."""
    document = yaml.safe_load(config.read_text())
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
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, int(summary.get("passed", 0))


def measure(phones: int, switches: int, image_kb: int, time_scale: float) -> tuple[float, float, float, int, float]:
    """Controller wall s, CPU s, peak RSS MB, phones passed; and the simulator's CPU s."""
    with tempfile.TemporaryDirectory(prefix="rig-scale-") as tmp:
        workdir = Path(tmp)
        proc, written = serve_sim(workdir, phones, switches, image_kb, time_scale)
        try:
            wall, cpu, rss, passed = erase(written, workdir, max_phones=phones)
        finally:
            proc.send_signal(signal.SIGINT)
            _, _, usage = os.wait4(proc.pid, 0)
        return wall, cpu, rss, passed, usage.ru_utime + usage.ru_stime


def tftp_rates(size_mb: int = 2, runs: int = 3) -> dict[str, float]:
    """MB/s (best of `runs`) of a download straight from a TFTP server and through the tap.

    All parties share this process (and its GIL), so the tap's figure is a pessimistic one: on a
    bench the phones' own round trips dominate.
    """
    logging.getLogger("tftpy").setLevel(logging.CRITICAL)
    payload = os.urandom(size_mb * 1024 * 1024)

    def rate(address: tuple[str, int]) -> float:
        best = float("inf")
        for _ in range(runs):
            out = io.BytesIO()
            start = time.perf_counter()
            tftpy.TftpClient(*address, options={"blksize": 1428}).download("image.sbn", out, timeout=2)
            best = min(best, time.perf_counter() - start)
            assert out.getvalue() == payload
        return round(size_mb * 1.048576 / best, 2)

    with tempfile.TemporaryDirectory() as root:
        Path(root, "image.sbn").write_bytes(payload)
        server = tftpy.TftpServer(root)
        threading.Thread(target=server.listen, args=("127.0.0.1", 0), daemon=True).start()
        server.is_running.wait(5)
        upstream = ("127.0.0.1", server.listenport)
        try:
            direct = rate(upstream)
            with TftpTap(("127.0.0.1", 0), upstream, keep_bytes=0) as tap:
                through = rate(tap.address)
        finally:
            server.stop(now=True)
    return {"tap_mb_s": through, "direct_mb_s": direct}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print machine-readable figures")
    parser.add_argument("--sizes", default=",".join(str(p) for p, _ in SHAPES), help="phone counts to run")
    parser.add_argument("--image-kb", type=int, default=16, help="size of each firmware image")
    parser.add_argument("--time-scale", type=float, default=TIME_SCALE, help="real seconds per device second")
    args = parser.parse_args()
    wanted = {int(x) for x in args.sizes.split(",")}
    rows: list[Row] = []
    floor = None
    for phones, switches in SHAPES:
        if phones not in wanted and phones != 1:
            continue
        wall, cpu, rss, passed, sim_cpu = measure(phones, switches, args.image_kb, args.time_scale)
        floor = floor or wall
        rows.append(
            Row(phones, switches, round(wall, 2), round(wall / floor, 2), round(cpu / phones, 4),
                round(rss, 1), passed, round(sim_cpu, 1))
        )
        if not args.json:
            print(f"  measured {phones} phones: {wall:.1f} s", file=sys.stderr)
    tftp = tftp_rates()
    if args.json:
        print(json.dumps({"rows": [{k: v for k, v in asdict(r).items() if k not in ("passed", "sim_cpu_s")} for r in rows], "tftp": tftp}))
        return
    print(f"time scale {args.time_scale} (a 90 s boot = {90 * args.time_scale:.1f} s), images {args.image_kb} KB")
    print(f"{'phones':>6} {'switches':>8} {'wall s':>7} {'ratio':>6} {'target':>6} {'CPU s/phone':>11} {'peak RSS MB':>11} {'passed':>6} {'sim CPU s':>9}")
    for r in rows:
        target = f"{TARGETS[r.phones]:.2f}" if r.phones in TARGETS else "-"
        print(f"{r.phones:>6} {r.switches:>8} {r.wall_s:>7.2f} {r.ratio:>6.2f} {target:>6} {r.cpu_s_per_phone:>11.4f} {r.peak_rss_mb:>11.1f} {r.passed:>6} {r.sim_cpu_s:>9.1f}")
    print(f"TFTP: through tap {tftp['tap_mb_s']} MB/s, direct {tftp['direct_mb_s']} MB/s")


if __name__ == "__main__":
    main()
