"""Where a phone's firmware images come from, read from its config and judged from the tap.

A phone's config (`SEP<MAC>.cnf.xml`, fetched through the tap, signed or not) may send it
elsewhere for its images (sources: docs/firmware.md): Peer Firmware Sharing (a peer phone of
its model and subnet passes them on over TCP, TFTP when that fails) or a Load Server (another
server, no fallback). The tap sees neither, so the images it must see depend on the config:

- neither: every image the `.loads` file names comes through the tap (`tftp`);
- peer sharing: the `.loads` file still comes from TFTP; images not seen came from a peer, and
  the load witnesses decide (`peer`);
- a load server: neither the `.loads` file nor the images pass the tap; the witnesses decide
  and the report says the images were not observed (`load_server`).

Which elements carry the two settings is the phone profile's fact (`firmware_fields`); pure
functions here, the observe step feeds them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from rig import trust
from rig.profiles import FirmwareFields

ImageSource = Literal["tftp", "peer", "load_server", "none"]


@dataclass(frozen=True)
class FirmwarePath:
    """What the phone's config says about its images."""

    peer_sharing: bool = False
    load_server: str | None = None


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


def firmware_path(content: bytes | None, fields: FirmwareFields | None) -> FirmwarePath:
    """The settings in a fetched config; the default path (TFTP) when there is no config, the
    profile names no fields, or the config is not XML."""
    if content is None or fields is None:
        return FirmwarePath()
    try:
        root = ET.fromstring(config_xml(content))
    except ET.ParseError:
        return FirmwarePath()
    sharing = (root.findtext(fields.peer_sharing) or "").strip() == "1"
    server = (root.findtext(fields.load_server) or "").strip()
    return FirmwarePath(peer_sharing=sharing, load_server=server or None)


def tap_sees_loads(path: FirmwarePath) -> bool:
    """Whether the `.loads` file passes the tap (not when a load server serves the load)."""
    return path.load_server is None


def tap_sees_images(path: FirmwarePath) -> bool:
    """Whether every image must pass the tap (neither a peer nor a load server serves them)."""
    return path.load_server is None and not path.peer_sharing


def image_verdict(path: FirmwarePath, images: Sequence[str] | None, fetched: Collection[str],
                  loads_fetched: bool) -> ImageVerdict:
    """Where the images came from, given the config's path, the images the fetched `.loads` file
    names (None: not fetched), the files fetched through the tap and whether the `.loads` was."""
    if path.load_server is not None:
        return ImageVerdict("load_server", f"images from load server {path.load_server}: not observed "
                                           "(the tap does not stand in front of it; the load witnesses decide)")
    if not loads_fetched or not images:
        return ImageVerdict("none", "no images fetched: the phone needed no new load")
    through_tap = [name for name in images if name in fetched]
    if len(through_tap) == len(images):
        return ImageVerdict("tftp", f"images through the tap ({len(images)} of {len(images)})")
    fallback = f"; {len(through_tap)} through the tap (TFTP fallback)" if through_tap else ""
    return ImageVerdict("peer", f"images from a peer (Peer Firmware Sharing: {len(images) - len(through_tap)} "
                                f"of {len(images)} not through the tap{fallback}; the load witnesses decide)")
