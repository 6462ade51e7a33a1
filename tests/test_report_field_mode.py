"""report.html of a field-mode phone (no switch, no port) says so where a bench phone shows its
switch port, never `None None`."""

from __future__ import annotations

from rig.record.journal import Journal
from rig.report import render


def test_a_field_mode_phone_shows_field_mode_where_a_bench_phone_shows_its_switch_port(tmp_path):
    run = tmp_path / "20261202-080000-erase"
    phones = [{"name": "lobby", "mac": "001D705F0000", "switch": None, "port": None},
              {"name": "desk-02", "mac": "001D705F0001", "switch": "sw1", "port": "Gi1/0/2"}]
    with Journal(run / "journal.jsonl") as journal:
        journal.append("run_started", run_id=run.name, procedure="erase", bench="site", phones=phones,
                       redo=["lobby", "desk-02"], config={})
        journal.append("run_finished", outcomes={})
    render(run)
    html = (run / "report.html").read_text()
    assert "<p>field mode, MAC" in html and "<p>sw1 Gi1/0/2, MAC" in html and "None" not in html
