"""`rig preflight`: a read-only check of a bench and its phones before a run (docs/preflight.md).

- `preflight(bench, names)` -> PreflightReport: every bench and phone check.
- `bench_gate(bench, phones)`: what `rig erase` / `rig verify` check first (RigError, exit 2).
"""

from rig.preflight.report import BenchReport, Check, PhoneReport, PreflightReport
from rig.preflight.run import bench_gate, preflight

__all__ = ["BenchReport", "Check", "PhoneReport", "PreflightReport", "bench_gate", "preflight"]
