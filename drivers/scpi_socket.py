"""SCPI over an instrument's raw TCP socket (VISA `TCPIP::<host>::<port>::SOCKET`), without select().

pyvisa-py's SOCKET session waits with select(), which refuses a descriptor numbered past 1024: a
controller of 240 phones with meters holds more, and every meter then failed with "filedescriptor
out of range in select()" (issue 29, L3). pyvisa offers no session that waits otherwise, so a raw
socket resource is spoken to here: a line out, a line back, each wait a rig.drivers.bounded slice
(socket timeouts wait with poll(), which has no such limit). The resource name is still parsed by
pyvisa, so what the config may say is what VISA accepts.
"""

from __future__ import annotations

import pyvisa.rname

from rig.drivers.bounded import Budget, open_connection, send_all, sliced

ANSWER_LIMIT = 64 * 1024
"""Bytes of one answer line: a power reading or `*IDN?` is tens of bytes (rig's bound)."""
TERMINATION = b"\n"


def socket_address(resource: str) -> tuple[str, int] | None:
    """(host, port) of a `TCPIP::host::port::SOCKET` resource, None for any other resource."""
    try:
        parsed = pyvisa.rname.parse_resource_name(resource)
    except pyvisa.rname.InvalidResourceName:
        return None
    if isinstance(parsed, pyvisa.rname.TCPIPSocket):
        return parsed.host_address, int(parsed.port)
    return None


class ScpiSocket:
    """One instrument connection: `query` sends a command line and reads the answer line, the
    connect and each exchange bounded by `timeout` seconds."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.timeout = timeout
        self._sock = open_connection(host, port, Budget(timeout, 0))
        self._pending = b""

    def query(self, command: str) -> str:
        budget = Budget(self.timeout, ANSWER_LIMIT)
        send_all(self._sock, budget, command.encode("ascii") + TERMINATION)
        while TERMINATION not in self._pending:
            chunk = sliced(self._sock, budget, self._sock.recv, 4096)
            if not chunk:
                raise ConnectionResetError("the instrument closed the connection")
            budget.count(len(chunk))
            self._pending += chunk
        line, _, self._pending = self._pending.partition(TERMINATION)
        return line.decode("ascii", errors="replace")

    def close(self) -> None:
        self._sock.close()
