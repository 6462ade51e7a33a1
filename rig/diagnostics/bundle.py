"""A diagnostics bundle on disk: one zip whose every member, the manifest included, went through
one Redactor before it was written (rig.diagnostics.redact).

The zip is written beside its destination and renamed into place, so a bundle that exists is
whole; it is readable by its owner only until they decide to send it.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from rig.diagnostics.catalog import FACTS
from rig.diagnostics.collect import Collected
from rig.diagnostics.evidence import MANIFEST
from rig.diagnostics.redact import Redactor

SCREENSHOTS_IN = "included with --screenshots: text metadata removed; the pixels are not redacted (a screen " \
    "can show the phone's number, host name or address: look before sending)"
SCREENSHOTS_OUT = "not included (give --screenshots: the pixels of a screen are not redacted)"


def rig_version() -> str:
    try:
        return version("rig")
    except PackageNotFoundError:  # a source tree that was never installed
        return "not installed"


def write_bundle(found: Collected, out: Path, *, screenshots: bool) -> dict[str, Any]:
    """Redact everything collected, write the zip at `out`, return the manifest as written."""
    redactor = Redactor(found.known)
    members = {redactor.text(path): redactor.data(data) for path, data in sorted(found.files.items())}
    manifest: dict[str, Any] = {
        "rig": rig_version(),
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "run": found.run,
        "phones": [{key: redactor.text(value) for key, value in row.items()} for row in found.phones],
        "files": {redactor.text(path): {"bears_on": list(found.bears_on.get(path, ()))}
                  for path in sorted(found.files)},
        "missing": {redactor.text(path): redactor.text(reason) for path, reason in sorted(found.missing.items())},
        "screenshots": SCREENSHOTS_IN if screenshots else SCREENSHOTS_OUT,
        "credentials": "never collected: passwords are used for the screenshot request only and removed "
                       "wherever a device echoes one",
        "facts": {fact.id: fact.claim for fact in FACTS},
    }
    manifest["redacted"] = redactor.counts()
    members[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode()
    _write_zip(out, members)
    return manifest


def _write_zip(out: Path, members: dict[str, bytes]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for name, data in members.items():
                bundle.writestr(name, data)
        os.chmod(temporary, 0o600)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
