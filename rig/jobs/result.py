"""What a job returns, the `--json` document and the exit codes: one definition each.

Exit codes (README, docs/design.md): 0 every phone passed, 1 any phone failed, errored or was
skipped, 2 bad input (RigError: one line, no traceback), 130 interrupted (journal and reports kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rig.errors import RigError
from rig.report.model import RunResults

EXIT_PASSED = 0
EXIT_NOT_PASSED = 1
EXIT_BAD_INPUT = RigError.exit_code
EXIT_INTERRUPTED = 130


def exit_code(results: RunResults, interrupted: bool) -> int:
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_PASSED if results.all_passed else EXIT_NOT_PASSED


def json_document(results: RunResults, run_dir: Path) -> dict[str, Any]:
    """What `--json` prints: `{"ports_left_off": [{"phone", "switch", "port"}], "run_dir", "summary",
    "fixes", "phones": [{"name", ["bench",] "outcome", "reason", "fix"}]}` (ports left off first: issue 29),
    each part as results.json has it."""
    full = results.to_json()
    phones = [{key: phone[key] for key in ("name", "bench", "outcome", "reason", "fix") if key in phone}
              for phone in full["phones"]]
    return {"ports_left_off": full["ports_left_off"], "run_dir": str(run_dir), "summary": full["summary"],
            "fixes": full["fixes"], "phones": phones}


@dataclass(frozen=True)
class JobResult:
    """One finished (or interrupted) job: where it is, its typed results, and what it restored."""

    run_dir: Path
    results: RunResults
    restored: list[str] = field(default_factory=list)
    """Ports a dead run had left off that this job turned back on (descriptions)."""

    @property
    def exit_code(self) -> int:
        return exit_code(self.results, self.results.interrupted)

    def document(self) -> dict[str, Any]:
        return json_document(self.results, self.run_dir)
