"""Cisco trust files: ITL and CTL (.tlv) and signed files (.sgn): parse, verify, build.

Format and rules: docs/design.md ("Trust files"); interfaces: docs/contracts.md ("rig/trust").
"""

from rig.trust.build import build_ctl, build_itl, build_rollback_itl, build_sgn
from rig.trust.errors import TrustFileError
from rig.trust.model import FUNCTION_NAMES, RecordSpec, Signer, TrustFile, TrustRecord, Verdict
from rig.trust.parse import parse
from rig.trust.rollback import is_rollback_itl, rollback_state
from rig.trust.verify import verify

__all__ = [
    "FUNCTION_NAMES",
    "RecordSpec",
    "Signer",
    "TrustFile",
    "TrustFileError",
    "TrustRecord",
    "Verdict",
    "build_ctl",
    "build_itl",
    "build_rollback_itl",
    "build_sgn",
    "is_rollback_itl",
    "parse",
    "rollback_state",
    "verify",
]
