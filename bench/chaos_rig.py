"""`python -m rig` with a disk that fills up under the run's journal: the chaos harness's journal fault.

    CHAOS_JOURNAL_FULL_AFTER=K python bench/chaos_rig.py erase --config lab.yaml ...

From the Kth fsync of a `journal.jsonl` on, every fsync of it fails with ENOSPC, as on a disk
that filled up (Linux reports delayed-allocation failures at fsync). Only the journal is hit:
the run's reports and the switch sessions see a working machine. Without the variable this is
plain `python -m rig`; with CHAOS_JOURNAL_MARK=PATH, PATH is created when an fsync fails. rig itself is not changed; this wrapper patches os.fsync in its process.
"""

from __future__ import annotations

import errno
import os
import runpy
import sys
import threading

_real_fsync = os.fsync


def _disk_fills_after(k: int) -> None:
    count = 0
    lock = threading.Lock()

    def fsync(fd: int) -> None:
        nonlocal count
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target.endswith("/journal.jsonl"):
            with lock:
                count += 1
                full = count >= k
            if full:
                if mark := os.environ.get("CHAOS_JOURNAL_MARK"):
                    open(mark, "a").close()  # tells the harness the fault did happen
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        _real_fsync(fd)

    os.fsync = fsync


if __name__ == "__main__":
    after = os.environ.get("CHAOS_JOURNAL_FULL_AFTER")
    if after:
        _disk_fills_after(int(after))
    sys.argv[0] = "rig"
    runpy.run_module("rig", run_name="__main__", alter_sys=True)
