"""The simulated bench split across processes, so a benchmark measures rig and not the simulator.

One Python process holding 240 simulated phones, five SSH servers and their HTTP, console and
key-board servers spends its time fighting its own interpreter lock, and a benchmark of rig
then mostly times the simulator. Here the parent process serves CUCM (whose TFTP server already
has a process of its own) and each shard process serves the phones of some switches with
everything they are wired to: their switch, meters and actuator boards. All shards share the
cluster's PKI, the tap address the phones' option 150 names, and CUCM. The written config is
what `rig sim --write-config` writes for the same bench, except that a power meter or key board
never spans two shards (each shard numbers its own from the next free one), as when every
switch's rack has its own instruments.

    python -m rig.sim.multiproc --config sim.yaml --write-config bench.yaml --shards 5 \
        --counts counts.json       # serves until SIGINT/SIGTERM, then writes commands per switch
                                   # {"sw1": {"show power inline": 12, "interface range": 2, ...}}
"""

from __future__ import annotations

import argparse
from collections import Counter
import json
import multiprocessing
import os
import signal
import threading
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import yaml

from rig.config.firmware import Firmware
from rig.config.lab import LabConfig, dump_config, load_config

from rig.config.simulation import Simulation
from rig.sim import misconfig
from rig.sim.bench import (
    CHANNELS_PER_METER, CUCM_HOST, HEADS_PER_BOARD, KNOWN_HOSTS, LOAD_ID, TRUST_ANCHOR, WRITTEN_BY, SimBench,
    SimPhoneSpec, layout,
)
from rig.sim.loopback import bench_tap_host, free_udp_port
from rig.sim.clock import SimClock
from rig.sim.load_server import image_sizes
from rig.sim.peers import peer_network
from rig.sim.cucm import SimCucm
from rig.sim.observe import BenchObserver
from rig.sim.pki import ClusterPki
from rig.sim.sccp import CallControl

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's emitter when PyYAML has it: the same text as safe_dump's for a 240-phone config
(checked), in 0.09 s of CPU instead of 0.4."""


class _RemoteCucm:
    """CUCM as a shard's phones see it: served by the parent process, only its addresses here."""

    def __init__(self, auth_url: str, tftp_address: tuple[str, int], tvs_address: tuple[str, int]) -> None:
        self.auth_url = auth_url
        self.tftp_address = tftp_address
        self.tvs_address = tvs_address

    def start(self) -> None:
        """The parent process serves it."""

    def stop(self) -> None:
        """The parent process stops it."""


class ShardBench(SimBench):
    """Some switches of a bench and everything wired to them, CUCM served elsewhere."""

    def __init__(self, sim: Simulation, bench_name: str, workdir: Path, specs: list[SimPhoneSpec],
                 pki: ClusterPki, cucm: _RemoteCucm, tap: tuple[str, int]) -> None:
        self.sim, self.bench_name, self.workdir = sim, bench_name, workdir
        self.clock = SimClock(sim.time_scale)
        self.specs, self.pki, (self.tap_host, self.tap_port) = specs, pki, tap
        self.cucm = cucm  # type: ignore[assignment]
        self.old_cucm = None  # the old cluster (simulation.old_cluster) is served in one process only
        self.cme, self.call_control = None, CallControl()  # so is the CUCME router (simulation.cme)
        self.phones, self.switches, self.meters, self.actuators = {}, {}, [], []
        self.risport, self.load_server, self.load_server_tap_port = None, None, None
        self.peers = peer_network(self.clock)
        self.observe = BenchObserver(self)


def _wired_per_shard(groups: list[list[SimPhoneSpec]]) -> list[list[SimPhoneSpec]]:
    """Meters and key boards numbered so that none spans two shards (a device lives in one process)."""
    wired: list[list[SimPhoneSpec]] = []
    meter = board = 0
    for group in groups:
        wired.append([replace(s, meter=meter + k // CHANNELS_PER_METER, channel=k % CHANNELS_PER_METER + 1,
                              board=board + k // HEADS_PER_BOARD) for k, s in enumerate(group)])
        meter += -(-len(group) // CHANNELS_PER_METER)
        board += -(-len(group) // HEADS_PER_BOARD)
    return wired


def _local(specs: list[SimPhoneSpec]) -> list[SimPhoneSpec]:
    """The shard's specs with meter and board numbered from 0 within the shard."""
    meters = sorted({s.meter for s in specs})
    boards = sorted({s.board for s in specs})
    return [replace(s, meter=meters.index(s.meter), board=boards.index(s.board)) for s in specs]


def _shard(conn: Connection, inherited: list[Connection], sim: Simulation, bench: str, workdir: Path,
           specs: list[SimPhoneSpec], pki: ClusterPki, tap: tuple[str, int]) -> None:
    """One shard process: wait for CUCM's addresses, serve, hand back its config, on request its
    switches' command counts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent says when to stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, copied by fork
    for other in inherited:
        other.close()  # the parent's ends of the pipes: the parent's exit must read as EOF here
    auth_url, tftp_address, tvs_address = conn.recv()
    workdir.mkdir(parents=True, exist_ok=True)
    with ShardBench(sim, bench, workdir, _local(specs), pki, _RemoteCucm(auth_url, tftp_address, tvs_address), tap) as shard:
        config = shard.lab_config()
        conn.send((dump_config(config), (workdir / KNOWN_HOSTS).read_text()))
        conn.recv()
        conn.send({name: dict(Counter(_kind(c) for c in shard.observe.commands(name))) for name in shard.switches})


def _kind(command: str) -> str:
    """A command line without its ports (`interface range`, `show power inline`)."""
    return "interface range" if command.startswith("interface range") else command


def _merge(sim: Simulation, shards: list[tuple[list[SimPhoneSpec], dict[str, Any]]], workdir: Path,
           pki: ClusterPki) -> LabConfig:
    """One config for the whole bench: every shard's switches, instruments and phones."""
    anchor = workdir / TRUST_ANCHOR
    anchor.write_bytes(f"{WRITTEN_BY}: the simulated CUCM's TFTP certificate\n".encode()
                       + misconfig.trust_anchor_pem(sim, pki))
    known_hosts = workdir / KNOWN_HOSTS
    switches, instruments, phones = {}, {}, {}
    for specs, document in shards:
        config = LabConfig.model_validate(document)
        meters = sorted({s.meter for s in specs})
        for name, switch in config.switches.items():
            switches[name] = switch.model_copy(update={"known_hosts": known_hosts})
        for local, name in enumerate(sorted(config.instruments, key=lambda n: int(n.removeprefix("meter")))):
            instruments[f"meter{meters[local] + 1}"] = config.instruments[name]
        for spec, phone in zip(specs, config.phones):
            meter = phone.power_meter.model_copy(update={"instrument": f"meter{spec.meter + 1}"}) if phone.power_meter else None
            phones[spec.name] = phone.model_copy(update={"power_meter": meter})
    first = LabConfig.model_validate(shards[0][1])
    cucm = first.cucm.model_copy(update={"trust_anchor": anchor}) if first.cucm else None
    order = [s.name for s in layout(sim)]
    return first.model_copy(update={"switches": switches, "instruments": instruments, "cucm": cucm,
                                    "phones": [phones[n] for n in order]})


def serve(sim: Simulation, bench: str, workdir: Path, shards: int, on_ready: Any,
          stop: threading.Event) -> dict[str, dict[str, int]]:
    """Serve the bench in `shards` processes (whole switches each) until `stop`; how often each
    switch received each command line. `on_ready(config)` is called once every shard is up.

    The shards are forked before this process starts any thread (CUCM's servers come after), so
    no lock can be held at the fork, and each shard starts with every module already imported:
    spawned, each of them spent a second of CPU importing rig, pydantic and paramiko again.
    """
    if threading.active_count() != 1:
        raise RuntimeError("serve() forks its shards: call it before any other thread is started")
    specs = layout(sim)
    misconfig.check(sim, specs)
    if sim.firmware != Firmware():
        raise ValueError("simulation.firmware: peer sharing and load servers are served by `rig sim`, "
                         "not by rig.sim.multiproc")
    tap_host = bench_tap_host()
    pki, tap = ClusterPki.generate(), (tap_host, free_udp_port(tap_host))
    switches = sorted({s.switch for s in specs}, key=lambda n: int(n.removeprefix("sw")))
    groups = _wired_per_shard([[s for s in specs if switches.index(s.switch) % shards == i]
                               for i in range(min(shards, len(switches)))])
    context = multiprocessing.get_context("fork")
    links: list[Connection] = []
    processes = []
    for i, group in enumerate(groups):
        parent, child = context.Pipe()
        process = context.Process(target=_shard, args=(child, [*links, parent], sim, bench, workdir / f"shard-{i + 1}",
                                                       group, pki, tap), daemon=True)
        process.start()
        child.close()
        links.append(parent)
        processes.append(process)
    try:
        with SimCucm(SimClock(sim.time_scale), pki, [(s.name, s.mac) for s in specs], load_id=LOAD_ID,
                     image_bytes=image_sizes(sim), loss=sim.faults.tftp_loss, web_access_off=sim.web_access_off,
                     host=CUCM_HOST, tftp_start_method="fork") as cucm:
            for link in links:
                link.send((cucm.auth_url, cucm.tftp_address, cucm.tvs_address))
            answers = [link.recv() for link in links]
            (workdir / KNOWN_HOSTS).write_text(f"{WRITTEN_BY}: the simulated switches' host keys\n" + "".join(
                line + "\n" for _, hosts in answers for line in hosts.splitlines() if not line.startswith("#")))
            on_ready(_merge(sim, [(g, a[0]) for g, a in zip(groups, answers)], workdir, pki))
            stop.wait()
            counts: dict[str, dict[str, int]] = {}
            for link in links:
                link.send("stop")
                counts.update(link.recv())
            return counts
    finally:
        for link in links:
            link.close()
        for process in processes:
            process.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True, help="a config with a simulation: section")
    parser.add_argument("--write-config", type=Path, required=True, help="where the bench's config goes")
    parser.add_argument("--shards", type=int, default=os.cpu_count() or 1, help="processes serving switches")
    parser.add_argument("--counts", type=Path, help="write {switch: {command: times received}} here at the end")
    args = parser.parse_args()
    lab = load_config(args.config)
    if lab.simulation is None:
        raise SystemExit(f"{args.config}: simulation: is required")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    target = args.write_config.resolve()

    def ready(config: LabConfig) -> None:
        temporary = target.with_name(f".{target.name}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(f"{WRITTEN_BY}: the running simulated bench, in a real bench's form.\n")
            out.write(yaml.dump(dump_config(config), Dumper=_DUMPER, sort_keys=False))
        os.replace(temporary, target)

    counts = serve(lab.simulation, lab.bench, target.parent, max(1, args.shards), ready, stop)
    if args.counts:
        args.counts.write_text(json.dumps(counts))


if __name__ == "__main__":
    main()
