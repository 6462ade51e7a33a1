"""The image cache of several tap workers, shared through files: one read of CUCM per image.

With its data path in several processes (rig.drivers.tftp_tap_process, `workers`), each worker
keeps its own in-memory cache (rig.drivers.tftp_tap_cache), and a phone's requests reach any of
them: the kernel spreads requests over the workers by a hash of the phone's address and port, and
a phone asks for each file from a new port. So what one worker learns must reach the others, in
a private directory the controller makes for the run:

- `names/`: each image name a relayed `.loads` file named (a file per name, holding the SHA-256
  of that `.loads` file), so a worker that never relayed it still knows the image;
- `images/`: each image as read from upstream (upstream's accepted options, then its bytes),
  written by the one worker that read it and renamed into place whole;
- `locks/`: a lock per image (`flock`), held by the worker reading it from upstream. A worker that
  finds it taken waits for the image's file (looking again each sweep of its poller); one that
  finds it free with no file reads the image itself: the first reader failed or died (the kernel
  releases a dead process's lock), and the next one tries again.

The files are bounded by the cache's limit: past it, the oldest image files go (a worker that
needs one again reads it from upstream again, as one worker does past its limit).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

FILL: Final = "fill"
"""`claim`: this worker reads the image from upstream (it holds the image's lock)."""
WAIT: Final = "wait"
"""`claim`: another worker is reading it; ask again later."""


def _file_name(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class SharedImages:
    """One worker's view of the shared directory `root` (made by the controller, emptied by it)."""

    def __init__(self, root: str | Path, limit: int) -> None:
        self.root, self.limit = Path(root), limit
        for sub in ("names", "images", "locks"):
            (self.root / sub).mkdir(exist_ok=True)
        self._held: dict[tuple[str, str], int] = {}
        """Image key -> the descriptor of its lock, while this worker reads it from upstream."""

    def publish(self, digest: str, names: set[str]) -> None:
        """The images a `.loads` file (SHA-256 `digest`) names, for every worker."""
        try:
            for name in names:
                self._write(self.root / "names" / _file_name(name), digest.encode())
        except OSError as error:  # the other workers relay those images: more reads of CUCM, no harm
            log.warning("tftp tap: cannot share image names: %s", error)

    def named(self, name: str) -> str | None:
        """The SHA-256 of the `.loads` file that last named image `name` (lower case); None: no image."""
        try:
            return (self.root / "names" / _file_name(name)).read_text()
        except FileNotFoundError:
            return None

    def claim(self, key: tuple[str, str]) -> tuple[bytes, dict[str, str]] | str:
        """The image's bytes and upstream's options when a worker has read it; else FILL (this
        worker holds its lock: read it and `store` or `release` it) or WAIT."""
        found = self._read(key)
        if found is not None or key in self._held:
            return found or WAIT
        fd = os.open(self.root / "locks" / _file_name(*key), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return WAIT
        found = self._read(key)  # stored between the first look and the lock
        if found is not None:
            os.close(fd)
            return found
        self._held[key] = fd
        return FILL

    def store(self, key: tuple[str, str], data: bytes | bytearray, options: dict[str, str]) -> None:
        """The image as read from upstream, for every worker; then its lock is released."""
        header = json.dumps(options).encode()
        try:
            if len(data) <= self.limit:
                self._write(self.image_path(key), len(header).to_bytes(4, "big") + header + data)
                self._prune(keep=self.image_path(key).name)
        except OSError as error:  # the next worker to need it reads it from upstream
            log.warning("tftp tap: cannot share image %s: %s", key[0], error)
        self.release(key)

    def release(self, key: tuple[str, str]) -> None:
        """Let another worker read the image (this one failed to, or is done)."""
        fd = self._held.pop(key, None)
        if fd is not None:
            os.close(fd)  # closing the descriptor releases its flock

    def close(self) -> None:
        for key in list(self._held):
            self.release(key)

    def image_path(self, key: tuple[str, str]) -> Path:
        """Where the image of `key` (name, SHA-256 of its `.loads` file) is, once read."""
        return self.root / "images" / _file_name(*key)

    def _read(self, key: tuple[str, str]) -> tuple[bytes, dict[str, str]] | None:
        try:
            raw = self.image_path(key).read_bytes()
        except FileNotFoundError:
            return None
        length = int.from_bytes(raw[:4], "big")
        return raw[4 + length:], json.loads(raw[4:4 + length])

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        """Whole or not at all: a reader never sees a file half written."""
        part = path.with_name(f"{path.name}.{os.getpid()}.part")
        part.write_bytes(content)
        os.replace(part, path)

    def _prune(self, keep: str) -> None:
        """The oldest image files out until the rest fit in `limit`."""
        files = []
        for path in (self.root / "images").iterdir():
            try:
                if not path.name.endswith(".part"):
                    stat = path.stat()
                    files.append((stat.st_mtime, stat.st_size, path))
            except FileNotFoundError:
                pass  # another worker pruned it
        held = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if held <= self.limit:
                return
            if path.name != keep:
                path.unlink(missing_ok=True)
                held -= size
