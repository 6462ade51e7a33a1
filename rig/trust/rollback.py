"""The rollback ITL: what a cluster serves once "Prepare Cluster for Rollback to pre 8.0" is True.

What Cisco documents (source: Cisco, Security Guide for Cisco Unified Communications Manager,
release 12.5(1)SU6, "Default Security" chapter, migrating phones between clusters,
https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/security/12_5_1SU6/cucm_b_security-guide-1251su6/cucm_m_default-security-setup_su2_reorg.html;
and the Administration Guide for CUCM 12.5(1)SU3, "Regenerate certificates and ITL for
single-server cluster phones", step 2,
https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/admin/12_5_1SU3/adminGd/cucm_b_administration-guide-1251su3/cucm_m_post-change-tasks-and-verification.html):
- with the enterprise parameter set to True, "the phones download a special ITL file that
  contains empty TVS and TFTP certificate sections";
- a phone holding it "accepts any unsigned configuration file" and "any new ITL file";
- it is checked on the phone at Settings > Security > Trust List > ITL: "Empty entries appear
  where the old TVS and TFTP servers used to be".

Unconfirmed (no public capture of a rollback ITL was found): which records the file still holds.
rig assumes the phone accepts it as any ITL update (signed by a certificate its held ITL trusts,
or that TVS vouches for: the same guide's rule for every ITL update), so it is still signed and
keeps its signer as a SAST record; `build_rollback_itl` writes exactly that, and
`is_rollback_itl` asks only what the documents say: no TFTP, CCM+TFTP or TVS record.
"""

from __future__ import annotations

from rig.trust.model import TrustFile

EMPTIED_FUNCTIONS = ("TFTP", "CCM+TFTP", "TVS")
"""The record roles a rollback ITL has none of (Cisco: "empty TVS and TFTP certificate sections";
CCM+TFTP is the TFTP role a CallManager certificate carries when the node runs both)."""


def is_rollback_itl(itl: TrustFile) -> bool:
    """An ITL with no TFTP, CCM+TFTP or TVS record: it vouches for no config signer and names no
    TVS, so a phone holding it takes unsigned configs and any next ITL."""
    return itl.kind == "ITL" and not itl.records_with(*EMPTIED_FUNCTIONS)


def rollback_state(itl: TrustFile) -> str:
    """One line on what the ITL a cluster serves says of its rollback parameter."""
    if is_rollback_itl(itl):
        return f"{itl.filename}: rollback ITL (no TFTP or TVS record: Prepare Cluster for Rollback is True)"
    roles = sorted({r.function_name for r in itl.records_with(*EMPTIED_FUNCTIONS)})
    return f"{itl.filename}: not a rollback ITL (it lists {', '.join(roles)})"
