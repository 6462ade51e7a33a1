"""What each phone fetched, kept in the run directory: `runs/<id>/files/<phone>/<file>`.

The ITL, CTL, signed and unsigned configs and `.loads` files a phone actually got are what
`rig itl show` needs afterwards; the firmware images are not kept (megabytes each, and CUCM serves
them unchanged). Only transfers whose content the tap kept are written (it keeps up to
`rig.drivers.tftp_tap`'s limit). A file name comes from the phone's request, so only a plain name is
used as it is; anything else is written under a name made of safe characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from rig.drivers.tftp_records import TftpTransfer
from rig.record.journal import FILES_DIR

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def kept_name(requested: str) -> str:
    """The name a fetched file is kept under: the requested name when it is a plain file name,
    else its last path part with every other character replaced by `_` (never `..` or a path)."""
    if _PLAIN.fullmatch(requested) and ".." not in requested:
        return requested
    last = re.split(r"[/\\]", requested)[-1]
    safe = _UNSAFE.sub("_", last).replace("..", "__").lstrip(".") or "unnamed"
    return safe[:128]


def phone_files_dir(run_dir: Path, phone: str) -> Path:
    return run_dir / FILES_DIR / phone


def keep_fetched(run_dir: Path, phone: str, transfers: Iterable[TftpTransfer], image: str) -> list[Path]:
    """Write each completed transfer's content (not images: names matching the profile's `image`
    regex) into the phone's files directory; a file fetched again is overwritten by the latest."""
    written = []
    for transfer in transfers:
        if not transfer.ok or transfer.content is None or re.fullmatch(image, transfer.file):
            continue
        folder = phone_files_dir(run_dir, phone)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / kept_name(transfer.file)
        path.write_bytes(transfer.content)
        written.append(path)
    return written
