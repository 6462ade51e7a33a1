"""junit.xml: one testcase per phone, its steps as properties, for any CI dashboard.

Outcome mapping: failed -> <failure>, error -> <error>, skipped -> <skipped>, each carrying the
reason; the step that ended the phone is named in the element's type.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from rig.journal import parse_iso

_ELEMENT = {"failed": "failure", "error": "error", "skipped": "skipped"}


def _seconds(steps: list[dict[str, Any]]) -> float:
    if not steps:
        return 0.0
    return (parse_iso(steps[-1]["ended"]) - parse_iso(steps[0]["started"])).total_seconds()


def evidence_properties(phone: dict[str, Any]) -> list[tuple[str, str]]:
    """A phone's evidence as JUnit properties (results.json's phone in, names fixed here only):
    rig's junit.xml and the pytest plugin's test properties both use them."""
    props = [(key, str(phone[key] or "")) for key in ("load_before", "load_after", "itl_signer")]
    props += [(f"symptom.{i}", symptom) for i, symptom in enumerate(phone["symptoms"], 1)]
    props += [(f"step.{i:02d}.{step['name']}", f"{'ok' if step['ok'] else 'FAILED'}: {step['detail']}")
              for i, step in enumerate(phone["steps"], 1)]
    props += [(f"tftp.{i:02d}", f"{f['file']} {f['bytes']} bytes {'ok' if f['ok'] else 'FAILED'} at {f['at']}")
              for i, f in enumerate(phone["tftp_fetches"], 1)]
    return props


def render_junit(results: dict[str, Any]) -> str:
    summary = results["summary"]
    suite = ET.Element(
        "testsuite",
        name=f"rig {results['procedure']} {results['bench']}",
        tests=str(len(results["phones"])),
        failures=str(summary["failed"]),
        errors=str(summary["error"]),
        skipped=str(summary["skipped"]),
        timestamp=results["started"],
        time=f"{sum(_seconds(p['steps']) for p in results['phones']):.3f}",
    )
    if results.get("ports_left_off"):  # first in the suite: a port rig could not turn back on
        left = ", ".join(f"{c['phone']} ({c['switch']} {c['port']})" for c in results["ports_left_off"])
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="ports_left_off", value=left)
    for phone in results["phones"]:
        case = ET.SubElement(
            suite, "testcase", classname=f"{results['bench']}.{results['procedure']}",
            name=phone["name"], time=f"{_seconds(phone['steps']):.3f}",
        )
        props = ET.SubElement(case, "properties")
        where = [(key, str(phone[key] or "")) for key in ("mac", "switch", "port")]
        for name, value in where + evidence_properties(phone):
            ET.SubElement(props, "property", name=name, value=value)
        element = _ELEMENT.get(phone["outcome"])
        if element:
            failed = next((s["name"] for s in reversed(phone["steps"]) if not s["ok"]), "run")
            node = ET.SubElement(case, element, message=phone["reason"] or "", type=failed)
            node.text = phone["reason"] or ""
        ET.SubElement(case, "system-out").text = f"console log: console/{phone['name']}.log"
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
