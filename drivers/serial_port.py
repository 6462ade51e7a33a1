"""What the serial drivers (console, actuator board) share about pyserial ports."""

from __future__ import annotations

import serial


def close_quietly(port: serial.SerialBase | None) -> None:
    """Close a port whose line may already be gone: a peer that hung up makes close() raise,
    and a port being thrown away has nothing left to report."""
    if port is None:
        return
    try:
        port.close()
    except (serial.SerialException, OSError):
        pass
