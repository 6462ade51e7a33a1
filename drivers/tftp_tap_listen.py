"""The socket phones send their read requests to: one for a tap, or one per worker on one port.

Several tap workers (rig.drivers.tftp_tap_process) each get a socket of their own bound to the
same port with SO_REUSEPORT; Linux hands each datagram to one of them by a hash of the sender's
address and port, so a phone's repeated request reaches the socket that had its first. Only one
holder of the port is allowed all the same (rig.drivers.tftp_tap_share leans on it): before the
group binds, a plain socket probes the port, which fails however its holder bound it.
"""

from __future__ import annotations

import socket

LISTEN_BUFFER = 4 << 20
"""Receive buffer asked for each listening socket. Phones served from the image cache move in
step: 1000 of them finish an image within a few milliseconds and ask for the next at once, and
the default buffer (Linux: 208 KB, about 200 requests as the kernel counts them) dropped the
rest; each phone then waited its TFTP timeout, three times, and fetched from CUCM directly,
unseen (1000-phone benchmark: 2062 datagrams dropped, 84 requests unanswered). Linux caps the
size at net.core.rmem_max (208 KB unless raised: `sysctl net.core.rmem_max=4194304`)."""


def listening_sockets(listen: tuple[str, int], count: int = 1) -> list[socket.socket]:
    """`count` UDP sockets bound to `listen` (port 0: one port the kernel picks for all); OSError
    when the port is held by anyone, a tap of the same user included."""
    if count > 1 and listen[1] != 0:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(listen)  # without SO_REUSEPORT: fails however the holder bound it
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, LISTEN_BUFFER)
            if count > 1:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(sockets[0].getsockname() if len(sockets) > 1 else listen)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets
