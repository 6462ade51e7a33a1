"""Reading what a Cisco IP phone's web server answers: flat XML documents and Serviceability HTML.

Both readers are written against captures of real phones (tests/fixtures/real/, listed in its
PROVENANCE.md), not against the simulator:

- `/DeviceInformationX` and `/NetworkConfigurationX` are flat documents whose child elements
  are the fields (CP-7962G capture; a CP-7940 one is cited in docs/real-phones.md). Values are
  kept as the phone wrote them: a 7962G answers `<versionID>*SCCP42.9-4-2SR3-1S*</versionID>`,
  asterisks included, and `appLoadID` names an image (`jar42sccp.9-4-2ES26.sbn`), not the load.
  Deciding which load runs is the procedures' job, so nothing here strips or picks.
  Firmware does not always escape what it embeds (a `&` in a host name or DN), and public
  copies of these documents come indented; when a strict parse fails, the flat
  `<tag>text</tag>` pairs are read directly.
- Serviceability pages (`/CGI/Java/Serviceability?adapter=...`) share one layout on 79x2 and
  88xx phones (CP-7962G and CP-8845 captures): an outer table whose first row holds the Cisco
  logo link and the page title, a left cell holding the navigation table (rows of links, plus
  link-free section headings such as `Network statistics` / `Statistiche di rete`), and a
  right cell holding the content table. So a row is content only when the table it sits in
  holds no link at all: a link-free heading inside the navigation table is navigation too.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from lxml import etree

_FLAT_ELEMENT = re.compile(r"<([A-Za-z][\w.-]*)>([^<]*)</\1>")
_TITLES = frozenset({"status messages", "status message"})


def flat_fields(body: bytes) -> dict[str, str]:
    """The `tag -> text` pairs of a flat XML document, texts as written (entities decoded)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        text = body.decode("utf-8", errors="replace") if _declares_utf8(body) else body.decode("iso-8859-1")
        return {tag: html.unescape(value) for tag, value in _FLAT_ELEMENT.findall(text)}
    return {child.tag: child.text or "" for child in root}


def _declares_utf8(body: bytes) -> bool:
    head = body[:100].lower()
    return b"utf-8" in head or b"utf8" in head


@dataclass
class _Table:
    has_link: bool = False
    rows: list[list[str]] = field(default_factory=list)


class _ContentRows:
    """Text of each table row, grouped by the innermost table the row belongs to.

    Fed start/end/data calls, as html.parser would make them, by `_replay` walking the tree
    libxml2 built (lxml): the tokenising is done in C, about ten times faster than html.parser,
    which counts when a whole bench polls its phones' status pages.
    """

    def __init__(self) -> None:
        self.tables: list[_Table] = []
        self._open: list[_Table] = []
        self._row: list[str] | None = None

    def start(self, tag: str, attrib: object) -> None:
        if tag == "table":
            self._end_row()
            table = _Table()
            self.tables.append(table)
            self._open.append(table)
        elif tag == "tr" and self._open:
            self._end_row()
            self._row = []
        elif tag == "a" and self._open:
            self._open[-1].has_link = True
        elif tag == "br" and self._row is not None:
            self._row.append("\n")
        elif tag in ("td", "th") and self._row:
            self._row.append(" ")

    def end(self, tag: str) -> None:
        if tag == "tr":
            self._end_row()
        elif tag == "table" and self._open:
            self._end_row()
            self._open.pop()

    def data(self, data: str) -> None:
        if self._row is not None:
            self._row.append(data)

    def _end_row(self) -> None:
        if self._row is not None and self._open:
            self._open[-1].rows.append(self._row)
        self._row = None

    def close(self) -> None:
        self._end_row()


def _replay(root: etree._Element | None, rows: _ContentRows) -> None:
    """The tree's tags and texts to `rows`, in document order (a comment gives only the text after
    it; libxml2's HTML parser makes a processing instruction a comment too).

    The tree is built in C first: a parser target instead (lxml calling Python per tag) took
    the interpreter lock back at every tag, and at 240 phones polling status pages those
    hand-overs were a tenth of the controller's lock traffic."""
    if root is None:
        return
    for event, element in etree.iterwalk(root, events=("start", "end", "comment")):
        if event == "comment":
            if element.tail:
                rows.data(element.tail)
        elif event == "start":
            rows.start(element.tag, element.attrib)
            if element.text:
                rows.data(element.text)
        else:
            rows.end(element.tag)
            if element.tail:
                rows.data(element.tail)


def content_lines(page: str) -> list[str]:
    """The lines of a Serviceability page's link-free tables, in page order.

    Each table row gives one line per `<br>`-separated piece, whitespace (and `&nbsp;`)
    collapsed; rows of any table holding a link (title bar, navigation) are left out.
    """
    rows = _ContentRows()
    if page.strip():
        # bytes, so that an XML declaration naming an encoding is no error; utf-8, because that is
        # how they were just encoded, whatever a <META> says; a parser per call: none is shared
        _replay(etree.fromstring(page.encode("utf-8"), etree.HTMLParser(encoding="utf-8")), rows)
    rows.close()
    lines = []
    for table in rows.tables:
        if table.has_link:
            continue
        for row in table.rows:
            for piece in "".join(row).split("\n"):
                text = " ".join(piece.split())
                if text:
                    lines.append(text)
    return lines


def status_rows(page: str) -> list[str]:
    """The messages of a status messages page, in page order, without a `Status messages` title."""
    return [line for line in content_lines(page) if line.lower() not in _TITLES]
