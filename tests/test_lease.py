"""Leases keep two runs off the same phone, and never outlive their holder."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.waiting import wait_for

from rig.record.lease import LeaseHeld, LeaseSet, lease_path, read_holder


@pytest.fixture
def lease_dir(tmp_path):
    return tmp_path / "leases"


def test_a_second_run_refuses_a_leased_phone_naming_the_holder(lease_dir):
    with LeaseSet("bench-a", ["desk-01", "desk-02"], "run-1", 60, lease_dir=lease_dir):
        with pytest.raises(LeaseHeld) as info:
            LeaseSet("bench-a", ["desk-03", "desk-02"], "run-2", 60, lease_dir=lease_dir).acquire()
        message = str(info.value)
        assert "desk-02" in message and "run run-1" in message and "pid" in message and "@" in message
        # all-or-nothing: run-2 did not keep desk-03 either
        assert sorted(p.name for p in lease_dir.iterdir()) == ["bench-a--desk-01.lease",
                                                              "bench-a--desk-02.lease"]


def test_leases_are_released_at_the_end_of_the_run(lease_dir):
    with LeaseSet("bench-a", ["desk-01"], "run-1", 60, lease_dir=lease_dir):
        pass
    with LeaseSet("bench-a", ["desk-01"], "run-2", 60, lease_dir=lease_dir):
        assert read_holder(lease_dir / "bench-a--desk-01.lease").run_id == "run-2"


def test_the_same_phone_on_another_bench_is_another_lease(lease_dir):
    with LeaseSet("bench-a", ["desk-01"], "run-1", 60, lease_dir=lease_dir):
        with LeaseSet("bench-b", ["desk-01"], "run-2", 60, lease_dir=lease_dir):
            pass


def _foreign_lease(lease_dir, *, expires: float, ttl: float | None, renewed_ago: float = 0.0):
    """A lease of another host's run, last rewritten `renewed_ago` seconds ago."""
    lease_dir.mkdir()
    path = lease_dir / "bench-a--desk-01.lease"
    fields = {"user": "u", "host": "another-host", "pid": os.getpid(), "run_id": "run-1", "expires": expires}
    path.write_text(json.dumps(fields | ({"ttl": ttl} if ttl is not None else {})))
    written = path.stat().st_mtime - renewed_ago
    os.utime(path, (written, written))
    return path


def test_an_expired_lease_of_another_host_written_before_ttls_were_recorded_is_taken_over(lease_dir):
    path = _foreign_lease(lease_dir, expires=time.time() - 1, ttl=None)
    with LeaseSet("bench-a", ["desk-01"], "run-2", 60, lease_dir=lease_dir) as taking:
        assert read_holder(path).run_id == "run-2"
        assert [h.run_id for h in taking.taken_over] == ["run-1"]


def test_another_hosts_lease_still_being_renewed_is_held_whatever_the_clocks_say(lease_dir):
    _foreign_lease(lease_dir, expires=time.time() - 3600, ttl=60, renewed_ago=5)  # its clock an hour behind
    with pytest.raises(LeaseHeld, match="run run-1"):
        LeaseSet("bench-a", ["desk-01"], "run-2", 60, lease_dir=lease_dir).acquire()


def test_another_hosts_lease_no_longer_renewed_is_taken_over_however_far_its_expiry(lease_dir):
    path = _foreign_lease(lease_dir, expires=time.time() + 3600, ttl=60, renewed_ago=120)  # its clock an hour ahead
    with LeaseSet("bench-a", ["desk-01"], "run-2", 60, lease_dir=lease_dir):
        assert read_holder(path).run_id == "run-2"


def test_a_lease_looking_expired_to_a_clock_an_hour_ahead_is_not_taken_while_its_holder_runs(lease_dir,
                                                                                             monkeypatch):
    with LeaseSet("bench-a", ["desk-01"], "run-1", 60, lease_dir=lease_dir):
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + 3600)  # the second command's clock
        with pytest.raises(LeaseHeld, match="run run-1.*its process still runs"):
            LeaseSet("bench-a", ["desk-01"], "run-2", 60, lease_dir=lease_dir).acquire()


def test_a_run_stopped_past_its_lease_keeps_its_phones(lease_dir):
    holding = subprocess.Popen([sys.executable, "-c", (
        "import sys, threading; from pathlib import Path; from rig.record.lease import LeaseSet\n"
        f"with LeaseSet('bench-a', ['desk-01'], 'run-1', 0.3, lease_dir=Path({str(lease_dir)!r})):\n"
        "    print('held', flush=True); threading.Event().wait()")], stdout=subprocess.PIPE, text=True)
    try:
        assert holding.stdout.readline() == "held\n"
        os.kill(holding.pid, signal.SIGSTOP)  # e.g. Ctrl-Z: it stops renewing
        path = lease_dir / "bench-a--desk-01.lease"
        wait_for(lambda: read_holder(path).expires < time.time(), timeout=5, what="the stopped run's expiry")
        with pytest.raises(LeaseHeld, match="run run-1"):
            LeaseSet("bench-a", ["desk-01"], "run-2", 60, lease_dir=lease_dir).acquire()
    finally:
        os.kill(holding.pid, signal.SIGCONT)
        holding.kill()
        holding.wait()


def test_a_lease_whose_pid_now_names_another_process_is_taken_over(lease_dir):
    lease_dir.mkdir()
    path = lease_dir / "bench-a--desk-01.lease"
    path.write_text(json.dumps({"user": "u", "host": socket.gethostname(), "pid": os.getpid(), "run_id": "run-1",
                                "expires": time.time() + 600, "started": 1.0}))  # this pid, another start
    with LeaseSet("bench-a", ["desk-01"], "run-2", 60, lease_dir=lease_dir):
        assert read_holder(path).run_id == "run-2"


def test_a_lease_whose_process_died_is_taken_over(lease_dir):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its pid is gone
    dead = LeaseSet("bench-a", ["desk-01"], "run-1", 600, lease_dir=lease_dir, pid=child.pid)
    dead.acquire()
    dead._stop.set()
    with LeaseSet("bench-a", ["desk-01"], "run-2", 60, lease_dir=lease_dir):
        holder = json.loads((lease_dir / "bench-a--desk-01.lease").read_text())
        assert holder["run_id"] == "run-2"


def test_a_live_lease_is_renewed_in_the_background(lease_dir):
    with LeaseSet("bench-a", ["desk-01"], "run-1", 0.3, lease_dir=lease_dir):
        first = read_holder(lease_dir / "bench-a--desk-01.lease").expires
        wait_for(lambda: read_holder(lease_dir / "bench-a--desk-01.lease").expires > first,
                 timeout=5, what="the held lease's renewal")


def test_a_taken_over_lease_names_the_dead_runs_directory_for_the_new_run(lease_dir, tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = LeaseSet("bench-a", ["desk-01"], "run-1", 600, lease_dir=lease_dir, pid=child.pid)
    dead.acquire()
    dead.attach(tmp_path / "runs" / "run-1")
    dead._stop.set()
    with LeaseSet("bench-a", ["desk-01", "desk-02"], "run-2", 60, lease_dir=lease_dir) as taking:
        assert [(h.run_id, h.run_dir) for h in taking.taken_over] == [("run-1", str(tmp_path / "runs" / "run-1"))]


def test_a_lease_written_without_a_run_directory_is_still_read(lease_dir):
    lease_dir.mkdir()
    path = lease_dir / "bench-a--desk-01.lease"
    path.write_text(json.dumps({"user": "u", "host": "h", "pid": 1, "run_id": "r", "expires": 0}))
    assert read_holder(path).run_dir is None


def test_a_run_has_one_id_the_name_of_its_run_directory(lease_dir, tmp_path):
    run_dir = tmp_path / "20261207-101500-erase.1"  # the id planned was taken: the directory got a suffix
    with LeaseSet("bench-a", ["desk-01"], "20261207-101500-erase", 60, lease_dir=lease_dir) as leases:
        leases.attach(run_dir)
        holder = read_holder(lease_path("bench-a", "desk-01", lease_dir))
        assert holder is not None and holder.run_id == run_dir.name and holder.run_dir == str(run_dir.resolve())
    assert not lease_path("bench-a", "desk-01", lease_dir).exists(), "released under its new id"
