"""The files the simulated CUCME router's TFTP server offers after `create cnf-files`.

What Cisco documents (docs/cme.md has the addresses):
- `create cnf-files` builds the XML configuration files SCCP phones need; by default they live in
  `system:/its/` and are bound to TFTP names (`show telephony-service tftp-bindings`:
  `tftp-server system:/its/XMLDefault.cnf.xml alias XMLDefault.cnf.xml`, and per phone
  `tftp-server system:/its/XMLDefault7960.cnf.xml alias SEP00036B54BB15.cnf.xml`), so each phone
  fetches `SEP<MAC>.cnf.xml`; `cnf-file perphone` writes one file per phone instead.
- the file carries the router's address (`ip source-address ... port 2000`) for registration,
  the phone load (`load 7942 ...`), `url authentication` and `service phone webAccess 0` ("required
  for 9.x firmware, since the web server is disabled by default").
- the files are plain XML: CME signs nothing unless phone authentication (CAPF/CTL) is set up, and
  without it the phone's device security mode is none (`device-security-mode none` in real
  configurations); no ITL file is offered.

Unconfirmed (no CME-written file was found): the exact elements and their order. The per-phone
file is written with the elements every SCCP config file has (`devicePool/callManagerGroup/...
/processNodeName`, `ethernetPhonePort` 2000, `versionStamp`, `loadInformation`,
`authenticationURL`, `vendorConfig/webAccess`), which is what the simulated phone reads; the
`versionStamp` text is the default `create cnf-files version-stamp Jan 01 2002 00:00:00` of real
running configurations, in braces as a public CME-derived template writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from rig.sim.cme_cli import SimEphone

VERSION_STAMP = "{Jan 01 2002 00:00:00}"
SCCP_PORT = 2000
MODEL_NUMBER_7942 = 434
"""RisPort's model number of a Cisco 7942 (tests/fixtures/real/PROVENANCE.md), used in the
`loadInformation<N>` element name of XMLDefault.cnf.xml."""


@dataclass(frozen=True)
class CnfSettings:
    """What `telephony-service` says that goes into the files."""

    source_address: str
    """`ip source-address <addr> port 2000`: where phones register."""
    load_id: str
    """`load 7942 <load>`."""
    authentication_url: str = ""
    """`url authentication <url>` ("" when not configured)."""
    web_access: bool = True
    """`service phone webAccess 0`."""


def _call_manager_group(source_address: str) -> str:
    return (
        "<callManagerGroup><members><member priority=\"0\"><callManager><ports>"
        f"<ethernetPhonePort>{SCCP_PORT}</ethernetPhonePort></ports>"
        f"<processNodeName>{escape(source_address)}</processNodeName>"
        "</callManager></member></members></callManagerGroup>"
    )


def phone_config(ephone: SimEphone, settings: CnfSettings) -> bytes:
    """`SEP<MAC>.cnf.xml` of one ephone: unsigned XML."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<device>\n"
        "<deviceProtocol>SCCP</deviceProtocol>\n"
        f"<devicePool>{_call_manager_group(settings.source_address)}</devicePool>\n"
        f"<versionStamp>{VERSION_STAMP}</versionStamp>\n"
        f"<loadInformation>{escape(settings.load_id)}</loadInformation>\n"
        f"<authenticationURL>{escape(settings.authentication_url)}</authenticationURL>\n"
        f"<vendorConfig><webAccess>{0 if settings.web_access else 1}</webAccess></vendorConfig>\n"
        "</device>\n"
    ).encode("utf-8")


def default_config(settings: CnfSettings) -> bytes:
    """`XMLDefault.cnf.xml`: the router's address and each phone type's load."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Default>\n"
        f"{_call_manager_group(settings.source_address)}\n"
        f'<loadInformation{MODEL_NUMBER_7942} model="Cisco 7942">{escape(settings.load_id)}'
        f"</loadInformation{MODEL_NUMBER_7942}>\n"
        "</Default>\n"
    ).encode("utf-8")


def cnf_files(ephones: list[SimEphone], settings: CnfSettings) -> dict[str, bytes]:
    """Every file `create cnf-files` makes available, by TFTP name."""
    files = {"XMLDefault.cnf.xml": default_config(settings)}
    for ephone in ephones:
        files[f"SEP{ephone.mac}.cnf.xml"] = phone_config(ephone, settings)
    return files


def tftp_bindings(names: list[str]) -> list[str]:
    """`show telephony-service tftp-bindings` for these files (per-phone files, `cnf-file perphone`)."""
    return [f"tftp-server system:/its/{name}" + (f" alias {name}" if name == "XMLDefault.cnf.xml" else "")
            for name in names]
