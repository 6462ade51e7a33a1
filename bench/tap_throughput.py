"""Throughput of a 2 MB TFTP download direct from a tftpy server vs through drivers.tftp_tap.

All three parties run on loopback in this one process (shared GIL), so the ratio is the cost of
the extra relay hop in Python, a pessimistic figure: on a bench the phone's own round trips
dominate. Usage: `.venv/bin/python bench/tap_throughput.py`.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tftpy  # noqa: E402

from drivers.tftp_tap import TftpTap  # noqa: E402

SIZE = 2 * 1024 * 1024
RUNS = 3


def best_time(address: tuple[str, int], options: dict[str, int]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        out = io.BytesIO()
        started = time.perf_counter()
        tftpy.TftpClient(*address, options=options, flock=False).download("big.sbn", out, timeout=2)
        best = min(best, time.perf_counter() - started)
        assert len(out.getvalue()) == SIZE
    return best


def main() -> None:
    logging.getLogger("tftpy").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as root:
        Path(root, "big.sbn").write_bytes(os.urandom(SIZE))
        server = tftpy.TftpServer(root)
        threading.Thread(target=server.listen, args=("127.0.0.1", 0), daemon=True).start()
        server.is_running.wait(5)
        upstream = ("127.0.0.1", server.listenport)
        with TftpTap(("127.0.0.1", 0), upstream) as tap:
            for blksize in (512, 1428):
                options = {} if blksize == 512 else {"blksize": blksize}
                direct, tapped = best_time(upstream, options), best_time(tap.address, options)
                mb = SIZE / 1e6
                print(f"blksize {blksize:4}: direct {direct:.2f} s ({mb / direct:.1f} MB/s), "
                      f"tap {tapped:.2f} s ({mb / tapped:.1f} MB/s), tap/direct time {tapped / direct:.2f}")
        server.stop(now=True)


if __name__ == "__main__":
    main()
