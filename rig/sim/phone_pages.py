"""What the simulated 7942's web server sends, laid out like captures of real phones.

Each template names the capture it copies. Values are the simulated phone's own; the shapes
(element order, one-line XML, decorated `versionID`, HTML navigation) are the captures'.
Where no capture of a 7942 exists, the nearest model's is used and docs/simulator.md says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

STATUS_PATH = "/CGI/Java/Serviceability"
STATUS_ADAPTER = "device.settings.status.messages"
"""source: every public tool reading 79x1/79x2/79x5/88xx status messages (e.g. the phone
scrapers found by find_string `device.settings.status.messages`), and the left navigation of the
real CP-8845 page in Open Paging Server's Cisco set-up notes."""

ERROR_PARSE, ERROR_FRAMING, ERROR_INTERNAL, ERROR_AUTH = 1, 2, 3, 4
"""CiscoIPPhoneError numbers (source: Cisco Unified IP Phone Services Application Development
Notes, "CiscoIPPhoneError"; public push tools compare `<CiscoIPPhoneError Number="4" />` to
"Authentication Error")."""


@dataclass(frozen=True)
class PhoneFacts:
    """What the phone says about itself on its pages, at one moment."""

    mac: str
    device_name: str
    dn: str
    load: str
    app_image: str
    boot_load: str
    serial: str
    model: str  # CP-7942G
    product: str  # Cisco Unified IP Phone 7942G
    hardware_revision: str
    ip: str
    tftp_servers: tuple[str, ...]
    call_manager: str
    authentication_url: str


def decorated(load: str) -> str:
    """`versionID` wraps the load in asterisks (source: CP-7962G DeviceInformationX capture,
    dspeziale/snap tests/fixtures/web_cisco_phone_deviceinfo.xml: `*SCCP42.9-4-2SR3-1S*`)."""
    return f"*{load}*"


def _one_line_xml(root: str, fields: Sequence[tuple[str, str]]) -> bytes:
    body = "".join(f"<{tag}>{escape(value)}</{tag}>" for tag, value in fields)
    return f'<?xml version="1.0" encoding="utf-8"?>\n<{root}>{body}</{root}>\n'.encode()


def device_information(facts: PhoneFacts, now: datetime) -> bytes:
    """`/DeviceInformationX`.

    source: CP-7962G capture (dspeziale/snap@362467f7 tests/fixtures/web_cisco_phone_deviceinfo.xml,
    tests/fixtures/real/device_info/): element order, one line, `appLoadID` the app image
    (`jar42sccp.9-4-2ES26.sbn`), `versionID` the decorated load, a multi-line `udi`, 24 h time.
    """
    udi = f"phone\n{facts.product}, Global\n{facts.model}\nV11\n{facts.serial}\n"
    return _one_line_xml("DeviceInformation", [
        ("MACAddress", facts.mac), ("HostName", facts.device_name), ("phoneDN", facts.dn),
        ("appLoadID", facts.app_image), ("bootLoadID", facts.boot_load), ("versionID", decorated(facts.load)),
        ("addonModule1", ""), ("addonModule2", ""), ("hardwareRevision", facts.hardware_revision),
        ("serialNumber", facts.serial), ("modelNumber", facts.model), ("MessageWaiting", "No"), ("udi", udi),
        ("time", now.strftime("%H:%M:%S")), ("timezone", "UTC"), ("date", now.strftime("%m/%d/%y")),
        ("systemFreeMemory", "6517408"), ("fipsModeEnabled", "No"),
    ])


def network_configuration(facts: PhoneFacts) -> bytes:
    """`/NetworkConfigurationX`.

    source: CP-7962G capture (dspeziale/snap@362467f7 tests/fixtures/web_cisco_phone_netconfig.xml,
    tests/fixtures/real/network_config/): element order, `CallManager1` as `<host>   Active`.
    `AuthenticationURL` is appended: the 79x2 Network Configuration page lists an Authentication
    URL (Cisco 7942/7962 administration guide); its XML element name is unconfirmed.
    """
    tftp = facts.tftp_servers
    return _one_line_xml("NetworkConfiguration", [
        ("DHCPServer", "127.0.0.1"), ("BOOTPServer", "No"), ("MACAddress", facts.mac),
        ("HostName", facts.device_name), ("DomainName", ""), ("IPAddress", facts.ip),
        ("SubNetMask", "255.0.0.0"), ("TFTPServer1", tftp[0]), ("DefaultRouter1", "127.0.0.1"),
        ("DNSServer1", ""), ("VLANId", ""), ("AdminVLANId", ""),
        ("CallManager1", f"{facts.call_manager}   Active"), ("TFTPServer2", tftp[1] if len(tftp) > 1 else ""),
        ("UserLocale", "English_United_States"), ("NetworkLocale", "United_States"),
        ("AuthenticationURL", facts.authentication_url),
    ])


def status_stamp(now: datetime) -> str:
    """`10:26:18a`: the time a status message was logged, as a 79x2 shows it (issue 9's capture
    of `10:26:18a Trust List Update Failed`: 12 h time, `a`/`p`)."""
    return now.strftime("%I:%M:%S%p").lower()[:-1]


def stamped(message: str) -> str:
    """A status message as the Status Messages page lists it: logged now."""
    return f"{status_stamp(datetime.now())} {message}"


# source: the real CP-8845 Serviceability page in Open Paging Server's Cisco set-up notes (the
# `curl -L` output) for the layout: logo cell, banner, a navigation column of link rows with
# link-free bold section headings (`<B><font color='#FFFFFF'>Device logs</FONT></B>`), then the
# content cell `<td VALIGN=top><DIV ALIGN=center>` + a CELLSPACING=10 table. Labels in the 79x2
# capitalisation of tests/fixtures/real/web_pages/cp-7962g-root-it.html (translated).
_NAVIGATION = (
    '<TR><TD><a href="/CGI/Java/Serviceability?adapter=device.statistics.device">Device Information</A></TD></TR>\n'
    '<TR><TD><a href="/CGI/Java/Serviceability?adapter=device.statistics.configuration">Network Configuration</A></TD></TR>\n'
    "<TR><TD><B><font color='#FFFFFF'>Network Statistics</FONT></B></TD></TR>\n"
    '<TR><TD>&nbsp;&nbsp;&nbsp;<a href="/CGI/Java/Serviceability?adapter=device.statistics.ethernet">Ethernet Information</A></TD></TR>\n'
    '<TR><TD>&nbsp;&nbsp;&nbsp;<a href="/CGI/Java/Serviceability?adapter=device.statistics.port.access">Access</A></TD></TR>\n'
    '<TR><TD>&nbsp;&nbsp;&nbsp;<a href="/CGI/Java/Serviceability?adapter=device.statistics.port.network">Network</A></TD></TR>\n'
    "<TR><TD><B><font color='#FFFFFF'>Device Logs</FONT></B></TD></TR>\n"
    '<TR><TD>&nbsp;&nbsp;&nbsp;<a href="/CGI/Java/Serviceability?adapter=device.statistics.consolelog">Console Logs</A></TD></TR>\n'
    '<TR><TD>&nbsp;&nbsp;&nbsp;<a href="/CGI/Java/Serviceability?adapter=device.statistics.coredumps">Core Dumps</A></TD></TR>\n'
    f'<TR><TD>&nbsp;&nbsp;&nbsp;<a href="{STATUS_PATH}?adapter={STATUS_ADAPTER}">Status Messages</A></TD></TR>\n'
    '<TR><TD>&nbsp;&nbsp;&nbsp;<a href="/CGI/Java/Serviceability?adapter=device.trace.display.alarm">Debug Display</A></TD></TR>\n'
    "<TR><TD><B><font color='#FFFFFF'>Streaming Statistics</FONT></B></TD></TR>\n"
    + "".join(
        f'<TR><TD>&nbsp;&nbsp;&nbsp;<a href="/CGI/Java/Serviceability?adapter=device.statistics.streaming.{n}">'
        f"Stream {n + 1}</A></TD></TR>\n"
        for n in range(3)
    )
)


def status_messages(facts: PhoneFacts, messages: Sequence[str]) -> bytes:
    """The Status Messages page: one `<TR><TD>` row per message, oldest first."""
    rows = "".join(f"<TR><TD><B>{escape(m)}</B></TD></TR>\n" for m in messages)
    return (
        '<HTML>\n<HEAD><META http-equiv="Content-Type" content="text/html; charset=utf-8">'
        "<TITLE>Cisco Systems, Inc.</TITLE>\n</HEAD>\n"
        '<BODY bgcolor="#FFFFFF" text="#003031"><TABLE BORDER="1" WIDTH="100%" HEIGHT="100%"><TR>\n'
        '<td WIDTH="200" HEIGHT="100" ALIGN=center><A HREF="http://www.cisco.com"><IMG SRC="/FS/Logo.png"></A></TD>\n'
        '<td HEIGHT="50" bgcolor="#003031"><p ALIGN=center><B><font color="#FFFFFF" size="6">Status Messages</FONT></B>\n'
        f'<p ALIGN=center><B><font color="#FFFFFF" size="4">{escape(facts.product)} ( {facts.device_name} )</FONT></B></TD>\n'
        "</TR>\n"
        '<TR><td WIDTH="200" ALIGN=center VALIGN=top bgcolor="#003031"><TABLE BORDER="0" CELLSPACING="10" CELLPADDING="0">\n'
        f"{_NAVIGATION}</TABLE>\n</TD>\n"
        '<td VALIGN=top><DIV ALIGN=center>\n<TABLE BORDER="0" CELLSPACING="10" CELLPADDING="0">\n'
        f"{rows}</TABLE></DIV></TD></TR></TABLE></BODY></HTML>\n"
    ).encode("utf-8")


def phone_error(number: int) -> bytes:
    """`<CiscoIPPhoneError Number="4" />`, spelled as public push tools compare it."""
    return f'<CiscoIPPhoneError Number="{number}" />'.encode()


def execute_response(items: Sequence[tuple[int, str, str]]) -> bytes:
    """CiscoIPPhoneResponse with one ResponseItem (Status, Data, URL) per ExecuteItem (source:
    Application Development Notes, "CiscoIPPhoneResponse": Status 0 is success)."""
    body = "".join(
        f'<ResponseItem Status="{status}" Data={quoteattr(data)} URL={quoteattr(url)}/>\n' for status, data, url in items
    )
    return f"<CiscoIPPhoneResponse>\n{body}</CiscoIPPhoneResponse>\n".encode()
