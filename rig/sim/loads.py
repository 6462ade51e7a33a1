"""Firmware load names of the simulated 7942 and the `.loads` file that lists a load's images.

A real `.loads` file is a signed binary; the simulator uses a small text format of its own,
because what matters to rig is which files the phone fetches, not how the load file is encoded:

    load SCCP42.9-4-2SR3-1S
    image apps42.9-4-2ES26.sbn 65536 <sha1>
    ...

The phone checks each downloaded image's size and SHA-1 against its line before "flashing" it.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Literal

NEW_LOAD = "SCCP42.9-4-2SR3-1S"
"""source: cmterm-7942_7962-sccp.9-4-2SR3-1 (shared by 7942 and 7962); the CP-7962G
DeviceInformationX capture runs it (`*SCCP42.9-4-2SR3-1S*`)."""
OLD_LOAD = "SCCP42.8-5-4S"
BOOT_LOAD = "tnp42.8-3-1-21a.bin"
"""source: LLDP-MED `F/W revision: tnp42.8-3-1-21a.bin` of a real CP-7942G (the 7962G capture's
bootLoadID is its tnp62 analogue)."""
DEFAULT_LOADS = "term42.default.loads"
# source: the images of the 9.4(2)SR3 load as published in cmterm-7942_7962-sccp.9-4-2SR3-1.zip;
# the CP-7962G capture's appLoadID names the app image `jar42sccp.9-4-2ES26.sbn`.
IMAGES_9_4_2 = (
    "apps42.9-4-2ES26.sbn",
    "cnu42.9-4-2ES26.sbn",
    "cvm42sccp.9-4-2ES26.sbn",
    "dsp42.9-4-2ES26.sbn",
    "jar42sccp.9-4-2ES26.sbn",
)

REAL_SIZES = {
    "apps42.9-4-2ES26.sbn": 4_638_412,
    "cvm42sccp.9-4-2ES26.sbn": 2_218_670,
    "jar42sccp.9-4-2ES26.sbn": 1_763_397,
    "cnu42.9-4-2ES26.sbn": 581_755,
    "dsp42.9-4-2ES26.sbn": 364_895,
}
"""Bytes of each image of 9.4(2)SR3 as published (9,567,129 bytes a phone, 9.57 MB). source: a
public static analysis of cmterm-7942_7962-sccp.9-4-2SR3-1.zip (`FIRMWARE_7942_7962`, `sbn_files`
with size and sha256 per image; find_string `apps42.9-4-2ES26.sbn`, repository not named by the
search tools; tests/fixtures/real/PROVENANCE.md, "Found, read, and not copied here")."""
ImageSizes = int | Literal["real"]
"""Bytes of every image alike, or "real": each image of a load in REAL_SIZES at its published size."""


class LoadFileError(ValueError):
    """A `.loads` file the phone cannot use; the message names the file and the line."""


@dataclass(frozen=True)
class ImageRef:
    name: str
    size: int
    sha1: str

    def matches(self, data: bytes) -> bool:
        return len(data) == self.size and hashlib.sha1(data).hexdigest() == self.sha1


@dataclass(frozen=True)
class LoadFile:
    load_id: str
    images: tuple[ImageRef, ...]

    def render(self) -> bytes:
        lines = [f"load {self.load_id}"] + [f"image {i.name} {i.size} {i.sha1}" for i in self.images]
        return ("\n".join(lines) + "\n").encode("ascii")

    @classmethod
    def parse(cls, data: bytes, filename: str) -> LoadFile:
        load_id: str | None = None
        images: list[ImageRef] = []
        for number, raw in enumerate(data.decode("ascii", errors="replace").splitlines(), start=1):
            words = raw.split()
            if not words or words[0].startswith("#"):
                continue
            if words[0] == "load" and len(words) == 2:
                load_id = words[1]
            elif words[0] == "image" and len(words) == 4 and words[2].isdigit():
                images.append(ImageRef(words[1], int(words[2]), words[3].lower()))
            else:
                raise LoadFileError(f"{filename} line {number}: cannot read {raw.strip()!r}")
        if load_id is None or not images:
            raise LoadFileError(f"{filename}: needs a 'load' line and at least one 'image' line")
        return cls(load_id, tuple(images))


def image_names(load_id: str) -> tuple[str, ...]:
    """The five images of a 7942 SCCP load; 9.4(2)SR3's are named after its ES26 build."""
    if load_id == NEW_LOAD:
        return IMAGES_9_4_2
    version = load_id.removeprefix("SCCP42.")
    return tuple(f"{kind}.{version}.sbn" for kind in ("apps42", "cnu42", "cvm42sccp", "dsp42", "jar42sccp"))


def app_image(load_id: str) -> str:
    """The image a 79x2's `appLoadID` names for a running load: its `jar42sccp` image."""
    return next(name for name in image_names(load_id) if name.startswith("jar42sccp."))


@functools.cache
def image_content(name: str, size: int) -> bytes:
    """Deterministic filler for an image: the same name and size always give the same bytes."""
    seed = name.encode("ascii")
    blocks = (hashlib.sha256(seed + counter.to_bytes(4, "big")).digest() for counter in range(-(-size // 32)))
    return b"".join(blocks)[:size]


def image_size(name: str, sizes: ImageSizes) -> int:
    """An image's size in bytes: its published size under "real" (an image whose size is not
    published, of another load, gets the mean of the published ones), else `sizes`."""
    if sizes != "real":
        return sizes
    return REAL_SIZES.get(name, sum(REAL_SIZES.values()) // len(REAL_SIZES))


def load_file(load_id: str, sizes: ImageSizes) -> LoadFile:
    images = []
    for name in image_names(load_id):
        size = image_size(name, sizes)
        images.append(ImageRef(name, size, hashlib.sha1(image_content(name, size)).hexdigest()))
    return LoadFile(load_id, tuple(images))
