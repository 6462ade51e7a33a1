"""SimLoadServer: a second TFTP server that serves only the firmware load, as a Load Server.

Cisco's "Cisco Unified IP Phone Firmware Distribution Methods" (docs/firmware.md) describes a
Load Server: a server other than the cluster's TFTP server, set per phone (`loadServer` in its
config), that the phone downloads its firmware from, with no fallback to TFTP on error. The
simulated one holds the load's `.loads` file and images (which of the load's files a real phone
asks the load server for, the `.loads` file too or only the images, is unconfirmed) and nothing
else: a phone's config and trust files still come from the cluster's TFTP server.
"""

from __future__ import annotations


from rig.config.lab import Endpoint, LoadServerTap

from rig.config.simulation import Simulation
from rig.sim.box import SimBox
from rig.sim.cucm import CucmFiles
from rig.sim.loads import ImageSizes, load_file
from rig.sim.observe import TftpRead
from rig.sim.tftp import MemoryTftpServer

LOAD_SERVER_HOST = "127.0.0.3"
"""An address of its own beside CUCM's 127.0.0.2, as a separate server on a real network."""


def image_sizes(sim: Simulation) -> ImageSizes:
    """`simulation.image_kb` in bytes (or "real": each image at its published size)."""
    return "real" if sim.image_kb == "real" else sim.image_kb * 1024


class SimLoadServer(SimBox):
    def __init__(self, load_id: str, sizes: ImageSizes, *, host: str = LOAD_SERVER_HOST,
                 start_method: str = "spawn") -> None:
        self._tftp = MemoryTftpServer(CucmFiles(load_file(load_id, sizes), {}), host=host, start_method=start_method)

    def start(self) -> None:
        self._tftp.start()

    def stop(self) -> None:
        self._tftp.stop()

    @property
    def address(self) -> tuple[str, int]:
        return self._tftp.address

    @property
    def config_value(self) -> str:
        """What a phone's config carries as `loadServer` (a real one names a host; port 69)."""
        host, port = self.address
        return f"{host}:{port}"

    def reads(self) -> list[TftpRead]:
        """Every read request, oldest first."""
        return [TftpRead(client, file, served) for client, file, served in self._tftp.requests]


def tap_config(server: SimLoadServer | None, tap_host: str, tap_port: int | None) -> LoadServerTap | None:
    """`tftp_tap.load_server` of the written config when the phones' configs name a tap in front
    of the load server (on `tap_host`, port `tap_port`), else None."""
    if server is None or tap_port is None:
        return None
    host, port = server.address
    return LoadServerTap(listen=Endpoint(host=tap_host, port=tap_port), upstream=Endpoint(host=host, port=port))
