"""`rig diagnostics` and `rig facts` (docs/diagnostics.md): a redacted bundle of what a bench's
devices answered, and what that evidence says about the facts no public source confirms.

- `collect(bench, phones, runs_dir)` -> Collected (read-only); `write_bundle(found, out)` -> manifest.
- `Redactor`: the same identifier gets the same pseudonym in every file of a bundle.
"""

from rig.diagnostics.bundle import write_bundle
from rig.diagnostics.collect import Collected, collect
from rig.diagnostics.redact import Known, Redactor

__all__ = ["Collected", "Known", "Redactor", "collect", "write_bundle"]
