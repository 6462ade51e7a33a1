"""junit.xml as CI dashboards read it: the suite's time is the run's wall time, a failure's text
carries the step trail and evidence, and the file is well-formed whatever bytes devices sent."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rig.record.journal import Journal
from rig.report import render
from rig.report.junit import xml_safe

PHONES = [{"name": f"desk-0{i}", "mac": f"001D705F000{i}", "switch": "sw1", "port": f"Gi1/0/{i}"} for i in (1, 2)]
HOSTILE = "Trust List \x1b[31mUpdate\x00 Failed\x07\x0c\x7f tab\tok"


def _write_run(run, *, status: str = "TFTP Timeout", file: str = "SEP001D705F0002.cnf.xml.sgn") -> None:
    """Two phones in parallel, each 20 s long, over a run of 21 s (09:00:00 to 09:00:21)."""
    with Journal(run / "journal.jsonl") as j:
        j.append("run_started", at="2026-11-25T09:00:00.000Z", run_id=run.name, procedure="erase", bench="b",
                 phones=PHONES, redo=[p["name"] for p in PHONES], config={})
        for phone, ok in (("desk-01", True), ("desk-02", False)):
            j.append("phone_started", phone=phone)
            j.append("step", phone=phone, name="erase", started="2026-11-25T09:00:00.500Z",
                     ended="2026-11-25T09:00:05.500Z", ok=True, detail="confirmed by restart (draw drop)", data={})
            j.append("step", phone=phone, name="observe", started="2026-11-25T09:00:05.500Z",
                     ended="2026-11-25T09:00:20.500Z", ok=ok,
                     detail="fetched" if ok else f"no {file} within 15s", data={})
            j.append("tftp", phone=phone, file=f"CTLSEP001D705F000{phone[-1]}.tlv", at="2026-11-25T09:00:05.900Z",
                     bytes=0, ok=False, error="File not found", expected="expected: no CTL")
            j.append("tftp", phone=phone, file=file, at="2026-11-25T09:00:06.000Z", bytes=0, ok=ok, error=None)
            j.append("phone_done", phone=phone, outcome="passed" if ok else "failed",
                     reason=None if ok else f"observe: no {file}", load_before="SCCP42.8-5-4S",
                     load_after="SCCP42.9-4-2SR3-1S" if ok else None, itl_signer="CN=cucm", symptoms=[status])
        j.append("run_finished", at="2026-11-25T09:00:21.000Z", outcomes={})


def test_the_suite_time_is_the_runs_wall_time_not_the_sum_of_the_phones(tmp_path):
    run = tmp_path / "20261125-090000-erase"
    _write_run(run)
    render(run)
    suite = ET.parse(run / "junit.xml").getroot()
    assert suite.get("time") == "21.000"
    assert [c.get("time") for c in suite.findall("testcase")] == ["20.000", "20.000"]


def test_a_failure_carries_the_reason_the_step_trail_and_the_evidence(tmp_path):
    run = tmp_path / "20261125-090000-erase"
    _write_run(run)
    render(run)
    failure = ET.parse(run / "junit.xml").getroot().findall("testcase")[1].find("failure")
    assert failure.get("message") == "observe: no SEP001D705F0002.cnf.xml.sgn" and failure.get("type") == "observe"
    text = failure.text
    assert "ok     erase (5.0 s): confirmed by restart (draw drop)" in text
    assert "FAILED observe (15.0 s): no SEP001D705F0002.cnf.xml.sgn within 15s" in text
    assert text.index("erase (5.0 s)") < text.index("observe (15.0 s)") < text.index("evidence:")
    assert "load: SCCP42.8-5-4S -> ?" in text and "symptom: TFTP Timeout" in text
    assert "tftp: SEP001D705F0002.cnf.xml.sgn 0 bytes FAILED" in text and "console/desk-02.log" in text
    assert "tftp: CTLSEP001D705F0002.tlv 0 bytes not served (expected: no CTL)" in text


def test_an_expected_miss_is_not_a_failed_fetch_in_the_properties(tmp_path):
    run = tmp_path / "20261125-090000-erase"
    _write_run(run)
    render(run)
    case = ET.parse(run / "junit.xml").getroot().findall("testcase")[0]
    props = {p.get("name"): p.get("value") for p in case.find("properties")}
    assert props["tftp.01"].startswith("CTLSEP001D705F0001.tlv 0 bytes not served (expected: no CTL)")


def test_junit_is_well_formed_whatever_control_characters_devices_sent(tmp_path):
    run = tmp_path / "20261125-090000-erase"
    _write_run(run, status=HOSTILE, file="SEP\x01\x1f.cnf.xml")
    render(run)
    suite = ET.parse(run / "junit.xml").getroot()  # raises on a character XML 1.0 forbids
    props = {p.get("name"): p.get("value") for p in suite.findall("testcase")[0].find("properties")}
    assert props["symptom.1"] == "Trust List \\x1b[31mUpdate\\x00 Failed\\x07\\x0c\\x7f tab\tok"
    failure = suite.findall("testcase")[1].find("failure")
    assert failure.get("message") == "observe: no SEP\\x01\\x1f.cnf.xml"


def test_markup_quotes_and_line_breaks_in_any_value_read_back_exactly(tmp_path):
    run = tmp_path / "20261125-090000-erase"
    text = 'a & b <c> "d" \'e\'\tf\nline two\r\nthree'
    _write_run(run, status=text, file="SEP<&>\".cnf.xml")
    render(run)
    suite = ET.parse(run / "junit.xml").getroot()
    props = {p.get("name"): p.get("value") for p in suite.findall("testcase")[0].find("properties")}
    assert props["symptom.1"] == text  # a line break in an attribute survives only as a reference
    failure = suite.findall("testcase")[1].find("failure")
    assert failure.get("message") == 'observe: no SEP<&>".cnf.xml'
    assert f"  symptom: {text}\n".replace("\r\n", "\n") in failure.text  # XML reads CR LF in text as LF


def test_xml_safe_shows_a_lone_surrogate_which_no_utf_8_file_can_hold():
    assert xml_safe("a\ud800b") == "a\\ud800b"


def test_xml_safe_keeps_every_character_xml_allows():
    text = "tab\t newline\n return\r é ü 日本 \U0001f4de <&>"
    assert xml_safe(text) == text
