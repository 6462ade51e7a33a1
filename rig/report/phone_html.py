"""One phone's part of report.html: its row of the fleet chart and, folded under it, its detail
(where it is, its evidence, its timeline, steps, TFTP fetches, kept files, screens, console log).

Written in Python, not in the page's template: the part repeats once per phone, and at 1000
phones the template engine's attribute lookups and escaping per value were a second of CPU at the
end of every run (the page is 15 MB). The markup is the one the template wrote; every value is
escaped as the template escaped it (`esc`: `&`, `<`, `>`, `"` and `'`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rig.record.events import TftpFetch
from rig.report.fleet import CHART_WIDTH, FAILED_COLOUR, FleetRow
from rig.report.model import PhoneResult
from rig.report.timeline import WIDTH, Timeline


def esc(value: object) -> str:
    """`value` as text safe in HTML content and in quoted attributes (the template's escaping)."""
    return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


@dataclass
class PhoneView:
    """What the page shows of a phone besides its result: gathered by rig.report.html."""

    phone: PhoneResult
    row: FleetRow | None
    timeline: Timeline | None
    fetches: list[TftpFetch]
    files: list[str]
    screens: list[dict[str, Any]]
    console: str | None
    reason_group: str


def _outline(ok: bool) -> str:
    return "" if ok else f' stroke="{FAILED_COLOUR}" stroke-width="2"'


def _summary(view: PhoneView) -> list[str]:
    p, r = view.phone, view.row
    name, reason = esc(p.name), esc(p.reason or "")
    key = f"{p.name} {p.outcome} {p.reason or ''} {r.model if r else ''}".lower()
    out = [f'<details class="phone" id="{name}" data-reason="{esc(view.reason_group)}" data-key="{esc(key)}">\n'
           f'<summary class="grid"><span>{name}</span><span class="badge {esc(p.outcome)}">{esc(p.outcome)}</span>\n'
           f'<svg width="{CHART_WIDTH}" height="10">']
    for b in r.bars if r else ():
        out.append(f'<rect x="{b["x"]}" y="1" width="{b["w"]}" height="8" fill="{esc(b["colour"])}"{_outline(b["ok"])}>'
                   f'<title>{esc(b["name"])}: {esc(b["detail"])}</title></rect>')
    out.append(f'</svg>\n<span class="reason" title="{reason}">{reason}</span></summary>\n<div class="detail">\n')
    return out


def _evidence(view: PhoneView) -> str:
    p, r = view.phone, view.row
    where = f"{esc(p.switch)} {esc(p.port)}" if p.switch else "field mode"
    text = f'<p>{where}, MAC <span class="mono">{esc(p.mac)}</span>'
    if r and r.model != "?":
        text += f", model {esc(r.model)}"
    text += f'; load <span class="mono">{esc(p.load_before or "?")} &rarr; {esc(p.load_after or "?")}</span>'
    if p.itl_signer:
        text += f"; ITL signer {esc(p.itl_signer)}"
    if p.fix:
        text += f"; fix {esc(p.fix)}"
    if p.symptoms:
        text += f"; symptoms before: {esc('; '.join(p.symptoms))}"
    text += "</p>\n"
    if p.reason:
        text += f"<p><b>Reason:</b> {esc(p.reason)}</p>"
    return text


def _timeline(view: PhoneView) -> list[str]:
    tl = view.timeline
    if tl is None:
        return []
    out = [f'<svg width="{WIDTH}" height="{tl.height}" role="img" aria-label="timeline of {esc(view.phone.name)}">\n']
    for i, t in enumerate(tl.ticks_axis):
        out.append(f'<line x1="{t.x}" x2="{t.x}" y1="14" y2="18" stroke="#888"/><text x="{t.x}" y="11" '
                   f'text-anchor="{"middle" if i else "start"}">{esc(t.label)}</text>')
    for b in tl.bars:
        out.append(f'<text x="4" y="{b["y"] + 10}">{esc(b["name"][:16])}</text>\n'
                   f'<rect x="{b["x"]:.1f}" y="{b["y"]}" width="{b["w"]:.1f}" height="12" fill="{esc(b["colour"])}"'
                   f'{_outline(b["ok"])}><title>{esc(b["name"])}: {esc(b["detail"])}</title></rect>\n')
    if tl.ticks:
        out.append(f'<text x="4" y="{tl.ticks[0]["y"] + 10}">TFTP</text>')
    for t in tl.ticks:
        colour = "#1f5fa8" if t["ok"] else ("#9aa5b1" if t["expected"] else FAILED_COLOUR)
        status = "" if t["ok"] else (f", not served: {t['expected']}" if t["expected"] else ", failed")
        about = esc(f"{t['bytes']} bytes{status}")
        out.append(f'<line x1="{t["x"]:.1f}" x2="{t["x"]:.1f}" y1="{t["y"]}" y2="{t["y"] + 12}" stroke="{colour}" '
                   f'stroke-width="2"><title>{esc(t["file"])} ({about})</title></line>\n')
    if tl.draw:
        out.append(f'<text x="4" y="{tl.height - 14}">draw (max {tl.max_watts:.1f} W)</text>\n'
                   f'<polyline points="{esc(tl.draw)}" fill="none" stroke="#8a4b00" stroke-width="1.5"/>\n')
    out.append("</svg>\n")
    return out


def _tables(view: PhoneView) -> list[str]:
    p = view.phone
    out = ["<table>"]
    for s in p.steps:
        out.append(f'<tr><td class="{"passed" if s.ok else "failed"}">{"ok" if s.ok else "FAILED"}</td>'
                   f'<td>{esc(s.label)}</td><td class="mono">{esc(s.started)}</td><td>{esc(s.detail)}</td></tr>')
    out.append(f"</table>\n<p>TFTP fetches ({len(view.fetches)}):</p>\n<table>")
    files = set(view.files)
    for f in view.fetches:
        file = esc(f.file)
        if f.ok and f.file in files:
            file = f'<a href="files/{esc(p.name)}/{file}">{file}</a>'
        if f.ok:
            status = '<td class="passed">ok</td>'
        elif f.expected:
            status = f'<td class="expected">not served ({esc(f.expected)})</td>'
        else:
            status = f'<td class="failed">failed{": " + esc(f.error) if f.error else ""}</td>'
        out.append(f'<tr><td class="mono">{esc(f.at)}</td><td class="mono">{file}</td><td>{f.bytes} bytes</td>'
                   f"{status}</tr>")
    out.append("</table>\n")
    return out


def _kept(view: PhoneView) -> list[str]:
    name = esc(view.phone.name)
    out = []
    if view.files:
        links = ", ".join(f'<a class="mono" href="files/{name}/{esc(f)}">{esc(f)}</a>' for f in view.files)
        out.append(f"<p>Files kept (files/{name}/, check one with <code>rig itl show</code>): {links}</p>")
    for strip in view.screens:
        stopped = f" (stopped {esc(strip['stopped'])})" if strip["stopped"] else ""
        out.append(f"<p>Screens after each key, {esc(strip['step'])}{stopped}:</p>\n<div class=\"strip\">")
        for i, s in enumerate(strip["shots"], 1):
            shot = (f'<a href="{esc(s["file"])}"><img src="{esc(s["file"])}" alt="screen after {esc(s["key"])}"></a>'
                    if s["file"] else f'<span class="none" title="{esc(s["error"])}"></span>')
            out.append(f"<figure>{shot}<figcaption>{i} {esc(s['key'])}</figcaption></figure>")
        out.append("</div>\n")
    if view.console:
        out.append(f'<p>Console log: <a href="{esc(view.console)}">{esc(view.console)}</a></p>')
    return out


def phone_section(view: PhoneView) -> str:
    """The phone's `<details>` element: its fleet row as the summary, its detail folded under it."""
    parts = _summary(view)
    parts.append(_evidence(view))
    parts += _timeline(view)
    parts += _tables(view)
    parts += _kept(view)
    parts.append("</div>\n</details>\n")
    return "".join(parts)
