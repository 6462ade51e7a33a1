"""Peer Firmware Sharing between simulated phones (rig.sim.peers): the hierarchy and the TCP
exchange of the simulator's own that passes images from parent to child."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from rig.sim.peers import FAN_OUT, PeerNetwork, fetch


@pytest.fixture
def network() -> Iterator[PeerNetwork]:
    peers = PeerNetwork(wait_s=0.5)
    yield peers
    peers.close()


def test_the_first_phone_of_a_model_subnet_and_load_is_the_root_and_parents_take_three_children(network):
    members = [network.join("CP-7942G", f"127.0.9.{n}", "L1") for n in range(1, 7)]
    assert members[0].is_root
    root = members[0].member.server.address
    assert [m.parent for m in members[1:1 + FAN_OUT]] == [root] * FAN_OUT
    assert members[4].parent == members[1].member.server.address
    assert network.join("CP-7942G", "127.0.9.3", "L1").parent == root  # joining again keeps its place


def test_another_subnet_or_load_forms_a_hierarchy_of_its_own(network):
    network.join("CP-7942G", "127.0.9.1", "L1")
    assert network.join("CP-7942G", "127.0.8.1", "L1").is_root
    assert network.join("CP-7942G", "127.0.9.2", "L2").is_root


def test_a_child_gets_the_image_its_parent_holds_even_while_the_parent_still_downloads(network):
    root = network.join("CP-7942G", "127.0.9.1", "L1")
    child = network.join("CP-7942G", "127.0.9.2", "L1")
    assert child.parent is not None
    threading.Timer(0.1, root.keep, args=("apps.sbn", b"x" * 70000)).start()
    assert fetch(child.parent, "apps.sbn", timeout=5) == b"x" * 70000


def test_a_parent_without_the_image_answers_no_and_the_child_falls_back(network):
    network.join("CP-7942G", "127.0.9.1", "L1")
    child = network.join("CP-7942G", "127.0.9.2", "L1")
    assert child.parent is not None
    with pytest.raises(OSError, match="has no apps.sbn"):
        fetch(child.parent, "apps.sbn", timeout=5)
