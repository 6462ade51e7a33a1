"""The facts about real phones that no public source confirms (docs/real-phones.md, "Not confirmed
on hardware", and each profile's `confirmed: false` facts), named once so a bundle's manifest can
say which files bear on which fact and `rig facts` can judge each one from the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    id: str
    claim: str
    """What rig assumes, in one sentence."""
    where: str
    """Where the assumption is written (profile field, keypad script, docs page)."""


FACTS: tuple[Fact, ...] = (
    Fact("console.erase_line", "the phone's console prints `Erasing CTL and ITL files` when its ITL is erased",
         "phone_profiles/<profile>.yaml erase_signals (kind: console, confirmed: false)"),
    Fact("key_path", "the keypad script's key path (Settings 4 5 2, **#, Soft4 Soft2) erases the ITL",
         "keypad_scripts/<model>-<firmware>-itl_erase.yaml"),
    Fact("key_path.variant", "one of the keypad script's published variants erases the ITL where its own path does "
         "not (`rig erase --try-variants` names the one that confirmed)",
         "keypad_scripts/<model>-<firmware>-itl_erase.yaml variants"),
    Fact("restart_after_erase", "the phone restarts by itself after the ITL erase",
         "phone_profiles/<profile>.yaml erase_signals (kind: restart, note)"),
    Fact("web.status_messages", "the status messages page lists lines the profile's status_line reads "
         "(`10:26:18a Trust List Update Failed`)", "phone_profiles/<profile>.yaml web.status_messages, status_line"),
    Fact("web.access_off", "a phone with Web Access disabled refuses the connection or answers 404",
         "drivers/phone_web.py WebAccessOff; docs/real-phones.md"),
    Fact("web.device_info", "the phone's /DeviceInformationX matches the CP-7962G capture (MACAddress, versionID "
         "the decorated load, appLoadID an image)", "phone_profiles/<profile>.yaml fields"),
    Fact("cdp.version", "the switch's CDP detail shows the bare load under `Version :` on a 9.x load",
         "phone_profiles/<profile>.yaml load_witnesses"),
    Fact("lldp.software_revision", "a 7942's LLDP-MED `S/W revision` is its bare load, as a real CP-7962G's is "
         "(read where CDP gives the phone no entry; no 7942 LLDP capture was found)",
         "phone_profiles/<profile>.yaml load_witnesses (lldp_software); docs/switches.md"),
    Fact("cdp.platform", "the switch's CDP `Platform:` matches the profile's cdp_platform",
         "phone_profiles/<profile>.yaml cdp_platform"),
    Fact("tftp.options", "the phone asks for its files with the TFTP blksize option (RFC 2348; the simulated "
         "phone asks 1428), which the tap relays at the phone's size", "rig/sim/tftp_client.py; drivers/tftp_tap.py"),
    Fact("tftp.timeout", "the phone sends an unanswered TFTP request again after its TFTP timeout, then moves on "
         "to its next TFTP server (how long it waits is unconfirmed)", "docs/real-phones.md; rig/sim/tftp_client.py"),
    Fact("risport.status_reason", "RisPort answers StatusReason 0 for a Registered phone (the simulator's "
         "assumption: no public table of the numbers was found)", "docs/real-phones.md"),
)
BY_ID = {fact.id: fact for fact in FACTS}
