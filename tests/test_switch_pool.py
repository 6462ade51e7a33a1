"""SwitchSessions: a recent CDP table is shared as evidence, a fresh one is read on demand; draw polls
share reads that started after their moment; power waves the switch drops are retried port by port."""

from __future__ import annotations

from typing import Any

import threading
import time

import pytest

from rig.drivers.ios_parsers import CdpNeighbor
from rig.drivers.ios_switch import SwitchError, SwitchTimeout
from rig.bench.switch_batch import PowerWaves, SharedRead
from rig.bench.switch_pool import SwitchSessions
from tests.waiting import wait_for


class CountingSwitch:
    """Answers `show cdp neighbors detail` with one phone, counting how often it is asked."""

    def __init__(self) -> None:
        self.reads = 0

    def cdp_neighbors(self) -> list[CdpNeighbor]:
        self.reads += 1
        return [CdpNeighbor("SEP001D705F0001", "GigabitEthernet1/0/1", "Cisco IP Phone 7942", "Port 1", None,
                            version=f"read {self.reads}")]


def test_evidence_reuses_a_recent_table_and_a_fresh_read_refreshes_it():
    switch = CountingSwitch()
    factory: Any = lambda: switch  # noqa: E731 - one session is enough here
    sessions = SwitchSessions("sw1", factory, 1)
    assert sessions.recent_cdp_neighbors(60)[0].version == "read 1"  # nothing recent yet: read
    assert sessions.recent_cdp_neighbors(60)[0].version == "read 1"  # shared
    assert sessions.cdp_neighbors()[0].version == "read 2"  # identifying always reads
    assert sessions.recent_cdp_neighbors(60)[0].version == "read 2"
    assert sessions.recent_cdp_neighbors(0)[0].version == "read 3" and switch.reads == 3



class ProtocolSwitch:
    """Runs LLDP; counts how often it is asked which protocols it runs."""

    def __init__(self) -> None:
        self.asked = 0

    def protocols_running(self) -> dict[str, bool]:
        self.asked += 1
        return {"CDP": True, "LLDP": True}

    def mac_table(self) -> list[object]:
        return []

    cdp_neighbors = lldp_neighbors = switchport = mac_table

    def running_config(self) -> str:
        return ""


def test_which_protocols_a_switch_runs_is_asked_once_however_many_proofs_read_its_tables():
    switch = ProtocolSwitch()
    factory: Any = lambda: switch  # noqa: E731 - one session is enough here
    sessions = SwitchSessions("sw1", factory, 1)
    assert sessions.protocols_running() == {"CDP": True, "LLDP": True}
    sessions.proof_tables()
    sessions.proof_tables()
    assert switch.asked == 1


class FlakySwitch:
    """set_power of several ports loses the session (or times out); one port at a time works.
    The first wave waits for `release`, so the changes asked meanwhile gather into one wave."""

    def __init__(self, failure: Exception) -> None:
        self.failure = failure
        self.sent: list[tuple[list[str], list[str]]] = []
        self.release = threading.Event()

    def __call__(self, off: list[str], on: list[str]) -> None:
        if not self.sent:
            self.release.wait(5)
        self.sent.append((off, on))
        if len(off) + len(on) > 1:
            raise self.failure


def _three_changes(switch: FlakySwitch) -> dict[str, BaseException | None]:
    waves = PowerWaves(switch)
    errors: dict[str, BaseException | None] = {}

    def change(port: str, on: bool) -> None:
        try:
            waves.change(port, on)
            errors[port] = None
        except Exception as error:  # noqa: BLE001 - what each phone's thread would see
            errors[port] = error

    first = threading.Thread(target=change, args=("Gi1/0/9", True))
    first.start()
    wait_for(lambda: waves.waves == 1, what="the first wave to be under way")
    rest = [threading.Thread(target=change, args=(p, on)) for p, on in (("Gi1/0/1", False), ("Gi1/0/2", True))]
    for thread in rest:
        thread.start()
    wait_for(lambda: waves.pending == 2, what="two changes waiting for the next wave")
    switch.release.set()
    for thread in [first, *rest]:
        thread.join()
    return errors


class SlowSwitch:
    """A session whose table reads take `seconds`; counts the sessions opened."""

    opened = 0

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        SlowSwitch.opened += 1

    def mac_table(self) -> list[object]:
        time.sleep(self.seconds)
        return []

    def cdp_neighbors(self) -> list[CdpNeighbor]:
        time.sleep(self.seconds)
        return []


@pytest.mark.parametrize("read_seconds, sessions", [(0.05, 1), (0.6, 2)])
def test_a_second_session_opens_only_when_the_first_stays_busy_longer_than_rig_s_patience(read_seconds, sessions):
    SlowSwitch.opened = 0
    pool = SwitchSessions("sw1", lambda: SlowSwitch(read_seconds), 8, spacing=0.25, patience=0.3)
    pool.macs_on_port("Gi1/0/1")  # the first session, now idle
    reads = [threading.Thread(target=pool.macs_on_port, args=("Gi1/0/1",)), threading.Thread(target=pool.cdp_neighbors)]
    for read in reads:
        read.start()
    for read in reads:
        read.join(5)
    assert SlowSwitch.opened == sessions


def test_a_wave_the_switch_drops_is_retried_port_by_port():
    switch = FlakySwitch(SwitchError("sw1", "interface range ...", "session lost twice"))
    assert _three_changes(switch) == {"Gi1/0/9": None, "Gi1/0/1": None, "Gi1/0/2": None}
    assert switch.sent == [([], ["Gi1/0/9"]), (["Gi1/0/1"], ["Gi1/0/2"]), (["Gi1/0/1"], []), ([], ["Gi1/0/2"])]


def test_a_wave_that_times_out_fails_every_port_of_it_without_asking_again():
    switch = FlakySwitch(SwitchTimeout("sw1", "interface range ...", "no answer within 10s"))
    errors = _three_changes(switch)
    assert errors["Gi1/0/9"] is None and all(isinstance(errors[p], SwitchTimeout) for p in ("Gi1/0/1", "Gi1/0/2"))
    assert len(switch.sent) == 2


def test_polls_share_a_read_that_started_after_their_moment_and_identification_always_reads_anew():
    reads: list[int] = []
    shared = SharedRead(lambda: reads.append(len(reads) + 1) or len(reads))
    before = time.monotonic()
    assert shared.get() == 1
    assert shared.get(since=before) == 1  # the read started after `before`: shared
    assert shared.get() == 2  # no `since`: a read that starts after the call
    assert shared.get(since=time.monotonic()) == 3  # the latest read started before this moment
    assert reads == [1, 2, 3]


def test_a_failed_read_is_not_shared_with_later_polls():
    outcomes: list[object] = [SwitchError("sw1", "show power inline", "session lost"), "table"]

    def read() -> object:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    shared = SharedRead(read)
    before = time.monotonic()
    with pytest.raises(SwitchError):
        shared.get()
    assert shared.get(since=before) == "table"
