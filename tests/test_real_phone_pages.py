"""The phone page readers against byte-exact captures of real phones (tests/fixtures/real/,
sources in its PROVENANCE.md). A capture is never edited to make a test pass."""

from __future__ import annotations

from pathlib import Path

from rig.drivers.phone_pages import content_lines, flat_fields, status_rows
from rig.drivers.phone_web import NetworkConfig, device_info_from

REAL = Path(__file__).parent / "fixtures" / "real"


def test_a_7962g_names_its_decorated_load_in_version_id_and_an_image_in_app_load_id() -> None:
    info = device_info_from(flat_fields((REAL / "device_info" / "cp-7962g-sccp42.9-4-2sr3-1s.xml").read_bytes()))
    assert info.version_id == "*SCCP42.9-4-2SR3-1S*", "asterisks are the phone's, kept for the procedures"
    assert info.app_load_id == "jar42sccp.9-4-2ES26.sbn"
    assert info.boot_load_id == "tnp62.8-3-1-21a.bin"
    assert (info.mac, info.host_name, info.model_number) == ("001122334455", "SEP001122334455", "CP-7962G")
    assert info.fields["udi"] == "phone\nCisco Unified IP Phone 7962G, Global\nCP-7962G\nV11\nABC1234567X\n"


def test_a_7962g_network_configuration_names_both_tftp_servers() -> None:
    config = NetworkConfig(flat_fields((REAL / "network_config" / "cp-7962g-sccp42.9-4-2sr3-1s.xml").read_bytes()))
    assert (config.tftp_server_1, config.tftp_server_2) == ("10.0.0.101", "10.0.0.100")
    assert config["CallManager1"] == "10.0.0.101   Attivo"


def test_navigation_and_its_link_free_section_headings_are_not_content() -> None:
    page = (REAL / "web_pages" / "cp-7962g-root-it.html").read_text(encoding="utf-8")
    assert "Statistiche di rete" in page, "the capture has a link-free heading in its navigation"
    assert content_lines(page) == []
    assert status_rows(page) == []


def test_a_comment_or_instruction_does_not_split_a_row_and_a_nested_table_ends_the_row_it_opens_in() -> None:
    page = ("<TABLE><TR><TD>10:14:55a Trust<!-- firmware note --> List<?note ?> Update Failed</TD></TR>"
            "<TR><TD>a<TABLE><TR><TD>nav <a href='/'>x</a></TD></TR></TABLE>b<BR>c</TD></TR></TABLE>")
    assert content_lines(page) == ["10:14:55a Trust List Update Failed", "a"]


def test_a_page_opening_with_an_xml_declaration_that_names_an_encoding_is_read_like_any_other() -> None:
    page = "<?xml version='1.0' encoding='ISO-8859-1'?><TABLE><TR><TD>10:14:55a Caf\u00e9 ITL Installed</TD></TR></TABLE>"
    assert content_lines(page) == ["10:14:55a Caf\u00e9 ITL Installed"]
