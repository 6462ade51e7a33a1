"""PhoneWeb against an HTTP peer on loopback serving a real phone's pages (the CP-7962G capture
of tests/fixtures/real/) plus a status page in the Serviceability layout."""

from __future__ import annotations

import base64
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rig.drivers.phone_web import PNG_SIGNATURE, PhoneWeb, PhoneWebError, WebAccessOff, WebPaths

REAL = Path(__file__).parent / "fixtures" / "real"
DEVICE_INFORMATION = (REAL / "device_info" / "cp-7962g-sccp42.9-4-2sr3-1s.xml").read_bytes()
NETWORK_CONFIGURATION = (REAL / "network_config" / "cp-7962g-sccp42.9-4-2sr3-1s.xml").read_bytes()

# Synthetic: no public capture of a 79x2 status messages page was found (docs/real-phones.md).
# Its frame is the one the real CP-7962G and CP-8845 pages share: a title row with the logo link,
# a navigation table (links and a link-free section heading), then the content table.
STATUS_PAGE = b"""<HTML><HEAD><TITLE>Cisco Systems, Inc.</TITLE></HEAD><BODY><TABLE BORDER="1"><TR>
<td><A HREF="http://www.cisco.com"><IMG SRC="/FS/Logo.png"></A></TD><td><B>Status messages</B></TD></TR>
<TR><td VALIGN=top><TABLE BORDER="0"><TR>
<TD><a href="/CGI/Java/Serviceability?adapter=device.statistics.device">Device information</A></TD></TR>
<TR><TD><B><font color='#FFFFFF'>Device logs</FONT></B></TD></TR>
<TR><TD>&nbsp;&nbsp;&nbsp;<a href="/CGI/Java/Serviceability?adapter=device.settings.status.messages">Status messages</A></TD></TR>
</TABLE></TD>
<td VALIGN=top><DIV ALIGN=center><TABLE BORDER="0">
<TR><TD><B>10:14:55a Trust List Update Failed</B>
<TR><TD><B>10:14:56a File Not Found : CTLSEP001D705F9EA8.tlv<BR>10:14:58a TFTP Timeout : SEP001D705F9EA8.cnf.xml.sgn</B></TD></TR>
<TR><TD>10:15:01a&nbsp;Load&nbsp;ID&nbsp;Ok</TD></TR>
</TABLE></DIV></TD></TR></TABLE></BODY></HTML>
"""

PNG = PNG_SIGNATURE + b"\x00\x00\x00\rIHDR" + b"\x00" * 32


class PhonePeer(BaseHTTPRequestHandler):
    pages = {
        "/DeviceInformationX": (DEVICE_INFORMATION, "text/xml"),
        "/NetworkConfigurationX": (NETWORK_CONFIGURATION, "text/xml"),
        WebPaths().status_messages: (STATUS_PAGE, "text/html"),
    }

    def do_GET(self) -> None:
        if self.path == "/CGI/Screenshot":
            good = "Basic " + base64.b64encode(b"admin:pw-123").decode()
            if self.headers.get("Authorization") != good:
                return self._send(401, b"", "text/html")
            return self._send(200, PNG, "image/png")
        page = self.server.override[self.path] if self.path in self.server.override else self.pages.get(self.path)
        if page is None:
            return self._send(404, b"not found", "text/html")
        body, kind, *status = page  # (body, content type[, HTTP status])
        self._send(status[0] if status else 200, body, kind)

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


def test_device_info_keeps_the_fields_as_the_phone_wrote_them(web):
    info = web.device_info()
    assert (info.mac, info.host_name, info.phone_dn) == ("001122334455", "SEP001122334455", "1000")
    assert info.app_load_id == "jar42sccp.9-4-2ES26.sbn" and info.version_id == "*SCCP42.9-4-2SR3-1S*"
    assert info.model_number == "CP-7962G" and info.fields["udi"].startswith("phone\nCisco Unified IP Phone 7962G")


def test_network_config_names_the_tftp_servers(web):
    config = web.network_config()
    assert (config.tftp_server_1, config.tftp_server_2) == ("10.0.0.101", "10.0.0.100")
    assert config["CallManager1"] == "10.0.0.101   Attivo"


def test_network_config_tolerates_unescaped_ampersands(peer, web):
    peer.override["/NetworkConfigurationX"] = (
        b"<NetworkConfiguration><DomainName>lab & bench.example</DomainName>"
        b"<TFTPServer1>127.0.0.1</TFTPServer1></NetworkConfiguration>", "text/xml")
    config = web.network_config()
    assert config.tftp_server_1 == "127.0.0.1" and config["DomainName"] == "lab & bench.example"


def test_status_messages_come_from_the_real_path_without_title_or_navigation(peer, web):
    assert web.status_messages() == [
        "10:14:55a Trust List Update Failed",
        "10:14:56a File Not Found : CTLSEP001D705F9EA8.tlv",
        "10:14:58a TFTP Timeout : SEP001D705F9EA8.cnf.xml.sgn",
        "10:15:01a Load ID Ok",
    ]
    assert WebPaths().status_messages == "/CGI/Java/Serviceability?adapter=device.settings.status.messages"


def test_other_paths_are_asked_where_the_profile_says(peer):
    peer.override["/alt/info"] = (DEVICE_INFORMATION, "text/xml")
    host, port = peer.server_address
    web = PhoneWeb(host, port=port, timeout=2, paths=WebPaths(device_info="/alt/info"))
    assert web.device_info().model_number == "CP-7962G"


def test_a_page_answered_404_is_web_access_off(peer, web):
    peer.override[WebPaths().status_messages] = None  # None: answered 404
    with pytest.raises(WebAccessOff, match=r"desk-12: .*device.settings.status.messages: HTTP 404") as caught:
        web.status_messages()
    assert caught.value.reason == "HTTP 404" and isinstance(caught.value, PhoneWebError)


def test_a_refused_connection_is_web_access_off_naming_phone_and_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(WebAccessOff, match=f"phone desk-3: http://127.0.0.1:{port}/DeviceInformationX: connection refused"):
        PhoneWeb("127.0.0.1", port=port, name="desk-3").device_info()


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


def test_silent_phone_times_out_with_phone_and_url():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(PhoneWebError, match=r"desk-4: .*/NetworkConfigurationX: no complete answer within 0.3 s"):
            PhoneWeb("127.0.0.1", port=port, timeout=0.3, name="desk-4").network_config()


def test_a_page_answered_403_is_web_access_off_too(peer, web):
    peer.override["/DeviceInformationX"] = (b"Forbidden", "text/html", 403)
    with pytest.raises(WebAccessOff) as caught:
        web.device_info()
    assert caught.value.reason == "HTTP 403"


def test_an_indented_document_as_public_copies_show_it_is_read_field_by_field(peer, web):
    peer.override["/DeviceInformationX"] = (
        b'    <?xml version="1.0" encoding="iso-8859-1"?>\n    <DeviceInformation>\n'
        b"       <MACAddress>0003E369A125</MACAddress>\n       <versionID>8.1(2.0)</versionID>\n"
        b"       <MessageWaiting> OUI</MessageWaiting>\n    </DeviceInformation>\n", "text/xml")
    info = web.device_info()
    assert (info.mac, info.version_id, info.app_load_id) == ("0003E369A125", "8.1(2.0)", "")
    assert info.fields["MessageWaiting"] == " OUI", "fields keep the phone's text as written"


def test_a_document_naming_no_load_at_all_is_refused(peer, web):
    peer.override["/DeviceInformationX"] = (b"<DeviceInformation><MACAddress>0003E369A125</MACAddress>"
                                            b"</DeviceInformation>", "text/xml")
    with pytest.raises(PhoneWebError, match="neither appLoadID nor versionID"):
        web.device_info()
