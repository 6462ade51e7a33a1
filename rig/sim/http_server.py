"""The base of the simulator's small web servers (phones, CUCM authentication service)."""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackHttpServer(ThreadingHTTPServer):
    """A threading HTTP server that binds loopback only and skips HTTPServer's reverse DNS lookup
    of its own address (slow for 127.0.1.N, and 240 phones bind one each)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise ValueError(f"refusing to serve HTTP on non-loopback address {address[0]}")
        super().__init__(address, handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up before its answer (rig stopped, a timeout) is the client's
        business, as on a phone; anything else is the simulator's bug and is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


def free_tcp_port(host: str) -> int:
    """A TCP port free on `host` right now: the web port a phone keeps even while its web server
    is not running (web access off), as a real phone's port 80 stays in its lab config."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
