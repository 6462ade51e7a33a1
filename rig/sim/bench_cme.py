"""The simulated bench's CUCME router (`simulation.cme`): built with an ephone for every phone of
the bench, started beside the cluster, listening for the phones' registrations, and written into
the bench's config as the system `cme` (its TFTP, and SSH with the simulator's credentials and a
known_hosts file of its own) - the system `rig migrate --to cme` moves phones to.
"""

from __future__ import annotations

from pathlib import Path

from rig.config.base import Endpoint
from rig.config.simulation import Simulation
from rig.config.systems import CmeSsh, CmeSystem
from rig.sim.cme import SimCme
from rig.sim.layout import SimPhoneSpec
from rig.sim.load_server import image_sizes
from rig.sim.sccp import CallControl

CME_HOST = "127.0.0.4"
"""The router on an address of its own (CUCM is 127.0.0.2, the old cluster 127.0.0.3): the
address its configuration files name for registration."""
CME_SYSTEM = "cme"
"""The router's name among the written config's `systems`."""
CME_KNOWN_HOSTS = "cme_known_hosts"
"""The router's host key, written beside the config (the switches' file is the bench's)."""


def bench_cme(sim: Simulation, specs: list[SimPhoneSpec], load_id: str, login: tuple[str, str]) -> SimCme | None:
    """The router `simulation.cme` asks for, not started (None without it): one ephone a phone,
    serving the load the bench's cluster serves, so a phone moved there needs no other load."""
    if not sim.cme:
        return None
    username, password = login
    return SimCme([(s.name, s.mac) for s in specs], host=CME_HOST, username=username, password=password,
                  load_id=load_id, image_bytes=image_sizes(sim))


def start_cme(cme: SimCme | None, call_control: CallControl) -> None:
    """Serve the router and take the registrations of phones whose config names its address."""
    if cme is None:
        return
    cme.start()
    call_control.serve(cme.host, cme)


def cme_systems(cme: SimCme | None, workdir: Path, written_by: str, login: tuple[str, str]) -> dict[str, CmeSystem]:
    """`systems.cme` of the bench's config ({} without a router); its known_hosts file written
    into `workdir`, its first line `written_by`."""
    if cme is None:
        return {}
    known_hosts = workdir / CME_KNOWN_HOSTS
    host, port = cme.ssh_address
    key = cme.host_key
    known_hosts.write_text(f"{written_by}: the simulated CUCME router's host key\n"
                           f"[{host}]:{port} {key.get_name()} {key.get_base64()}\n")
    tftp_host, tftp_port = cme.tftp_address
    username, password = login
    ssh = CmeSsh(host=host, port=port, username=username, password=password,
                 known_hosts=known_hosts)
    return {CME_SYSTEM: CmeSystem(kind="cme", tftp=Endpoint(host=tftp_host, port=tftp_port), ssh=ssh)}
