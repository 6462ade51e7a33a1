"""Peer Firmware Sharing between simulated phones: who fetches an image from whom, over TCP.

What Cisco documents (docs/firmware.md has the sources): with Peer Firmware Sharing on (firmware
8.3(1) and later), the phones of one model on one subnet form a hierarchy; one phone (the root)
downloads the images from the TFTP server and passes them down to the others over TCP; a phone
that cannot get an image from its peer falls back to TFTP. Cisco's protocol for it ("Cisco Peer
to Peer Distribution Protocol") has no public description, so the exchange here is the
simulator's own, and only the simulated phones speak it:

    client -> server   GET <image name>\\n
    server -> client   OK <size>\\n<size bytes>     or     NO\\n

The hierarchy is formed in the order phones join (the first phone to upgrade a load is the
root; member n takes its images from member (n - 1) // 3: up to three children a parent; the
fan-out is unconfirmed). Each member serves the images it holds on its own address. One
`PeerNetwork` is shared by the phones of one simulator process (`rig.sim.multiproc` shards
form one hierarchy each, like subnets of their own).
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from rig.sim.clock import SimClock

FAN_OUT = 3
"""Children of one parent (unconfirmed: a study question on Peer Firmware Sharing says "up to
three directly associated child phones", https://equizzing.com/?p=193549; no Cisco document
found says so)."""

PEER_WAIT_DEVICE_S = 300.0
"""Device seconds a parent phone's peer server waits for an image it is still downloading."""


@dataclass
class _Member:
    ip: str
    images: dict[str, bytes] = field(default_factory=dict)
    held: threading.Condition = field(default_factory=threading.Condition)
    server: "_PeerServer | None" = None


@dataclass(frozen=True)
class Peer:
    """Where a member takes its images from: its parent (None for the root)."""

    parent: tuple[str, int] | None
    member: _Member

    @property
    def is_root(self) -> bool:
        return self.parent is None

    def keep(self, name: str, data: bytes) -> None:
        """Serve `name` to this member's children from now on."""
        with self.member.held:
            self.member.images[name] = data
            self.member.held.notify_all()


class PeerNetwork:
    """The hierarchies of one simulator process, one per (model, subnet, load).

    `wait_s`: real seconds a parent's server waits for an image it does not hold yet (its own
    download may still run), before it answers NO and the child falls back to TFTP."""

    def __init__(self, wait_s: float) -> None:
        self.wait_s = wait_s
        self._lock = threading.Lock()
        self._groups: dict[tuple[str, str, str], list[_Member]] = {}

    def join(self, model: str, ip: str, load_id: str) -> Peer:
        """This phone's place in the hierarchy of its model, /24 subnet and load (once per phone)."""
        key = (model, ip.rsplit(".", 1)[0], load_id)
        with self._lock:
            members = self._groups.setdefault(key, [])
            mine = next((m for m in members if m.ip == ip), None)
            if mine is None:
                mine = _Member(ip)
                mine.server = _PeerServer(ip, _lookup(mine, self.wait_s))
                mine.server.start()
                members.append(mine)
            index = members.index(mine)
            parent = None if index == 0 else _address(members[(index - 1) // FAN_OUT])
        return Peer(parent, mine)

    def close(self) -> None:
        with self._lock:
            members = [m for group in self._groups.values() for m in group]
            self._groups.clear()
        for member in members:
            if member.server is not None:
                member.server.stop()


def peer_network(clock: SimClock) -> PeerNetwork:
    """The hierarchies of this process's phones, their waits scaled by the bench's clock."""
    return PeerNetwork(max(5.0, clock.seconds(PEER_WAIT_DEVICE_S)))


def _address(member: _Member) -> tuple[str, int]:
    assert member.server is not None
    return member.server.address


def _lookup(member: _Member, wait_s: float) -> Callable[[str], bytes | None]:
    """What a member's server answers: the image once it holds it, waiting up to `wait_s`."""
    def lookup(name: str) -> bytes | None:
        with member.held:
            member.held.wait_for(lambda: name in member.images, wait_s)
            return member.images.get(name)
    return lookup


def fetch(parent: tuple[str, int], name: str, timeout: float) -> bytes:
    """`name` from a parent phone; OSError when it does not answer or has no such image."""
    with socket.create_connection(parent, timeout=timeout) as sock:
        sock.sendall(f"GET {name}\n".encode("ascii"))
        reader = sock.makefile("rb")
        head = reader.readline().decode("ascii", "replace").split()
        if len(head) != 2 or head[0] != "OK" or not head[1].isdigit():
            raise OSError(f"peer {parent[0]}:{parent[1]} has no {name}")
        data = reader.read(int(head[1]))
    if len(data) != int(head[1]):
        raise OSError(f"peer {parent[0]}:{parent[1]} sent {len(data)} of {head[1]} bytes of {name}")
    return data


class _PeerServer(socketserver.ThreadingTCPServer):
    """One member's TCP server: answers `GET <name>` once it holds the image (or NO on timeout)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, ip: str, lookup: Callable[[str], bytes | None]) -> None:
        super().__init__((ip, 0), _PeerHandler)
        self.lookup = lookup
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"peer-{self.address[0]}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _PeerHandler(socketserver.StreamRequestHandler):
    server: _PeerServer

    def handle(self) -> None:
        words = self.rfile.readline(512).decode("ascii", "replace").split()
        data = self.server.lookup(words[1]) if len(words) == 2 and words[0] == "GET" else None
        if data is None:
            self.wfile.write(b"NO\n")
            return
        self.wfile.write(f"OK {len(data)}\n".encode("ascii") + data)
