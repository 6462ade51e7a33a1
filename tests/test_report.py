"""Reports are rendered from the journal alone, in the shapes other tools rely on."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from rig.record.journal import Journal
from rig.report import render
from rig.report.model import RunResults

PHONES = [
    {"name": "desk-01", "mac": "001D705F0000", "switch": "sw1", "port": "Gi1/0/1"},
    {"name": "desk-02", "mac": "001D705F0001", "switch": "sw1", "port": "Gi1/0/2"},
    {"name": "desk-03", "mac": "001D705F0002", "switch": "sw1", "port": "Gi1/0/3"},
]
STEP_FIELDS = {"name", "attempt", "started", "ended", "ok", "detail"}


def _step(journal, phone, name, ok=True, detail="fine", data=None):
    journal.append("step", phone=phone, name=name, started="2026-11-25T09:00:01.000Z",
                   ended="2026-11-25T09:00:02.500Z", ok=ok, detail=detail, data=data or {})


@pytest.fixture
def run_dir(tmp_path):
    run = tmp_path / "20261125-090000-erase"
    with Journal(run / "journal.jsonl") as j:
        j.append("run_started", run_id=run.name, procedure="erase", bench="bench-a", phones=PHONES,
                 redo=["desk-01", "desk-02", "desk-03"], config={})
        j.append("phone_started", phone="desk-01")
        _step(j, "desk-01", "identify")
        _step(j, "desk-01", "baseline", data={"poe_watts": 6.3})
        _step(j, "desk-01", "restart", data={"draw_before": {"poe_watts": 6.3}, "draw_off": {"poe_watts": 0.0},
                                             "draw_after": {"poe_watts": 6.1},
                                             "power_on_at": "2026-11-25T09:00:02.000Z"})
        j.append("tftp", phone="desk-01", file="ITLSEP001D705F0000.tlv", at="2026-11-25T09:00:02.200Z",
                 bytes=4000, ok=True, error=None)
        j.append("phone_done", phone="desk-01", outcome="passed", reason=None, load_before="SCCP42.9-3",
                 load_after="SCCP42.9-4-2SR3-1S", itl_signer="CN=cucm", symptoms=["Trust List Update Failed"])
        j.append("phone_started", phone="desk-02")
        _step(j, "desk-02", "identify", ok=False, detail="MAC not on port")
        j.append("phone_done", phone="desk-02", outcome="skipped", reason="identity not confirmed",
                 load_before=None, load_after=None, itl_signer=None, symptoms=[])
        j.append("phone_started", phone="desk-03")
        _step(j, "desk-03", "identify", ok=False, detail="switch sw1: timeout")
        j.append("phone_done", phone="desk-03", outcome="error", reason="switch sw1: timeout <&>",
                 load_before=None, load_after=None, itl_signer=None, symptoms=[])
        j.append("slot_unhealthy", slot="switch sw1", reason="timeout")
        j.append("run_finished", outcomes={})
    return run


def test_results_json_has_exactly_the_contract_fields(run_dir):
    render(run_dir)
    results = json.loads((run_dir / "results.json").read_text())
    assert set(results) == {"ports_left_off", "run_id", "started", "finished", "procedure", "bench", "summary",
                            "fixes", "phones", "unhealthy", "interrupted"}
    assert results["summary"] == {"passed": 1, "failed": 0, "error": 1, "skipped": 1}
    first = results["phones"][0]
    assert set(first) == {"name", "mac", "switch", "port", "outcome", "reason", "fix", "steps", "tftp_fetches",
                          "load_before", "load_after", "itl_signer", "symptoms"}
    assert all(set(step) == STEP_FIELDS for step in first["steps"])
    assert first["tftp_fetches"] == [{"file": "ITLSEP001D705F0000.tlv", "at": "2026-11-25T09:00:02.200Z",
                                      "bytes": 4000, "ok": True}]
    assert first["symptoms"] == ["Trust List Update Failed"] and first["itl_signer"] == "CN=cucm"
    assert results["unhealthy"] == [{"slot": "switch sw1", "reason": "timeout"}]
    assert results["started"].endswith("Z") and results["finished"].endswith("Z")


def test_results_json_reads_back_as_the_typed_result_every_front_end_reads(run_dir):
    results = render(run_dir)
    on_disk = json.loads((run_dir / "results.json").read_text())
    assert RunResults.from_json(on_disk) == results and results.to_json() == on_disk


def test_a_resumed_phone_reports_its_last_attempt_only(run_dir):
    with Journal(run_dir / "journal.jsonl") as j:
        j.append("run_resumed", run_id=run_dir.name, procedure="erase", bench="bench-a", phones=PHONES,
                 redo=["desk-03"], config={})
        j.append("phone_started", phone="desk-03")
        _step(j, "desk-03", "identify")
        j.append("phone_done", phone="desk-03", outcome="passed", reason=None, load_before="a",
                 load_after="b", itl_signer="x", symptoms=[])
        j.append("run_finished", outcomes={})
    phone = render(run_dir).phones[2]
    assert phone.outcome == "passed" and [s.ok for s in phone.steps] == [True]


def test_a_phone_never_finished_is_skipped_with_a_reason(tmp_path):
    run = tmp_path / "r"
    with Journal(run / "journal.jsonl") as j:
        j.append("run_started", run_id="r", procedure="verify", bench="b", phones=PHONES[:1], redo=[], config={})
        j.append("run_interrupted", outcomes={})
    results = render(run)
    assert results.phones[0].outcome == "skipped" and "interrupted" in (results.phones[0].reason or "")
    assert results.interrupted is True


def test_junit_has_one_testcase_per_phone_with_step_properties(run_dir):
    render(run_dir)
    suite = ET.parse(run_dir / "junit.xml").getroot()
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["desk-01", "desk-02", "desk-03"]
    props = {p.get("name"): p.get("value") for p in cases[0].find("properties")}
    assert props["step.01.identify"] == "ok: fine" and props["itl_signer"] == "CN=cucm"
    assert cases[0].find("failure") is None
    assert cases[1].find("skipped").get("message") == "identity not confirmed"
    assert cases[2].find("error").get("type") == "identify"
    assert suite.get("errors") == "1" and suite.get("skipped") == "1"


def test_report_html_is_self_contained_with_a_fleet_row_and_a_timeline_per_phone(run_dir):
    render(run_dir)
    html = (run_dir / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", html)
    assert "<link" not in html and "<script src" not in html
    assert html.count('<details class="phone"') == 3 and "<polyline" in html
    assert html.index('id="desk-03"') < html.index('id="desk-02"') < html.index('id="desk-01"')  # failures first
    assert "ITLSEP001D705F0000.tlv" in html and "&lt;&amp;&gt;" in html  # escaped


def _power(journal, action, phase, phone=PHONES[0]):
    journal.append("power", phone=phone["name"], switch=phone["switch"], port=phone["port"], mac=phone["mac"],
                   action=action, phase=phase)


@pytest.mark.parametrize("powered, reason", [
    ([], "interrupted after erase"),
    ([("off", "intent"), ("off", "done"), ("on", "intent"), ("on", "done")],
     "interrupted after erase and a power cycle; port restored"),
    ([("off", "intent"), ("off", "done")], "interrupted after erase and a power cycle; its port may still be off"),
])
def test_a_phone_interrupted_after_it_was_touched_is_not_skipped_but_says_what_was_done(tmp_path, powered, reason):
    run = tmp_path / "r"
    with Journal(run / "journal.jsonl") as j:
        j.append("run_started", run_id="r", procedure="erase", bench="b", phones=PHONES[:1])
        j.append("phone_started", phone="desk-01")
        _step(j, "desk-01", "identify")
        _step(j, "desk-01", "erase")
        for action, phase in powered:
            _power(j, action, phase)
        j.append("phone_interrupted", phone="desk-01")
        j.append("run_interrupted", outcomes={})
    phone = render(run).phones[0]
    assert (phone.outcome, phone.reason) == ("error", reason)


def test_a_port_the_journal_never_saw_on_again_comes_first_in_every_report(tmp_path):
    """Issue 29: results.json's first field, report.html's first line, the junit suite's first
    property and the `--json` document all name it; a port turned on again is not named."""
    from rig.jobs.result import json_document

    run = tmp_path / "r"
    with Journal(run / "journal.jsonl") as j:
        j.append("run_started", run_id="r", procedure="erase", bench="b", phones=PHONES[:2])
        j.append("phone_started", phone="desk-01")
        _power(j, "off", "intent")
        _power(j, "off", "done")
        _power(j, "off", "done", PHONES[1])
        _power(j, "on", "done", PHONES[1])
        j.append("phone_done", phone="desk-01", outcome="error", reason="PORT LEFT OFF: desk-01 (sw1 Gi1/0/1)",
                 load_before=None, load_after=None, itl_signer=None, symptoms=[])
        j.append("run_finished", outcomes={})
    results = render(run)
    left = [{"phone": "desk-01", "switch": "sw1", "port": "Gi1/0/1"}]
    on_disk = json.loads((run / "results.json").read_text())
    assert next(iter(on_disk)) == "ports_left_off" and on_disk["ports_left_off"] == left
    assert next(iter(json_document(results, run))) == "ports_left_off"
    assert json_document(results, run)["ports_left_off"] == left
    body = (run / "report.html").read_text().split("<body>", 1)[1].lstrip()
    assert body.startswith('<p class="left-off"><b>PORTS LEFT OFF:</b> desk-01 (sw1 Gi1/0/1)')
    suite = ET.fromstring((run / "junit.xml").read_text())
    assert suite[0].tag == "properties" and suite[0][0].get("value") == "desk-01 (sw1 Gi1/0/1)"


def test_a_jobs_summary_names_a_port_left_off_on_its_first_line(tmp_path):
    import io

    from rich.console import Console

    from rig.cli.job_screen import _print_summary
    from rig.jobs.result import JobResult

    run = tmp_path / "r"
    with Journal(run / "journal.jsonl") as j:
        j.append("run_started", run_id="r", procedure="erase", bench="b", phones=PHONES[:1])
        _power(j, "off", "done")
        j.append("run_finished", outcomes={})
    for as_json in (False, True):
        text = io.StringIO()
        _print_summary(JobResult(run, render(run), ["desk-02"]), tty=False, as_json=as_json,
                       out=Console(file=text, width=200))
        assert text.getvalue().splitlines()[0].startswith("PORT LEFT OFF: desk-01 (sw1 Gi1/0/1)")


def test_results_json_holds_each_phone_on_a_line_of_its_own(run_dir):
    results = render(run_dir)
    lines = (run_dir / "results.json").read_text().splitlines()
    phones = [json.loads(line.strip().removesuffix(",")) for line in lines if line.strip().startswith('{"name": ')]
    assert phones == [phone.to_json() for phone in results.phones]  # one grep finds a phone's whole result
