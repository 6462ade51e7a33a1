"""Loopback addresses and ports for one simulated bench.

Several benches run at once (pytest workers, a demo beside a test run). A port picked free and
bound later by another process (the tap rig starts, the load server's tap) can be taken in
between by another bench picking the same free port on the same address. Each bench's taps
therefore listen on an address of their own in 127.0.0.0/8, away from the phones (127.0.x.y) and
CUCM (127.0.0.2): two benches then collide only if they draw the same address and the same port.
"""

from __future__ import annotations

import random
import socket
from ipaddress import IPv4Address

_TAP_NETWORK_FIRST = int(IPv4Address("127.128.0.0"))
_TAP_NETWORK_SIZE = 1 << 23  # 127.128.0.0/9


def bench_tap_host(rng: random.Random | None = None) -> str:
    """An address in 127.128.0.0/9 for this bench's taps (neither .0 nor .255 of its /24)."""
    draw = (rng or random.SystemRandom()).randrange
    while True:
        address = IPv4Address(_TAP_NETWORK_FIRST + draw(_TAP_NETWORK_SIZE))
        if int(address) & 0xFF not in (0, 255):
            return str(address)


def free_udp_port(host: str) -> int:
    """A UDP port free on `host` right now, for a tap the phones' option 150 (or a config) will name."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
