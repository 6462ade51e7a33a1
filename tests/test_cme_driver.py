"""rig.drivers.cme reads the ephone lists real CUCME routers print (tests/cme_samples.py, quoted
with their sources): which phone (MAC) is registered, at which address, on which ephone-dn."""

from __future__ import annotations

from rig.drivers.cme import CmeError, Ephone, parse_ephones
from tests.cme_samples import (
    CISCO_211258_SHOW_EPHONE_REG,
    CISCO_CMDREF_126_SHOW_EPHONE_OFFHOOK,
    CISCO_CMDREF_SHOW_EPHONE_REGISTERED,
    CISCO_SRST_SH_EPHONE_SUMMARY,
    CISCO_TS_SHOW_EPHONE,
    REAL_2801_SH_EPHONE_REGISTERED,
)


def test_a_2801_with_two_7941s_lists_both_registered_with_address_model_and_line():
    assert parse_ephones(REAL_2801_SH_EPHONE_REGISTERED) == [
        Ephone(tag=1, mac="0024C445168B", state="REGISTERED", ip="192.168.4.27", socket=4, model="7941",
               dns=(1,), numbers=("1001",)),
        Ephone(tag=2, mac="0023EB542389", state="REGISTERED", ip="192.168.4.23", socket=6, model="7941",
               dns=(2,), numbers=("1002",)),
    ]


def test_the_later_layout_with_an_index_and_whisper_line_reads_the_same():
    (phone,) = parse_ephones(CISCO_211258_SHOW_EPHONE_REG)
    assert (phone.tag, phone.mac, phone.registered, phone.ip, phone.model, phone.numbers) == (
        1, "00235E1823EC", True, "10.10.202.2", "7965", ("3001",))
    assert phone.device_name == "SEP00235E1823EC"


def test_a_line_whose_dn_starts_the_next_line_and_a_starred_address_read_as_well():
    (phone,) = parse_ephones(CISCO_CMDREF_126_SHOW_EPHONE_OFFHOOK)
    assert (phone.mac, phone.ip, phone.model, phone.dns, phone.numbers) == (
        "549AEBB58000", "8.44.22.63", "SCCP Gateway (AN)", (1,), ("6901",))


def test_blocks_without_blank_lines_between_them_are_told_apart():
    phones = parse_ephones(CISCO_CMDREF_SHOW_EPHONE_REGISTERED)
    assert [(p.tag, p.mac, p.ip, p.model, p.dns, p.numbers) for p in phones] == [
        (1, "0003E3E7F627", "10.0.0.2", "Telecaster 7940", (1,), ("2000",)),
        (2, "003094C3F43A", "10.0.0.3", "Telecaster 7960", (2,), ("3000",)),
        (3, "00036B4099DA", "10.0.0.200", "Telecaster 7960", (3,), ("4000",)),
        (4, "0010406B99D9", "10.0.0.012", "Telecaster 7960", (4,), ("4001",)),
    ]


def test_an_unregistered_phone_is_listed_as_such_with_no_socket():
    registered, unregistered = parse_ephones(CISCO_TS_SHOW_EPHONE)
    assert (registered.tag, registered.registered, registered.socket) == (2, True, 1)
    assert (unregistered.tag, unregistered.mac, unregistered.state, unregistered.socket) == (
        5, "123EA432987B", "UNREGISTERED", -1)
    assert not unregistered.registered and unregistered.model == "Unknown 0"


def test_the_summary_has_no_port_and_gives_button_to_dn_pairs_but_no_numbers():
    phones = parse_ephones(CISCO_SRST_SH_EPHONE_SUMMARY)
    assert [(p.tag, p.ip, p.model, p.dns, p.numbers, p.registered) for p in phones] == [
        (1, "1.4.196.42", "7912", (1, 2), (), True),
        (2, "1.4.196.2", "Telecaster 7960", (), (), True),
        (3, "1.4.196.3", "Telecaster 7960", (), (), True),
    ]


def test_an_empty_list_is_no_phone():
    assert parse_ephones("Router#show ephone registered\n") == []


def test_errors_name_the_router_and_the_part():
    error = CmeError("cme1", "show ephone registered", "no answer within 5s")
    assert str(error) == "CME router cme1: show ephone registered: no answer within 5s"
    assert error.part == "cme"
