"""Benches that run at once (pytest workers, a demo beside a test run) must not meet on a port:
each bench's taps listen on a loopback address of their own, away from the phones and CUCM, so a
free port picked for one bench cannot be the port another bench's tap binds a moment later."""

from __future__ import annotations

import random
import socket
from ipaddress import IPv4Address, IPv4Network

from rig.sim.loopback import bench_tap_host, free_udp_port

TAPS = IPv4Network("127.128.0.0/9")


def test_tap_addresses_stay_in_their_own_part_of_loopback_and_skip_network_and_broadcast_octets() -> None:
    rng = random.Random(7)
    hosts = [IPv4Address(bench_tap_host(rng)) for _ in range(2000)]
    assert all(h in TAPS for h in hosts)
    assert all(int(h) & 0xFF not in (0, 255) for h in hosts)
    assert IPv4Address("127.0.1.1") not in TAPS and IPv4Address("127.0.0.2") not in TAPS  # phones, CUCM


def test_two_benches_draw_different_tap_addresses() -> None:
    assert len({bench_tap_host() for _ in range(50)}) == 50


def test_the_free_port_is_bindable_on_the_drawn_address() -> None:
    host = bench_tap_host()
    port = free_udp_port(host)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, port))
        assert s.getsockname() == (host, port)
