"""SwitchSessions: a recent CDP table is shared as evidence, a fresh one is read on demand."""

from __future__ import annotations

from typing import Any

from drivers.ios_parsers import CdpNeighbor
from rig.switch_pool import SwitchSessions


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
