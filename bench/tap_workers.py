"""The tap in one process or in two: does a second relay process raise the tap's throughput?

Two tap processes bind the tap's port with SO_REUSEPORT (Linux spreads incoming requests over
them by a hash of the phone's address and port, so a phone's repeated request reaches the same
one); each relays and caches on its own, so each image is read from upstream once per process.
The load is bench/tap_load.py's: N phones at once fetch a 7942's real image set. One and two
processes alternate; each prints the aggregate MB/s and the taps' CPU per MB.

    python bench/tap_workers.py [--phones 8] [--blksize 1428] [--runs 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
from multiprocessing.synchronize import Event

import psutil
from tap_load import cpu_seconds, run_phones  # bench/tap_load.py: bench/ is on the path of its scripts

from rig.drivers.tftp_tap import TftpTap
from rig.sim.load_server import SimLoadServer
from rig.sim.loads import NEW_LOAD, load_file

CACHE_BYTES = 128 << 20


class SharedPortTap(TftpTap):
    """A tap whose listening port other processes may bind too."""

    def _listening_socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(self.listen)
        return sock


def worker(port: int, upstream: tuple[str, int], ready: Event, stop: Event) -> None:
    with SharedPortTap(("127.0.0.1", port), upstream, keep_bytes=0, cache_bytes=CACHE_BYTES):
        ready.set()
        stop.wait()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_run(workers: int, upstream: tuple[str, int], names: list[str], phones: int, blksize: int
            ) -> tuple[float, float]:
    """MB/s of the load through `workers` tap processes, and their CPU ms per MB."""
    context = multiprocessing.get_context("spawn")
    port, stop, procs = free_port(), context.Event(), []
    try:
        for _ in range(workers):
            ready = context.Event()
            proc = context.Process(target=worker, args=(port, upstream, ready, stop), daemon=True)
            proc.start()
            if not ready.wait(30):
                raise SystemExit("a tap process did not start")
            procs.append(proc)
        taps = [psutil.Process(p.pid) for p in procs]
        before = sum(cpu_seconds(t) for t in taps)
        mb, seconds = run_phones(("127.0.0.1", port), phones, blksize, names)
        return mb / seconds, (sum(cpu_seconds(t) for t in taps) - before) * 1000 / mb
    finally:
        stop.set()
        for proc in procs:
            proc.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=8)
    parser.add_argument("--blksize", type=int, default=1428)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load = load_file(NEW_LOAD, "real")
    names = [f"{NEW_LOAD}.loads", *(image.name for image in load.images)]
    upstream = SimLoadServer(NEW_LOAD, "real", host="127.0.0.3")
    upstream.start()
    try:
        for _ in range(args.runs):
            for workers in (1, 2):
                rate, cpu = one_run(workers, upstream.address, names, args.phones, args.blksize)
                print(f"{workers} tap process(es), blksize {args.blksize}: {rate:.1f} MB/s, {cpu:.2f} ms CPU/MB",
                      flush=True)
    finally:
        upstream.stop()


if __name__ == "__main__":
    main()
