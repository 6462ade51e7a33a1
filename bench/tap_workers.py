"""The tap in one worker process or in two: does a second worker raise the tap's throughput?

N phones at once fetch a 7942's real load (its `.loads` file and five images, 9.57 MB:
`rig.sim.loads.REAL_SIZES`) `repeat` times, direct from the simulator's load server and through
the tap (rig.drivers.tftp_tap_process, `workers` 1 and 2, image cache on). The phones are `curl`
processes (C, TFTP with `--tftp-blksize`, one an address 127.0.1.N), so the load generator costs
less than bench/tap_load.py's Python phones; it still costs CPU on the same machine, which this
script measures too (`client_cpu_ms_per_mb`): on 2 cores the tap's workers, the phones and the
kernel's loopback share two cores, which is what limits the ratio (docs/performance.md).

Reported for each: aggregate MB/s (every byte the phones got over the span from the first start to
the last end), the tap's CPU ms per MB (all its workers), the phones' CPU ms per MB, and the image
bytes read from upstream (the tap's fill records). Direct, 1 worker and 2 workers alternate, best
of `runs` each.

    python bench/tap_workers.py [--phones 8] [--blksize 1428] [--runs 3] [--repeat 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from dataclasses import asdict, dataclass

import psutil
from tap_load import CACHE_BYTES, Pass, child_process, cpu_seconds  # bench/tap_load.py: bench/ is on the path of its scripts

from rig.drivers.tftp_records import TftpTransfer
from rig.drivers.tftp_tap_process import TftpTapProcess
from rig.sim.load_server import SimLoadServer
from rig.sim.loads import NEW_LOAD, ImageSizes, load_file

WORKER = "rig.drivers.tftp_tap_worker"


@dataclass
class CurlPass(Pass):
    """bench/tap_load.py's figures of one load, and what its curl phones cost."""

    client_cpu_s: float = 0.0


@dataclass
class WorkersLoad:
    """Best of the runs for each way (direct, 1 worker, 2 workers) at one block size."""

    phones: int
    blksize: int
    mb_per_pass: float
    direct_mb_s: float
    one_worker_mb_s: float
    two_workers_mb_s: float
    ratio: float
    """Two workers' MB/s over one worker's."""
    share_two: float
    """Two workers' MB/s over direct's, same phones at once."""
    tap_cpu_ms_per_mb_one: float
    tap_cpu_ms_per_mb_two: float
    client_cpu_ms_per_mb: float
    """The curl phones' CPU per MB they got (through the tap with 2 workers)."""
    upstream_image_mb_two: float
    """Image MB the 2 workers read from upstream in a pass (the most of the runs): one copy is
    `distinct_images_mb`, however often the phones fetch the load."""
    distinct_images_mb: float
    upstream_image_mb_direct: float
    upstream_cpu_s_two: float
    upstream_cpu_s_direct: float


def curl_phones(address: tuple[str, int], phones: int, blksize: int, names: list[str]) -> tuple[float, float, float]:
    """`phones` curl processes at once, each fetching `names` in order from its own address;
    (MB fetched, seconds from the first start to the last end, their CPU seconds)."""
    args = [arg for name in names for arg in ("-o", "/dev/null", f"tftp://{address[0]}:{address[1]}/{name}")]
    start = time.monotonic()
    procs = [subprocess.Popen(["curl", "-sS", "--interface", f"127.0.1.{n + 1}", "--tftp-blksize", str(blksize),
                               "-w", "%{size_download}\n", *args], stdout=subprocess.PIPE, text=True)
             for n in range(phones)]
    total, cpu = 0, 0.0
    for proc in procs:
        _, status, usage = os.wait4(proc.pid, 0)
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise SystemExit(f"a phone failed (curl exit {proc.returncode})")
        total += sum(int(x) for x in out.split())
        cpu += usage.ru_utime + usage.ru_stime
    return total / 1e6, time.monotonic() - start, cpu


def one_pass(upstream: tuple[str, int], phones: int, blksize: int, names: list[str], workers: int | None,
             server: psutil.Process, images_mb: float) -> CurlPass:
    """The load direct (`workers` None) or through a tap of `workers` processes; `server`:
    upstream's process; `images_mb`: of the images in `names`."""
    server_before = cpu_seconds(server)
    if workers is None:
        mb, seconds, clients = curl_phones(upstream, phones, blksize, names)
        return CurlPass(mb, seconds, 0.0, phones * images_mb, cpu_seconds(server) - server_before, clients)
    records: list[TftpTransfer] = []
    with TftpTapProcess(("127.0.0.1", 0), upstream, on_transfer=records.append, keep_bytes=0,
                        cache_bytes=CACHE_BYTES, workers=workers) as tap:
        taps = [p for p in psutil.Process().children(recursive=True) if WORKER in " ".join(p.cmdline())]
        before = sum(cpu_seconds(t) for t in taps)
        mb, seconds, clients = curl_phones(tap.address, phones, blksize, names)
        tap_cpu = sum(cpu_seconds(t) for t in taps) - before
    fills = sum(r.bytes for r in records if r.source == "fill")
    return CurlPass(mb, seconds, tap_cpu, fills / 1e6, cpu_seconds(server) - server_before, clients)


def measure(phones: int, blksize: int, sizes: ImageSizes, runs: int, repeat: int) -> WorkersLoad:
    load = load_file(NEW_LOAD, sizes)
    names = [f"{NEW_LOAD}.loads", *(image.name for image in load.images)] * repeat
    distinct_mb = sum(image.size for image in load.images) / 1e6
    server = SimLoadServer(NEW_LOAD, sizes, host="127.0.0.3")
    server.start()
    process = child_process("spawn_main")
    passes: dict[int | None, list[CurlPass]] = {None: [], 1: [], 2: []}
    try:
        for _ in range(runs):
            for workers in passes:
                passes[workers].append(one_pass(server.address, phones, blksize, names, workers, process,
                                                distinct_mb * repeat))
    finally:
        server.stop()
    best = {k: max(v, key=lambda p: p.mb_s) for k, v in passes.items()}
    direct, one, two = best[None], best[1], best[2]
    return WorkersLoad(
        phones, blksize, round(one.mb, 1), round(direct.mb_s, 1), round(one.mb_s, 1), round(two.mb_s, 1),
        round(two.mb_s / one.mb_s, 2), round(two.mb_s / direct.mb_s, 2),
        round(min(p.tap_cpu_s * 1000 / p.mb for p in passes[1]), 2),
        round(min(p.tap_cpu_s * 1000 / p.mb for p in passes[2]), 2),
        round(min(p.client_cpu_s * 1000 / p.mb for p in passes[2]), 2),
        round(max(p.upstream_mb for p in passes[2]), 2), round(distinct_mb, 2), round(direct.upstream_mb, 1),
        round(two.upstream_cpu_s, 2), round(direct.upstream_cpu_s, 2),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=8)
    parser.add_argument("--blksize", type=int, default=1428)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2, help="times each phone fetches the load")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    row = measure(args.phones, args.blksize, "real", args.runs, args.repeat)
    print(json.dumps(asdict(row)) if args.json else row)


if __name__ == "__main__":
    main()
