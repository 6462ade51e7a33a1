"""Whether a switch runs CDP and LLDP, the two ways it can name the phone on a port.

A switch with a protocol turned off answers its `show` commands with one line: `% CDP is not
enabled` (source: genieparser iosxr/tests/ShowCdp/cli/equal/golden_output2_output.txt, copied in
tests/fixtures/real/ios/genieparser/ShowCdp) and `% LLDP is not enabled` (source: ntc-templates'
cisco_ios_show_lldp_neighbors_detail.textfsm, rule `^.*LLDP is not enabled -> EOF`). A running one
prints its global settings (`Global CDP information:`, `Global LLDP Information:`, the same
folder). The IOS-XE wording of the CDP line is unconfirmed: only the IOS-XR capture prints it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rig.drivers.ios_errors import SwitchCommandError

PROTOCOLS = ("CDP", "LLDP")
_OFF = re.compile(r"^% ?(CDP|LLDP) is not enabled")


def protocol_off(error: SwitchCommandError) -> bool:
    """True when the switch refused a command because CDP or LLDP is not running."""
    return bool(error.problem and _OFF.match(error.problem))


def protocols_running(show: Callable[[str], str]) -> dict[str, bool]:
    """{"CDP": running, "LLDP": running}: `show cdp` and `show lldp` through `show`, which raises
    SwitchCommandError on a `%` line."""
    running = {}
    for protocol in PROTOCOLS:
        try:
            show(f"show {protocol.lower()}")
            running[protocol] = True
        except SwitchCommandError as error:
            if not protocol_off(error):
                raise
            running[protocol] = False
    return running
