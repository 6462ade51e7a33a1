"""PhoneWeb against an HTTP peer serving the pages a 7942 serves (and later the simulated phone)."""

from __future__ import annotations

import base64
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from drivers.phone_web import PNG_SIGNATURE, STATUS_MESSAGES_PATH, PhoneWeb, PhoneWebError, status_rows

DEVICE_INFORMATION = b"""<?xml version="1.0" encoding="iso-8859-1"?>
<DeviceInformation>
<MACAddress>001D705F9EA8</MACAddress>
<HostName>SEP001D705F9EA8</HostName>
<phoneDN>4012</phoneDN>
<appLoadID>jar42sccp.9-4-2ES26.sbn</appLoadID>
<bootLoadID>tnp42.8-3-1-21a.bin</bootLoadID>
<versionID>SCCP42.9-4-2SR3-1S</versionID>
<addonModule1></addonModule1>
<hardwareRevision>2</hardwareRevision>
<serialNumber>FCH1234A5BC</serialNumber>
<modelNumber>CP-7942G</modelNumber>
<Codec>ADLCodec</Codec>
<udi>phone\r\nCisco IP Phone 7942\r\nCP-7942G\r\nV03\r\nFCH1234A5BC</udi>
<time>10:15:08a</time>
<timezone>Pacific Standard/Daylight Time</timezone>
<date>11/25/26</date>
</DeviceInformation>
"""

NETWORK_CONFIGURATION = b"""<?xml version="1.0" encoding="iso-8859-1"?>
<NetworkConfiguration>
<DHCPServer>127.0.0.1</DHCPServer>
<HostName>SEP001D705F9EA8</HostName>
<DomainName>lab & bench.example</DomainName>
<IPAddress>127.0.1.12</IPAddress>
<SubNetMask>255.255.255.0</SubNetMask>
<TFTPServer1>127.0.0.1</TFTPServer1>
<DHCPEnabled>Yes</DHCPEnabled>
<CallManager1>cucm-pub  Active</CallManager1>
</NetworkConfiguration>
"""

STATUS_PAGE = b"""<HTML><HEAD><TITLE>Cisco Systems, Inc.</TITLE></HEAD>
<BODY BGCOLOR=#FFFFFF><TABLE WIDTH=100%><TR><TD><A HREF="/CGI/Java/Serviceability?adapter=device.statistics.device">Device information</A>
<TR><TD><A HREF="/CGI/Java/Serviceability?adapter=device.statistics.configuration">Network setup</A>
</TABLE>
<TABLE><TR><TD><B>Status messages</B></TD></TR>
<TR><TD><B>10:14:55a Trust List Update Failed</B>
<TR><TD><B>10:14:56a File Not Found : CTLSEP001D705F9EA8.tlv<BR>10:14:58a TFTP Timeout : SEP001D705F9EA8.cnf.xml.sgn</B></TD></TR>
<TR><TD>10:15:01a&nbsp;Load&nbsp;ID&nbsp;Ok</TD></TR>
</TABLE></BODY></HTML>
"""

PNG = PNG_SIGNATURE + b"\x00\x00\x00\rIHDR" + b"\x00" * 32


class PhonePeer(BaseHTTPRequestHandler):
    pages = {
        "/DeviceInformationX": (DEVICE_INFORMATION, "text/xml"),
        "/NetworkConfigurationX": (NETWORK_CONFIGURATION, "text/xml"),
        STATUS_MESSAGES_PATH: (STATUS_PAGE, "text/html"),
    }

    def do_GET(self) -> None:
        if self.path == "/CGI/Screenshot":
            good = "Basic " + base64.b64encode(b"admin:pw-123").decode()
            if self.headers.get("Authorization") != good:
                return self._send(401, b"", "text/html")
            return self._send(200, PNG, "image/png")
        page = self.server.override.get(self.path) or self.pages.get(self.path)
        if page is None:
            return self._send(404, b"not found", "text/html")
        self._send(200, *page)

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def peer():
    server = ThreadingHTTPServer(("127.0.0.1", 0), PhonePeer)
    server.override = {}
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def web(peer):
    host, port = peer.server_address
    return PhoneWeb(host, port=port, timeout=2, name="desk-12")


def test_device_info_reads_the_load_and_identity(web):
    info = web.device_info()
    assert info.mac == "001D705F9EA8" and info.host_name == "SEP001D705F9EA8" and info.phone_dn == "4012"
    assert info.app_load_id == "jar42sccp.9-4-2ES26.sbn" and info.version_id == "SCCP42.9-4-2SR3-1S"
    assert info.model_number == "CP-7942G" and info.serial_number == "FCH1234A5BC"


def test_network_config_tolerates_unescaped_ampersands(web):
    config = web.network_config()
    assert config["TFTPServer1"] == "127.0.0.1" and config["DomainName"] == "lab & bench.example"


def test_status_messages_are_the_table_rows_without_navigation_or_title(web):
    assert web.status_messages() == [
        "10:14:55a Trust List Update Failed",
        "10:14:56a File Not Found : CTLSEP001D705F9EA8.tlv",
        "10:14:58a TFTP Timeout : SEP001D705F9EA8.cnf.xml.sgn",
        "10:15:01a Load ID Ok",
    ]


def test_status_page_without_messages_is_an_empty_list():
    assert status_rows("<html><table><tr><td>Status messages</td></tr></table></html>") == []


def test_screenshot_is_a_png_fetched_with_credentials(web):
    assert web.screenshot("admin", "pw-123").startswith(PNG_SIGNATURE)


def test_screenshot_refused_names_the_url_but_not_the_password(web):
    with pytest.raises(PhoneWebError, match=r"desk-12: http://.*/CGI/Screenshot: authentication refused") as caught:
        web.screenshot("admin", "wrong-pw")
    assert "wrong-pw" not in str(caught.value)


def test_non_xml_answer_is_a_clear_error(peer, web):
    peer.override["/DeviceInformationX"] = (b"<html><body>Login</body></html>", "text/html")
    with pytest.raises(PhoneWebError, match=r"phone desk-12: http://.*/DeviceInformationX did not answer a <DeviceInformation>"):
        web.device_info()


def test_refused_connection_names_phone_and_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PhoneWebError, match=f"phone desk-3: http://127.0.0.1:{port}/DeviceInformationX: cannot connect"):
        PhoneWeb("127.0.0.1", port=port, name="desk-3").device_info()


def test_silent_phone_times_out_with_phone_and_url():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(PhoneWebError, match=r"desk-4: .*/NetworkConfigurationX: no answer within 0.3 s"):
            PhoneWeb("127.0.0.1", port=port, timeout=0.3, name="desk-4").network_config()
