"""An interactive SSH shell on a (simulated) IOS switch, read the way a person's eye would:
until the prompt. Plain paramiko, host key checked, so tests see what any SSH client sees."""

from __future__ import annotations

import re
import time

import paramiko


class IosShell:
    def __init__(self, host: str, port: int, username: str, password: str, *, host_keys: paramiko.HostKeys) -> None:
        self.client = paramiko.SSHClient()
        for name, keys in host_keys.items():
            for key in keys.values():
                self.client.get_host_keys().add(name, key.get_name(), key)
        self.client.set_missing_host_key_policy(paramiko.RejectPolicy())
        self.client.connect(host, port, username, password, look_for_keys=False, allow_agent=False)
        self.channel = self.client.invoke_shell()
        self.greeting = self.read_until(r"[>#]\s*$")

    def read_until(self, pattern: str, timeout: float = 10.0) -> str:
        buffer = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.channel.recv_ready():
                buffer += self.channel.recv(65536).decode()
                if re.search(pattern, buffer):
                    return buffer
            elif self.channel.closed or self.channel.eof_received:
                return buffer
            else:
                time.sleep(0.005)
        raise AssertionError(f"no {pattern!r} in {buffer!r}")

    def run(self, line: str, until: str = r"\r\n\S+[>#]$") -> str:
        self.channel.send(line + "\r")
        return self.read_until(until)

    def close(self) -> None:
        self.client.close()
