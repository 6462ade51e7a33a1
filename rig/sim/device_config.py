"""The phone configuration file (`SEP<MAC>.cnf.xml`) as the simulated CUCM writes it and the
simulated phone reads it.

Three of its fields drive the story rig cares about: `loadInformation` (a phone whose running
load differs upgrades), `authenticationURL` (what the phone asks before it accepts a remote
key press; a stuck phone keeps an old, dead one) and `vendorConfig/webAccess` (0 enables the
phone's web server; source: Open Paging Server's Cisco set-up notes, "Enable Web Access":
"you can set the parameter `webAccess` under `<vendorConfig>`. `0` enables web access").

Two more fields of `<vendorConfig>` say where the phone takes its firmware images from:
`peerFirmwareSharing` (1: from a peer phone of its model and subnet, falling back to TFTP) and
`loadServer` (images from that server instead of the TFTP server). Where they sit and how they
are spelled: CUCM-written SEP<MAC>.cnf.xml files (`<peerFirmwareSharing>0</peerFirmwareSharing>`,
`<loadServer></loadServer>` inside `<vendorConfig>`) and an AXL script that sets both under
`vendorConfig`, listed in tests/fixtures/real/PROVENANCE.md; what they do: docs/firmware.md.
A real `loadServer` names a host (TFTP port 69); the simulated one, on loopback beside other
benches, names `host:port`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape


class DeviceConfigError(ValueError):
    """A config file the phone cannot read; the message names the file."""


@dataclass(frozen=True)
class DeviceConfig:
    device_name: str
    load_id: str
    authentication_url: str
    call_manager: str = "127.0.0.1"
    web_access: bool = True
    peer_firmware_sharing: bool = False
    load_server: str = ""

    def with_web_access(self, enabled: bool) -> DeviceConfig:
        """The same config, its web access changed (as after a change made on CUCM)."""
        return replace(self, web_access=enabled)

    def render(self) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<device xsi:type="axl:XIPPhone" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            "  <deviceProtocol>SCCP</deviceProtocol>\n"
            f"  <devicePool><callManagerGroup><members><member priority=\"0\"><callManager>"
            f"<ports><ethernetPhonePort>2000</ethernetPhonePort></ports>"
            f"<processNodeName>{escape(self.call_manager)}</processNodeName>"
            f"</callManager></member></members></callManagerGroup></devicePool>\n"
            f"  <loadInformation>{escape(self.load_id)}</loadInformation>\n"
            f"  <authenticationURL>{escape(self.authentication_url)}</authenticationURL>\n"
            "  <deviceSecurityMode>1</deviceSecurityMode>\n"
            f"  <vendorConfig><webAccess>{0 if self.web_access else 1}</webAccess>"
            "<settingsAccess>1</settingsAccess>"
            f"<peerFirmwareSharing>{int(self.peer_firmware_sharing)}</peerFirmwareSharing>"
            f"<loadServer>{escape(self.load_server)}</loadServer></vendorConfig>\n"
            f"  <!-- {escape(self.device_name)} -->\n"
            "</device>\n"
        ).encode("utf-8")

    @classmethod
    def parse(cls, data: bytes, filename: str) -> DeviceConfig:
        try:
            root = ET.fromstring(data)
        except ET.ParseError as error:
            raise DeviceConfigError(f"{filename}: not XML ({error})") from None
        load = root.findtext("loadInformation")
        auth = root.findtext("authenticationURL")
        if not load or auth is None:
            raise DeviceConfigError(f"{filename}: no loadInformation or authenticationURL")
        node = root.findtext(".//processNodeName") or "127.0.0.1"
        device = filename.split(".", 1)[0]
        web_access = (root.findtext(".//webAccess") or "0").strip() == "0"
        sharing = (root.findtext("vendorConfig/peerFirmwareSharing") or "0").strip() == "1"
        load_server = (root.findtext("vendorConfig/loadServer") or "").strip()
        return cls(device, load.strip(), auth.strip(), node.strip(), web_access, sharing, load_server)
