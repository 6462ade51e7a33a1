"""The TFTP tap under load: N phones fetch a 7942's real load at once, through the tap and direct.

Upstream is the simulator's load server (`rig.sim.load_server.SimLoadServer`, its own process)
serving load SCCP42.9-4-2SR3-1S: its `.loads` file and five images at their published sizes,
9.57 MB a phone (`rig.sim.loads.REAL_SIZES`; source: a public analysis of
cmterm-7942_7962-sccp.9-4-2SR3-1.zip). Each phone is a process of its own on an address of its
own (127.0.1.N), a lock-step TFTP client that fetches the `.loads` file then each image, asking
for `blksize` (the phone's negotiated size, 1428) or for no option at all (512-byte blocks, the
case of a phone that does not negotiate: whether a 79x2 does is unconfirmed). All phones start on
one signal; the aggregate rate is every byte fetched over the span from the first start to the
last end. The tap runs as rig runs it, in a child process (rig.drivers.tftp_tap_process, one
worker), and its CPU is read from that child. Direct and tapped runs alternate, best of `runs` each.

    python bench/tap_load.py [--phones 8] [--runs 3] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

import psutil

from rig.drivers.tftp_records import TftpTransfer
from rig.drivers.tftp_tap_process import TftpTapProcess
from rig.sim.load_server import SimLoadServer
from rig.sim.loads import NEW_LOAD, ImageSizes, load_file

CACHE_BYTES = 128 << 20
"""As `tftp_tap.image_cache_mb`'s default."""
PHONE = r"""
import socket, sys, time
host, port, ip, blksize, names = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5:]
sys.stdin.readline()
start, total = time.monotonic(), 0
for name in names:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((ip, 0))
        s.settimeout(2)
        option = f"blksize\0{blksize}\0".encode() if blksize != 512 else b""
        last, server, size, expected = b"\0\1" + name.encode() + b"\0octet\0" + option, (host, port), 512, 1
        s.sendto(last, server)
        while True:
            try:
                packet, server = s.recvfrom(65536)
            except TimeoutError:
                s.sendto(last, server)
                continue
            if packet[1] == 6:
                fields = packet[2:].split(b"\0")
                size = int(dict(zip(fields[0::2], fields[1::2])).get(b"blksize", b"512"))
                last = b"\0\4\0\0"
            elif packet[1] == 3:
                if packet[2] << 8 | packet[3] == expected & 0xFFFF:
                    total += len(packet) - 4
                    expected += 1
                last = b"\0\4" + packet[2:4]
            else:
                sys.exit(f"{name}: {packet[4:-1].decode(errors='replace')}")
            s.sendto(last, server)
            if packet[1] == 3 and len(packet) - 4 < size:
                break
print(start, time.monotonic(), total)
"""


@dataclass
class Pass:
    """One load of N phones: the bytes they got, over how long, and what it cost."""

    mb: float
    seconds: float
    tap_cpu_s: float
    upstream_mb: float
    """Image bytes read from upstream (the `.loads` file, relayed to every phone, left out)."""
    upstream_cpu_s: float

    @property
    def mb_s(self) -> float:
        return self.mb / self.seconds

    @property
    def cpu_ms_per_mb(self) -> float:
        return self.tap_cpu_s * 1000 / self.mb


@dataclass
class TapLoad:
    """Figures for one block size (best of the runs, direct and tapped alternating)."""

    blksize: int
    phones: int
    mb_relayed: float
    tap_mb_s: float
    direct_mb_s: float
    share: float
    tap_cpu_ms_per_mb: float
    """The least of the runs (the one a busy neighbour disturbed least)."""
    upstream_mb: float
    upstream_mb_direct: float
    distinct_images_mb: float
    upstream_cpu_s: float
    upstream_cpu_s_direct: float
    uncached_mb_s: float | None = None
    uncached_cpu_ms_per_mb: float | None = None


def run_phones(address: tuple[str, int], phones: int, blksize: int, names: list[str]) -> tuple[float, float]:
    """Start `phones` phone processes, let them go at once; (MB fetched, seconds first start to last end)."""
    procs = [subprocess.Popen([sys.executable, "-c", PHONE, address[0], str(address[1]), f"127.0.1.{n + 1}",
                               str(blksize), *names], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for n in range(phones)]
    time.sleep(0.5)  # the interpreters start before the signal, so their start-up is not timed
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    spans = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        if proc.returncode:
            raise SystemExit(f"a phone failed: {out}")
        spans.append([float(x) for x in out.split()])
    return sum(s[2] for s in spans) / 1e6, max(s[1] for s in spans) - min(s[0] for s in spans)


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def child_process(marker: str) -> psutil.Process:
    return next(p for p in psutil.Process().children(recursive=True) if marker in " ".join(p.cmdline()))


def one_pass(upstream: SimLoadServer, phones: int, blksize: int, names: list[str], cache_bytes: int | None,
             images_mb: float) -> Pass:
    """The load direct (`cache_bytes` None) or through a tap with that cache; `images_mb`: of one phone."""
    server = child_process("spawn_main")
    before = cpu_seconds(server)
    if cache_bytes is None:
        mb, seconds = run_phones(upstream.address, phones, blksize, names)
        return Pass(mb, seconds, 0.0, phones * images_mb, cpu_seconds(server) - before)
    records: list[TftpTransfer] = []
    with TftpTapProcess(("127.0.0.1", 0), upstream.address, on_transfer=records.append, keep_bytes=0,
                        cache_bytes=cache_bytes) as tap:
        tap_process = child_process("rig.drivers.tftp_tap_worker")
        tap_before = cpu_seconds(tap_process)
        mb, seconds = run_phones(tap.address, phones, blksize, names)
        deadline = time.monotonic() + 10
        while len([r for r in records if r.source != "fill"]) < phones * len(names) and time.monotonic() < deadline:
            time.sleep(0.05)
        tap_cpu = cpu_seconds(tap_process) - tap_before
    upstream_mb = sum(r.bytes for r in records if r.source != "cache" and not r.file.endswith(".loads")) / 1e6
    return Pass(mb, seconds, tap_cpu, upstream_mb, cpu_seconds(server) - before)


def measure(phones: int, blksize: int, sizes: ImageSizes, runs: int, uncached: bool = True) -> TapLoad:
    load = load_file(NEW_LOAD, sizes)
    names = [f"{NEW_LOAD}.loads", *(image.name for image in load.images)]
    images_mb = sum(image.size for image in load.images) / 1e6
    upstream = SimLoadServer(NEW_LOAD, sizes, host="127.0.0.3")
    upstream.start()
    try:
        passes: dict[str, list[Pass]] = {"direct": [], "tap": [], "uncached": []}
        for _ in range(runs):
            passes["direct"].append(one_pass(upstream, phones, blksize, names, None, images_mb))
            passes["tap"].append(one_pass(upstream, phones, blksize, names, CACHE_BYTES, images_mb))
            if uncached:
                passes["uncached"].append(one_pass(upstream, phones, blksize, names, 0, images_mb))
    finally:
        upstream.stop()
    direct, tap = (max(passes[k], key=lambda p: p.mb_s) for k in ("direct", "tap"))
    plain = passes["uncached"]
    return TapLoad(
        blksize, phones, round(tap.mb, 1), round(tap.mb_s, 2), round(direct.mb_s, 2), round(tap.mb_s / direct.mb_s, 2),
        round(min(p.cpu_ms_per_mb for p in passes["tap"]), 2), round(tap.upstream_mb, 2), round(direct.upstream_mb, 1),
        round(images_mb, 2), round(tap.upstream_cpu_s, 2),
        round(direct.upstream_cpu_s, 2), round(max(p.mb_s for p in plain), 2) if plain else None,
        round(min(p.cpu_ms_per_mb for p in plain), 2) if plain else None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2 phones, 64 KB images, one run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    phones, runs, sizes = (2, 1, 65536) if args.quick else (args.phones, args.runs, "real")
    rows = [measure(phones, blksize, sizes, runs) for blksize in (1428, 512)]
    if args.json:
        print(json.dumps([asdict(r) for r in rows]))
        return
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
