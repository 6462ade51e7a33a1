"""Where a phone's firmware images come from, read from its config and judged from the tap.

A phone's config (`SEP<MAC>.cnf.xml`, fetched through the tap, signed or not) may send it
elsewhere for its images (sources: docs/firmware.md): Peer Firmware Sharing (a peer phone of
its model and subnet passes them on over TCP, TFTP when that fails) or a Load Server (another
server, no fallback). The tap sees neither, so the images it must see depend on the config:

- neither: every image the `.loads` file names comes through the tap (`tftp`);
- peer sharing: the `.loads` file still comes from TFTP; images not seen came from a peer, and
  the load witnesses decide (`peer`);
- a load server: neither the `.loads` file nor the images pass the tap; the witnesses decide
  and the report says the images were not observed (`load_server`), unless the config names a
  tap that stands in front of the load server (`tftp_tap.load_server`): then both must pass it.

Which elements carry the two settings is the phone profile's fact (`firmware_fields`); pure
functions here, the observe step feeds them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from rig import trust
from rig.phone.profiles import FirmwareFields

ImageSource = Literal["tftp", "peer", "load_server", "none"]


@dataclass(frozen=True)
class FirmwarePath:
    """What the phone's config says about its images."""

    peer_sharing: bool = False
    load_server: str | None = None
    load_server_tapped: bool = False
    """The load server the config names is a tap in front of the real one."""


@dataclass(frozen=True)
class ImageVerdict:
    source: ImageSource
    description: str


def config_xml(content: bytes) -> bytes:
    """The XML of a config as fetched: a `.sgn` file's payload, or the file itself."""
    try:
        signed = trust.parse(content)
    except trust.TrustFileError:
        return content
    return signed.payload if signed.payload is not None else content


TFTP_PORT = 69
"""The port of a `loadServer` that names none (TFTP's well-known port, RFC 1350)."""


def server_address(value: str) -> tuple[str, int]:
    """A `loadServer` value, `host` or `host:port`, as an address."""
    host, _, port = value.partition(":")
    return host, int(port) if port.isdigit() else TFTP_PORT


def firmware_path(content: bytes | None, fields: FirmwareFields | None,
                  taps: Collection[tuple[str, int]] = ()) -> FirmwarePath:
    """The settings in a fetched config (`taps`: where taps in front of load servers listen);
    the default path (TFTP) when there is no config, the profile names no fields, or the config
    is not XML."""
    if content is None or fields is None:
        return FirmwarePath()
    try:
        root = ET.fromstring(config_xml(content))
    except ET.ParseError:
        return FirmwarePath()
    sharing = (root.findtext(fields.peer_sharing) or "").strip() == "1"
    server = (root.findtext(fields.load_server) or "").strip()
    return FirmwarePath(peer_sharing=sharing, load_server=server or None,
                        load_server_tapped=bool(server) and server_address(server) in taps)


def tap_sees_loads(path: FirmwarePath) -> bool:
    """Whether the `.loads` file passes a tap (not when an untapped load server serves the load)."""
    return path.load_server is None or path.load_server_tapped


def tap_sees_images(path: FirmwarePath) -> bool:
    """Whether every image must pass a tap (neither a peer nor an untapped load server serves them)."""
    return path.load_server_tapped or (path.load_server is None and not path.peer_sharing)


def image_verdict(path: FirmwarePath, images: Sequence[str] | None, fetched: Collection[str],
                  loads_fetched: bool) -> ImageVerdict:
    """Where the images came from, given the config's path, the images the fetched `.loads` file
    names (None: not fetched), the files fetched through the tap and whether the `.loads` was."""
    if path.load_server is not None and not path.load_server_tapped:
        return ImageVerdict("load_server", f"images from load server {path.load_server}: not observed "
                                           "(the tap does not stand in front of it; the load witnesses decide)")
    if not loads_fetched or not images:
        return ImageVerdict("none", "no images fetched: the phone needed no new load")
    through_tap = [name for name in images if name in fetched]
    if path.load_server is not None:
        return ImageVerdict("load_server", f"images from load server {path.load_server} through its tap "
                                           f"({len(through_tap)} of {len(images)})")
    if len(through_tap) == len(images):
        return ImageVerdict("tftp", f"images through the tap ({len(images)} of {len(images)})")
    fallback = f"; {len(through_tap)} through the tap (TFTP fallback)" if through_tap else ""
    return ImageVerdict("peer", f"images from a peer (Peer Firmware Sharing: {len(images) - len(through_tap)} "
                                f"of {len(images)} not through the tap{fallback}; the load witnesses decide)")
