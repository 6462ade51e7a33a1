"""report.html as a person reads it: phones in natural order, a reasons panel, one colour language
(red only for failure), expected misses shown as expected, and the files each phone fetched."""

from __future__ import annotations

import re

from rig.record.journal import Journal
from rig.report import render
from tests.results import phone_result
from rig.report.fleet import FAILED_COLOUR, STEP_COLOURS, natural_key, reason_counts

NAMES = ["desk-100", "desk-11", "desk-10", "desk-2", "desk-9"]
NO_CTL = "expected: a cluster not in mixed mode serves no CTL (rig does not need it)"


def _phone(i: int, name: str) -> dict[str, str]:
    return {"name": name, "mac": f"001D705F{i:04X}", "switch": "sw1", "port": f"Gi1/0/{i + 1}"}


def _write(run, outcomes: dict[str, tuple[str, str | None]]) -> None:
    phones = [_phone(i, name) for i, name in enumerate(outcomes)]
    with Journal(run / "journal.jsonl") as j:
        j.append("run_started", run_id=run.name, procedure="erase", bench="b", phones=phones,
                 redo=list(outcomes), config={})
        for phone in phones:
            outcome, reason = outcomes[phone["name"]]
            j.append("phone_started", phone=phone["name"])
            j.append("step", phone=phone["name"], name="erase", started="2026-11-25T09:00:01.000Z",
                     ended="2026-11-25T09:00:02.000Z", ok=True, detail="confirmed", data={})
            j.append("tftp", phone=phone["name"], file=f"CTLSEP{phone['mac']}.tlv", at="2026-11-25T09:00:03.000Z",
                     bytes=0, ok=False, error="File not found", expected=NO_CTL)
            j.append("tftp", phone=phone["name"], file=f"ITLSEP{phone['mac']}.tlv", at="2026-11-25T09:00:03.100Z",
                     bytes=4000, ok=True)
            j.append("step", phone=phone["name"], name="observe", started="2026-11-25T09:00:02.000Z",
                     ended="2026-11-25T09:00:05.000Z", ok=outcome == "passed", detail="watched", data={})
            j.append("phone_done", phone=phone["name"], outcome=outcome, reason=reason, load_before=None,
                     load_after=None, itl_signer=None, symptoms=[])
        j.append("run_finished", outcomes={})


def _order(html: str) -> list[str]:
    return re.findall(r'<details class="phone" id="([^"]+)"', html)


def test_phones_sort_naturally_within_each_outcome():
    assert sorted(NAMES, key=natural_key) == ["desk-2", "desk-9", "desk-10", "desk-11", "desk-100"]


def test_the_report_lists_phones_in_natural_order_failures_first(tmp_path):
    run = tmp_path / "r"
    _write(run, {name: ("failed", "no ITL") if name == "desk-100" else ("passed", None) for name in NAMES})
    render(run)
    assert _order((run / "report.html").read_text()) == ["desk-100", "desk-2", "desk-9", "desk-10", "desk-11"]


def test_the_reasons_panel_counts_each_distinct_reason_the_phones_own_mac_aside(tmp_path):
    run = tmp_path / "r"
    outcomes = {f"desk-{i:02d}": ("failed", f"within 30s the phone did not fetch ITLSEP001D705F{i - 1:04X}.tlv")
                for i in range(1, 5)}
    outcomes["desk-05"] = ("error", "switch sw1: no answer")
    outcomes["desk-06"] = ("passed", None)
    _write(run, outcomes)
    render(run)
    html = (run / "report.html").read_text()
    panel = html[html.index('id="reasons"'):]
    panel = panel[:panel.index("</div>")]
    assert re.findall(r'data-reason="([^"]*)"[^>]*><b>(\d+)</b>', panel) == [
        ("within 30s the phone did not fetch ITLSEP&lt;MAC&gt;.tlv", "4"), ("switch sw1: no answer", "1")]
    assert html.count('data-reason="within 30s the phone did not fetch ITLSEP&lt;MAC&gt;.tlv"') == 1 + 4


def test_reason_counts_ignore_passed_phones():
    phones = [phone_result("desk-01"), phone_result("desk-02", "skipped", "identity not confirmed")]
    assert reason_counts(phones) == [("identity not confirmed", 1)]


def _reddish(colour: str) -> bool:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return r > 150 and r > g + 60 and r > b + 60


def test_red_means_failure_only_no_step_family_is_red_or_green():
    assert _reddish(FAILED_COLOUR)
    assert [name for name, colour in STEP_COLOURS.items() if _reddish(colour)] == []


def test_a_phone_detail_draws_steps_in_the_fleet_colours_and_a_missing_ctl_as_expected(tmp_path):
    run = tmp_path / "r"
    _write(run, {"desk-01": ("passed", None)})
    render(run)
    html = (run / "report.html").read_text()
    detail = html[html.index('aria-label="timeline of desk-01"'):]
    assert f'fill="{STEP_COLOURS["erase"]}"' in detail and f'fill="{STEP_COLOURS["observe"]}"' in detail
    row = re.search(r"<tr><td[^>]*>[^<]*</td><td[^>]*>CTLSEP001D705F0000\.tlv</td>.*?</tr>", html).group(0)
    assert 'class="expected"' in row and "not served" in row and "mixed mode" in row
    assert 'class="failed"' not in row


def test_the_files_a_phone_fetched_are_listed_and_linked(tmp_path):
    run = tmp_path / "r"
    _write(run, {"desk-01": ("passed", None)})
    (run / "files" / "desk-01").mkdir(parents=True)
    (run / "files" / "desk-01" / "ITLSEP001D705F0000.tlv").write_bytes(b"itl")
    render(run)
    html = (run / "report.html").read_text()
    assert html.count('href="files/desk-01/ITLSEP001D705F0000.tlv"') == 2  # the fetch row and the list


def test_what_devices_sent_is_shown_as_text_never_as_markup(tmp_path):
    run = tmp_path / "r"
    hostile = """a "quoted" <b>&amp;</b> 'x' <script>alert(1)</script>"""
    _write(run, {"desk-01": ("failed", hostile)})
    render(run)
    html = (run / "report.html").read_text()
    assert "<script>alert" not in html and "<b>&amp;</b>" not in html
    shown = "a &#34;quoted&#34; &lt;b&gt;&amp;amp;&lt;/b&gt; &#39;x&#39; &lt;script&gt;alert(1)&lt;/script&gt;"
    assert f'title="{shown}">{shown}</span>' in html  # the fleet row's reason, and its tooltip
    assert f"<p><b>Reason:</b> {shown}</p>" in html and f'data-reason="{shown}"' in html
