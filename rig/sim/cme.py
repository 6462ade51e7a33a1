"""SimCme: a simulated Cisco Unified CME router, the call-control system phones are moved to by
`rig migrate --to <cme>` (issue 24).

- IOS over real SSH (`rig.sim.ssh_vty`, the switch's vty) answering `show ephone registered`,
  `show ephone summary`, `show ephone` and `show telephony-service tftp-bindings`
  (`rig.sim.cme_cli`), so netmiko or an operator's ssh client read it as they read a router.
- TFTP (real UDP, `rig.sim.tftp`): per phone an unsigned `SEP<MAC>.cnf.xml`, `XMLDefault.cnf.xml`
  and the phone load's files, as after `create cnf-files` (`rig.sim.cme_files`); no ITL, no CTL,
  no `.sgn`: anything else is File not found.
- `register(mac, ip)` / `unregister(mac)`: what a simulated phone calls once it fetched and
  accepted its configuration and registered over SCCP (the SCCP exchange itself is not
  simulated); `show ephone registered` lists exactly the phones registered this way.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

import paramiko

from rig.sim.box import SimBox
from rig.sim.cme_cli import CmeSession, CmeState, Registration
from rig.sim.cme_files import CnfSettings, cnf_files, tftp_bindings
from rig.sim.cucm import CucmFiles
from rig.sim.loads import NEW_LOAD, ImageSizes, load_file
from rig.sim.observe import TftpRead
from rig.sim.ssh_vty import SshVty
from rig.sim.tftp import MemoryTftpServer

DEFAULT_LOGIN = ("rig", "rig-sim")  # the simulator's own credentials, not anyone's secret


class _RouterVty(SshVty):
    """The router's SSH side: sessions on the router's state."""

    log_kind = "cme"

    def __init__(self, state: CmeState, *, username: str, password: str, enable_secret: str | None, host: str,
                 port: int, host_key: paramiko.PKey | None) -> None:
        super().__init__(state.hostname, username=username, password=password, enable_secret=enable_secret,
                         host=host, port=port, host_key=host_key)
        self.state = state

    def _new_session(self) -> CmeSession:
        return CmeSession(self.state, enable_secret=self._enable_secret)


class SimCme(SimBox):
    """A CUCME router with one ephone per phone [(name, mac)], ephone-dn numbers from `first_number`."""

    def __init__(
        self,
        phones: Iterable[tuple[str, str]],
        *,
        hostname: str = "CME",
        username: str = DEFAULT_LOGIN[0],
        password: str = DEFAULT_LOGIN[1],
        enable_secret: str | None = None,
        host: str = "127.0.0.1",
        ssh_port: int = 0,
        tftp_port: int = 0,
        host_key: paramiko.PKey | None = None,
        load_id: str = NEW_LOAD,
        image_bytes: ImageSizes = 65536,
        authentication_url: str = "",
        first_number: int = 1001,
        tftp_start_method: str = "spawn",
    ) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"SimCme: refusing to bind non-loopback address {host}")
        self.host = host
        self.state = CmeState(hostname, phones, first_number=first_number)
        self.settings = CnfSettings(host, load_id, authentication_url)
        self.image_bytes = image_bytes
        self._vty = _RouterVty(self.state, username=username, password=password, enable_secret=enable_secret,
                               host=host, port=ssh_port, host_key=host_key)
        self._tftp_options = {"host": host, "port": tftp_port, "start_method": tftp_start_method}
        self._tftp: MemoryTftpServer | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """TFTP first (its process may be forked only while no thread of ours runs), then SSH."""
        files = self.files()
        self.state.bindings = tftp_bindings(list(files))
        self._tftp = MemoryTftpServer(CucmFiles(load_file(self.settings.load_id, self.image_bytes),
                                                {name.lower(): data for name, data in files.items()}),
                                      **self._tftp_options)  # type: ignore[arg-type]
        self._tftp.start()
        self._vty.start()

    def stop(self) -> None:
        self._vty.stop()
        if self._tftp is not None:
            self._tftp.stop()
            self._tftp = None

    # -- what a phone calls ---------------------------------------------------------------
    def register(self, mac: str, ip: str, port: int | None = None) -> None:
        """The phone with this MAC registered from `ip` (SCCP source `port`); ValueError when no
        ephone has that MAC (the router would refuse it: no auto-registration)."""
        self.state.register(mac, ip, port)

    def unregister(self, mac: str) -> None:
        """The phone went away (power off, reset, moved elsewhere)."""
        self.state.unregister(mac)

    # -- what others read -----------------------------------------------------------------
    @property
    def ssh_address(self) -> tuple[str, int]:
        return self._vty.address

    @property
    def host_key(self) -> paramiko.PKey:
        return self._vty.host_key

    @property
    def tftp_address(self) -> tuple[str, int]:
        if self._tftp is None:
            raise RuntimeError("SimCme is not started")
        return self._tftp.address

    def files(self) -> dict[str, bytes]:
        """The configuration files by TFTP name (the load's files are served besides them)."""
        return cnf_files(self.state.ephones, self.settings)

    def registrations(self) -> dict[str, Registration]:
        """MAC -> registration of every phone registered now."""
        return self.state.registrations()

    def reads(self) -> list[TftpRead]:
        """Every TFTP read request, oldest first (rig.sim.observe)."""
        requests = [] if self._tftp is None else self._tftp.requests
        return [TftpRead(client, file, served) for client, file, served in requests]

    def commands_received(self) -> list[str]:
        """Every non-empty command line received over SSH, oldest first; a typed secret never."""
        return self._vty.commands_received()
