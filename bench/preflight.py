"""Preflight speed: `rig preflight` of 48 simulated phones on 2 switches against 8 on 1.

Issue 11's target: the 48-phone preflight takes at most twice the time of the 8-phone one
(checks run in parallel per switch and per phone). The simulated bench is served by
`rig sim --write-config` in a process of its own, so the figure is the controller's: the wall
time of `rig preflight --json` as a child process (its start-up included), best of `--runs`.

    python bench/preflight.py            # table and ratio
    python bench/preflight.py --json     # {"rows": [{"phones", "switches", "wall_s", "ready"}], "ratio", "target"}
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

SHAPES = [(8, 1), (48, 2)]
TARGET = 2.0
"""Wall time of the 48-phone preflight as a ratio of the 8-phone one."""
TIME_SCALE = 0.05
RIG = [sys.executable, "-m", "rig"]
START_TIMEOUT_S = 120.0


@dataclass
class Row:
    phones: int
    switches: int
    wall_s: float
    ready: int


def serve(workdir: Path, phones: int, switches: int) -> tuple[subprocess.Popen[bytes], Path]:
    """`rig sim --write-config` in its own process; its written config once it is up."""
    source, written = workdir / "sim.yaml", workdir / "bench.yaml"
    source.write_text(yaml.safe_dump({"bench": f"preflight-{phones}", "simulation": {
        "phones": phones, "switches": switches, "time_scale": TIME_SCALE, "image_kb": 4, "keypad": "http_execute"}}))
    proc = subprocess.Popen([*RIG, "sim", "--config", str(source), "--write-config", str(written)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not written.exists():  # the simulator writes its config once every box listens
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the simulator did not come up: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.1)
    return proc, written


def preflight(config: Path) -> tuple[float, int]:
    """Wall seconds of one `rig preflight --json` and how many phones it found ready."""
    start = time.monotonic()
    done = subprocess.run([*RIG, "preflight", "--config", str(config), "--json"], capture_output=True,
                          env=dict(os.environ, RIG_LEASE_DIR=str(config.parent / "leases")))
    wall = time.monotonic() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"rig preflight failed ({done.returncode}): {done.stderr.decode().strip()}")
    return wall, sum(p["ready"] for p in json.loads(done.stdout)["phones"])


def measure(phones: int, switches: int, runs: int) -> Row:
    with tempfile.TemporaryDirectory(prefix="rig-bench-preflight-") as tmp:
        proc, config = serve(Path(tmp), phones, switches)
        try:
            results = [preflight(config) for _ in range(runs)]
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    wall, ready = min(results)
    return Row(phones, switches, round(wall, 2), ready)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--runs", type=int, default=3, help="preflights per bench; the best counts")
    args = parser.parse_args()
    rows = [measure(phones, switches, args.runs) for phones, switches in SHAPES]
    ratio = round(rows[-1].wall_s / rows[0].wall_s, 2)
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in rows], "ratio": ratio, "target": TARGET}))
        return
    print("| phones | switches | wall s | ready |")
    print("|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row.phones} | {row.switches} | {row.wall_s:.2f} | {row.ready} |")
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"ratio {rows[-1].phones} / {rows[0].phones} phones: {ratio:.2f} (target <= {TARGET}: {verdict})")


if __name__ == "__main__":
    main()
