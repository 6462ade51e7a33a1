"""The config's firmware-path settings: a tap in front of a load server, and where the simulated
phones take their images from (docs/firmware.md)."""

from __future__ import annotations

from pydantic import model_validator

from rig.config.base import Endpoint, Strict


class LoadServerTap(Strict):
    """A second tap, in front of a load server (docs/firmware.md): the phones' `loadServer`
    names `listen` (the rig host) and the tap relays to the load server and records."""

    listen: Endpoint
    upstream: Endpoint
    """The load server."""


class Firmware(Strict):
    """Where the simulated phones take their firmware images from (docs/firmware.md)."""

    peer_sharing: bool = False
    """Every phone's config enables Peer Firmware Sharing: one phone per subnet fetches the
    images over TFTP, the others from a peer over TCP (TFTP when that fails)."""
    load_server: bool = False
    """A second simulated TFTP server serves the load; every phone's config names it as its
    `loadServer` (no fallback to the cluster's TFTP)."""
    tap_load_server: bool = False
    """With load_server: the configs name a second tap in front of it (`tftp_tap.load_server`)."""

    @model_validator(mode="after")
    def _one(self) -> "Firmware":
        if self.peer_sharing and self.load_server:
            raise ValueError("peer_sharing and load_server: the simulator offers one at a time")
        if self.tap_load_server and not self.load_server:
            raise ValueError("tap_load_server: needs load_server: true")
        return self
