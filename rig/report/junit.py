"""junit.xml: one testcase per phone, its steps as properties, for any CI dashboard.

Outcome mapping: failed -> <failure>, error -> <error>, skipped -> <skipped>, each carrying the
reason as its message and the phone's step trail and evidence as its text (what a CI page shows
first); the step that ended the phone is named in the element's type. The suite's time is the
run's wall time (phones run in parallel, so their times do not add up).

Every string comes from devices at some point (status messages, CDP strings, TFTP file names), and
XML 1.0 cannot carry most control characters even escaped: they are written as `\\xNN` so the
file is always well-formed.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from rig.record.journal import parse_iso
from rig.report.model import FetchRecord, PhoneResult, RunResults, StepRecord

_ELEMENT = {"failed": "failure", "error": "error", "skipped": "skipped"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 forbids (and DEL, which terminals act on): everything else passes."""


def xml_safe(text: object) -> str:
    """`text` as a string XML 1.0 can carry: each forbidden character shown as `\\xNN`/`\\uNNNN`."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}",
                        str(text))


def _seconds(steps: tuple[StepRecord, ...]) -> float:
    if not steps:
        return 0.0
    return (parse_iso(steps[-1].ended) - parse_iso(steps[0].started)).total_seconds()


def wall_seconds(results: RunResults) -> float:
    """From the run's start to its end (or, unfinished, to its last step's end)."""
    start = parse_iso(results.started)
    ends = [parse_iso(s.ended) for p in results.phones for s in p.steps]
    end = parse_iso(results.finished) if results.finished else max(ends, default=start)
    return max(0.0, (end - start).total_seconds())


def evidence_properties(phone: PhoneResult) -> list[tuple[str, str]]:
    """A phone's evidence as JUnit properties (names fixed here only): rig's junit.xml and the
    pytest plugin's test properties both use them."""
    props = [(key, getattr(phone, key) or "") for key in ("load_before", "load_after", "itl_signer")]
    props += [("fix", phone.fix or "")]  # how its trust was restored (rig.report.results.fix_of)
    props += [(f"symptom.{i}", symptom) for i, symptom in enumerate(phone.symptoms, 1)]
    props += [(f"step.{i:02d}.{step.name}", f"{'ok' if step.ok else 'FAILED'}: {step.detail}")
              for i, step in enumerate(phone.steps, 1)]
    props += [(f"tftp.{i:02d}", fetch_line(f)) for i, f in enumerate(phone.tftp_fetches, 1)]
    return props


def fetch_line(fetch: FetchRecord) -> str:
    """`ITLSEP....tlv 4000 bytes ok at ...`; a miss that decides nothing says so instead of FAILED."""
    status = "ok" if fetch.ok else f"not served ({fetch.expected})" if fetch.expected else "FAILED"
    return f"{fetch.file} {fetch.bytes} bytes {status} at {fetch.at}"


def failure_text(phone: PhoneResult) -> str:
    """What a CI page shows under a failed test: the reason, every step in order with its time and
    detail, then the evidence (loads, signer, symptoms, TFTP fetches, console log)."""
    lines = [phone.reason or "", "", "steps:"]
    for step in phone.steps:
        took = (parse_iso(step.ended) - parse_iso(step.started)).total_seconds()
        lines.append(f"  {'ok    ' if step.ok else 'FAILED'} {step.label} ({took:.1f} s): {step.detail}")
    if not phone.steps:
        lines.append("  (none: the phone was not touched)")
    lines += ["", "evidence:",
              f"  load: {phone.load_before or '?'} -> {phone.load_after or '?'}",
              f"  ITL signer: {phone.itl_signer or '?'}"]
    lines += [f"  symptom: {symptom}" for symptom in phone.symptoms]
    lines += [f"  tftp: {fetch_line(f)}" for f in phone.tftp_fetches]
    lines.append(f"  console log: console/{phone.name}.log")
    return "\n".join(lines)


_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}
"""Besides `&`, `<` and `>`: what ElementTree escaped in an attribute's value."""


def _text(value: object) -> str:
    """Character data: XML-safe, with `&`, `<` and `>` escaped."""
    return escape(xml_safe(value))


def _attribute(value: object) -> str:
    """An attribute's value: as character data, and `"`, CR, LF and tab as references."""
    return escape(xml_safe(value), _ATTRIBUTE_ENTITIES)


def _attributes(attrs: dict[str, str]) -> str:
    return "".join(f' {key}="{_attribute(value)}"' for key, value in attrs.items())


def _element(tag: str, text: str | None = None, **attrs: str) -> str:
    """One element without children (`<tag a="..." />` when it has no text)."""
    return f"<{tag}{_attributes(attrs)}>{_text(text)}</{tag}>" if text else f"<{tag}{_attributes(attrs)} />"


def _properties(props: list[tuple[str, str]], depth: int) -> list[str]:
    """A `<properties>` element `depth` levels in, one line a property."""
    pad = "  " * depth
    return [f"{pad}<properties>", *(f"{pad}  " + _element("property", name=name, value=value)
                                    for name, value in props), f"{pad}</properties>"]


def render_junit(results: RunResults) -> str:
    """junit.xml, written line by line with two spaces a level (ElementTree built and serialised
    in Python was 0.2 s at 1000 phones)."""
    summary = results.summary
    suite = _attributes({
        "name": f"rig {results.procedure} {results.bench}",
        "tests": str(len(results.phones)),
        "failures": str(summary["failed"]),
        "errors": str(summary["error"]),
        "skipped": str(summary["skipped"]),
        "timestamp": results.started,
        "time": f"{wall_seconds(results):.3f}",
    })
    suite_props = [("ports_left_off", ", ".join(f"{c.phone} ({c.switch} {c.port})" for c in results.ports_left_off))]
    # phones per fix: how many desks are left to visit
    suite_props += [("fixes", ", ".join(f"{fix} {count}" for fix, count in results.fixes.items()))]
    suite_props = [(name, value) for name, value in suite_props if value]
    lines = _properties(suite_props, 1) if suite_props else []  # first: a port rig could not turn back on
    for phone in results.phones:
        case = {"classname": f"{results.bench}.{results.procedure}", "name": phone.name,
                "time": f"{_seconds(phone.steps):.3f}"}
        lines.append(f"  <testcase{_attributes(case)}>")
        where = [(key, getattr(phone, key) or "") for key in ("mac", "switch", "port")]
        lines += _properties(where + evidence_properties(phone), 2)
        element = _ELEMENT.get(phone.outcome)
        if element:
            failed = next((s.name for s in reversed(phone.steps) if not s.ok), "run")
            lines.append("    " + _element(element, failure_text(phone), message=phone.reason or "", type=failed))
        lines.append("    " + _element("system-out", f"console log: console/{phone.name}.log"))
        lines.append("  </testcase>")
    lines = [f"<testsuite{suite}>", *lines, "</testsuite>"] if lines else [f"<testsuite{suite} />"]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(lines) + "\n"
