"""What a booting 7942 does over TFTP: CTL, ITL (trust check), signed config, load and images.

One `Provisioner` serves one boot. It acts on the phone only through `BootSteps` (print on the
console, log a status message, change state, wait), so a boot overtaken by a power cut stops at
its next step, and the phone module keeps the state machine while this module keeps the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import tftpy

from rig import trust
from rig.sim import tvs as tvs_service
from rig.sim.clock import SimClock
from rig.sim.device_config import DeviceConfig, DeviceConfigError
from rig.sim.loads import ImageRef, LoadFile, LoadFileError
from rig.sim import peers as pfs
from rig.sim.phone_boot import CONFIG_ATTEMPTS, CONFIG_RETRY_SECONDS, FLASH_SECONDS, FLASH_WATTS, MODEL, PhoneState
from rig.sim.tftp_client import download

TFTP_TIMEOUT_FLOOR = 1.5
"""Real seconds: a TFTP timeout never shrinks below this, however fast the clock runs. The
simulated CUCM's TFTP server is one Python process: when 240 phones power on within three
seconds it answers some read requests more than 0.5 s late (measured: at a 0.5 s floor, 68
phones gave up on the tap and fetched from the next option-150 server), which a real CUCM and
a real phone's multi-second timeout would not do. At time scale 1 the 4 device seconds apply."""
TFTP_RETRIES = 3
TFTP_PORT = 69
"""Where a `loadServer` that names no port answers (TFTP's well-known port, RFC 1350)."""


class BootSteps(Protocol):
    """The phone as one boot may touch it; every call raises if the boot was cancelled."""

    @property
    def itl(self) -> trust.TrustFile | None: ...

    def say(self, text: str) -> None: ...

    def status(self, message: str) -> None: ...

    def wait(self, device_seconds: float) -> None: ...

    def check(self) -> None: ...

    def update(self, **changes: object) -> None: ...


@dataclass(frozen=True)
class Fetch:
    outcome: Literal["ok", "not_found", "timeout", "error"]
    data: bytes = b""


class Provisioner:
    """TFTP client and file checks of one boot of the phone `device_name`."""

    def __init__(self, steps: BootSteps, device_name: str, ip: str, servers: Sequence[tuple[str, int]],
                 clock: SimClock, tvs: tuple[str, int] | None = None, peers: pfs.PeerNetwork | None = None) -> None:
        self.steps = steps
        self.device_name = device_name
        self.ip = ip
        self.servers = list(servers)
        self.clock = clock
        self.tvs = tvs
        """Where the TVS the phone's ITL lists answers (None: no TVS reachable at all)."""
        self.peers = peers
        """The phones this one shares firmware with when its config enables it (None: nobody)."""
        self._preferred = 0

    def provision(self) -> DeviceConfig | None:
        """CTL, ITL and config; the accepted config, or None when the phone gives up."""
        ctl = f"CTL{self.device_name}.tlv"
        if self.fetch(ctl).outcome == "not_found":
            self.steps.status(f"File Not Found : {ctl}")
        self._take_itl()
        signed = f"{self.device_name}.cnf.xml.sgn"
        for attempt in range(CONFIG_ATTEMPTS):
            if attempt:
                self.steps.wait(CONFIG_RETRY_SECONDS)
            config = self._take_config(signed)
            if config is not None:
                return config
            self.steps.status(f"TFTP Timeout : {signed}")
        return None

    def upgrade(self, config: DeviceConfig, running: str) -> bool:
        """Fetch the load file and every image it names, then flash: True when the load changed.

        From the config's `loadServer` when it names one (the load file too: unconfirmed; no
        fallback), else from the TFTP servers, the images from a peer phone first when the
        config enables Peer Firmware Sharing (rig.sim.peers; TFTP when the peer fails)."""
        steps, load_id = self.steps, config.load_id
        steps.say(f"LOAD: configured {load_id}, running {running}: upgrading")
        name = f"{load_id}.loads"
        servers = [_server(config.load_server)] if config.load_server else None  # None: the TFTP servers
        fetched = self.fetch(name, servers)
        if fetched.outcome != "ok":
            steps.status(f"TFTP Error : {name}")
            return False
        try:
            load = LoadFile.parse(fetched.data, name)
        except LoadFileError as error:
            steps.say(f"LOAD: {error}")
            steps.status(f"TFTP Error : {name}")
            return False
        steps.update(state=PhoneState.UPGRADING)
        sharing = config.peer_firmware_sharing and self.peers is not None and not config.load_server
        peer = self.peers.join(MODEL, self.ip, load.load_id) if sharing and self.peers is not None else None
        for image in load.images:
            data = self._image(image, servers, peer)
            if data is None:
                steps.status(f"TFTP Error : {image.name}")
                return False
        steps.update(watts=FLASH_WATTS)
        for image in load.images:
            steps.say(f"LOAD: writing {image.name} ({image.size} bytes) to flash")
            steps.wait(FLASH_SECONDS / len(load.images))
        steps.update(load=load.load_id, link=False, cdp=False)
        steps.say(f"LOAD: upgrade to {load.load_id} complete, rebooting")
        return True

    def _image(self, image: ImageRef, servers: Sequence[tuple[str, int]] | None, peer: pfs.Peer | None) -> bytes | None:
        """One image, checked against the load file: from the parent peer, else over TFTP."""
        data = None
        if peer is not None and peer.parent is not None and self.peers is not None:
            host, port = peer.parent
            self.steps.check()
            try:  # the parent may wait up to wait_s for its own download before it answers
                timeout = self.peers.wait_s + max(TFTP_TIMEOUT_FLOOR, self.clock.seconds(4.0))
                data = pfs.fetch(peer.parent, image.name, timeout=timeout)
                self.steps.say(f"PFS: {image.name}: {len(data)} bytes from peer {host}:{port}")
            except OSError as error:
                self.steps.say(f"PFS: {image.name}: {error}; falling back to TFTP")
        if data is None or not image.matches(data):
            got = self.fetch(image.name, servers)
            data = got.data if got.outcome == "ok" and image.matches(got.data) else None
        if data is not None and peer is not None:
            peer.keep(image.name, data)
        return data

    def _take_itl(self) -> None:
        steps = self.steps
        name = f"ITL{self.device_name}.tlv"
        fetched = self.fetch(name)
        if fetched.outcome == "not_found" and steps.itl is None:
            steps.status("No Trust List Installed")
        if fetched.outcome != "ok":
            return
        try:
            new = trust.parse(fetched.data)
        except trust.TrustFileError as error:
            steps.say(f"ITL: {name} unreadable: {error}")
            steps.status("Trust List Update Failed")
            return
        verdict = self._trusted(new)
        if verdict.valid:
            steps.update(itl=new)
            steps.status("Trust List Updated")
        else:
            steps.say(f"ITL: {name} rejected: {verdict.reason}")
            steps.status("Trust List Update Failed")

    def _take_config(self, signed: str) -> DeviceConfig | None:
        """The config, if it is signed by a TFTP signer of the held ITL (or unsigned, with none).

        Holding an ITL the phone asks for its signed config only (source: Cisco Tech Note 116232,
        "When a CTL or ITL file is present, the IP phone requests a signed TFTP configuration
        file"); from a CUCME router, which writes none, it gets no config and keeps its cached
        one (source: http://ccnp-v.blogspot.com/2011/12/signed-configuration-file-when-moving.html).

        Holding a rollback ITL the phone asks for its signed config first and takes it unchecked,
        else its unsigned one. Unconfirmed: no source says what such a phone asks for first or
        checks in a signed config; Cisco only says phones in rollback still register to the
        cluster that serves them (Administration Guide 12.5(1)SU3, Regenerate certificates and
        ITL, step 4) and accept any unsigned config."""
        itl = self.steps.itl
        plain = signed.removesuffix(".sgn")
        if itl is None:
            fetched = self.fetch(plain)
            return self._read_config(fetched.data, plain) if fetched.outcome == "ok" else None
        fetched = self.fetch(signed)
        if fetched.outcome == "not_found" and trust.is_rollback_itl(itl):
            fetched = self.fetch(plain)
            return self._read_config(fetched.data, plain) if fetched.outcome == "ok" else None
        if fetched.outcome != "ok":
            return None
        try:
            sgn = trust.parse(fetched.data)
        except trust.TrustFileError as error:
            self.steps.say(f"CFG: {signed} unreadable: {error}")
            return None
        verdict = self._trusted(sgn)
        if not verdict.valid or sgn.payload is None:
            self.steps.say(f"CFG: {signed} signature not trusted: {verdict.reason}")
            return None
        return self._read_config(sgn.payload, signed)

    def _trusted(self, signed: trust.TrustFile) -> trust.Verdict:
        """Signed by a signer of the held ITL, or by one a TVS that ITL lists vouches for; anything,
        when no ITL or a rollback ITL is held: "When a phone has an empty ITL file, the phone accepts
        any unsigned configuration file [...] and also accepts any new ITL file" (source: Cisco
        Security Guide for CUCM 12.5(1)SU6, Default Security; rig.trust.rollback)."""
        held = self.steps.itl
        if held is None or trust.is_rollback_itl(held):
            return trust.Verdict(True, None)
        verdict = trust.verify(signed, itl=held)
        listed = [record.certificate for record in held.records_with("TVS") if record.certificate is not None]
        if verdict.valid or not listed:
            return verdict
        if self.tvs is None:
            return trust.Verdict(False, f"{verdict.reason}; no TVS reachable")
        host, port = self.tvs
        self.steps.check()
        try:
            presented, vouched = tvs_service.ask(self.tvs, signed.signer.serial, timeout=max(TFTP_TIMEOUT_FLOOR,
                                                                                          self.clock.seconds(4.0)))
        except OSError as error:
            self.steps.say(f"TVS: {host}:{port}: {error}")
            return trust.Verdict(False, f"{verdict.reason}; TVS unreachable")
        if presented not in listed:
            self.steps.say(f"TVS: {host}:{port} presents a certificate the ITL does not list")
            return trust.Verdict(False, f"{verdict.reason}; TVS not trusted")
        if vouched is None:
            self.steps.say(f"TVS: {host}:{port} does not know signer {signed.signer.serial}")
            return trust.Verdict(False, f"{verdict.reason}; TVS does not know the signer")
        self.steps.say(f"TVS: {host}:{port} vouches for signer {signed.signer.serial}")
        return trust.verify(signed, cert=vouched)

    def _read_config(self, data: bytes, name: str) -> DeviceConfig | None:
        try:
            return DeviceConfig.parse(data, name)
        except DeviceConfigError as error:
            self.steps.say(f"CFG: {error}")
            return None

    def fetch(self, name: str, among: Sequence[tuple[str, int]] | None = None) -> Fetch:
        """Download `name` into memory from the TFTP servers, the last one that answered first
        (or from the servers `among`, in their order)."""
        order = self._preferred
        servers = self.servers[order:] + self.servers[:order] if among is None else among
        timeout = max(TFTP_TIMEOUT_FLOOR, self.clock.seconds(4.0))
        for host, port in servers:
            self.steps.check()
            try:
                data = download(host, port, name, localip=self.ip, timeout=timeout, retries=TFTP_RETRIES)
            except tftpy.TftpTimeout:
                self.steps.say(f"TFTP: {name}: no answer from {host}:{port}")
                continue
            except tftpy.TftpFileNotFoundError:
                self._prefer(host, port)
                self.steps.say(f"TFTP: {name}: File not found on {host}:{port}")
                return Fetch("not_found")
            except (tftpy.TftpException, OSError) as error:
                self._prefer(host, port)
                self.steps.say(f"TFTP: {name}: error from {host}:{port}: {error}")
                return Fetch("error")
            self._prefer(host, port)
            self.steps.say(f"TFTP: {name}: {len(data)} bytes from {host}:{port}")
            return Fetch("ok", data)
        return Fetch("timeout")

    def _prefer(self, host: str, port: int) -> None:
        if (host, port) in self.servers:
            self._preferred = self.servers.index((host, port))


def _server(load_server: str) -> tuple[str, int]:
    """A `loadServer` value, `host` or `host:port`, as the address the phone asks."""
    host, _, port = load_server.partition(":")
    return host, int(port) if port.isdigit() else TFTP_PORT
