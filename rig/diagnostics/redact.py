"""Redaction of a diagnostics bundle: every identifier replaced by a stable pseudonym before a
byte is written.

The idea is Home Assistant's diagnostics redaction (a list of what to hide, applied to the whole
document before it leaves the machine), made consistent across files: one `Redactor` serves a
whole bundle, so the same MAC becomes the same pseudonym in the device page, the switch's CDP
detail, the console log and the `SEP<MAC>` file names, and a reader can still follow one phone
through its evidence. Values are found two ways: the ones rig knows (configured MACs, IPs, host
names, user names, secrets, and those the devices themselves named: host names, serial numbers)
and the shapes of identifiers (every MAC spelling, every IPv4 address, home directories).

Files are redacted as bytes (decoded as Latin-1, which maps each byte to one character and
back), so text and binary files (an ITL, a signed config) go through the same rules; a binary
file whose identifiers were replaced no longer verifies, and is kept as evidence of its text.
The redactor counts what it replaced by kind, never the values (the manifest lists the counts).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

MIN_SECRET = 4
"""A secret shorter than this is not searched for: it would match inside ordinary words."""

WORD_ONLY_BELOW = 8
"""Plain words shorter than this are replaced only where they stand as a word."""
HEX = "0-9A-Fa-f"
_MAC_SPELLINGS = (
    rf"(?<![{HEX}.:-])[{HEX}]{{4}}\.[{HEX}]{{4}}\.[{HEX}]{{4}}(?![{HEX}])",      # 001d.705f.0001
    rf"(?<![{HEX}:-])[{HEX}]{{2}}(?P<sep>[:-])[{HEX}]{{2}}(?:(?P=sep)[{HEX}]{{2}}){{4}}(?![{HEX}])",  # 00:1d:70:... 00-1d-...
    rf"(?<![{HEX}])[{HEX}]{{12}}(?![{HEX}])",                                      # 001D705F0001
)
_IPV4 = r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])"
_HOME = r"(?<=/)(?:home|Users)/[^/\s\"'<>]+"
KEEP_IPS = re.compile(r"0\.0\.0\.0|255\..*")
"""Addresses that name no host: the unspecified address, netmasks and broadcast."""


@dataclass
class Known:
    """Values rig knows are identifiers, by kind (`mac`, `ip`, `hostname`, `serial`, `user`,
    `directory`, `phone name`, `secret`)."""

    values: dict[str, set[str]] = field(default_factory=dict)

    def add(self, kind: str, *values: str | None) -> None:
        for value in values:
            if value and value.strip():
                self.values.setdefault(kind, set()).add(value.strip())


def _literal(value: str) -> str:
    """A value as a pattern: a short plain word (`rig`, `admin`, `sw1`) only as a whole word, so
    it does not eat into other words; anything longer or with punctuation wherever it appears
    (a host name inside a certificate is followed by the next DER byte, often a letter or digit)."""
    if re.fullmatch(r"\w+", value) and len(value) < WORD_ONLY_BELOW:
        return rf"(?<!\w){re.escape(value)}(?!\w)"
    return re.escape(value)


def mac_digits(text: str) -> str:
    return re.sub(rf"[^{HEX}]", "", text).upper()


def _spelled_like(original: str, digits: str) -> str:
    """`digits` (12 upper hex) written the way `original` writes a MAC: case and separators."""
    if "." in original:
        out = ".".join(digits[i:i + 4] for i in (0, 4, 8))
    elif len(original) == 17:
        out = original[2].join(digits[i:i + 2] for i in range(0, 12, 2))
    else:
        out = digits
    return out.lower() if original == original.lower() else out


class Redactor:
    """Replaces identifiers in text and bytes; the same value gets the same pseudonym each time."""

    def __init__(self, known: Known) -> None:
        self._pseudonyms: dict[tuple[str, str], str] = {}
        self._counts: Counter[str] = Counter()
        self._macs = {mac_digits(m) for m in known.values.get("mac", set())}
        literals: list[tuple[str, str]] = []
        for kind, values in known.values.items():
            if kind == "mac":
                continue
            for value in values:
                if kind != "secret" or len(value) >= MIN_SECRET:
                    literals.append((kind, value))
        literals.sort(key=lambda pair: -len(pair[1]))
        self._literal_kind = {value.lower(): kind for kind, value in literals}
        parts = [_literal(value) for _, value in literals]
        words = f"(?P<literal>{'|'.join(parts)})|" if parts else ""
        self._pattern = re.compile(
            words + "|".join(f"(?P<mac{i}>{p})" for i, p in enumerate(_MAC_SPELLINGS))
            + f"|(?P<ip>{_IPV4})|(?P<home>{_HOME})", re.IGNORECASE | re.ASCII)

    def text(self, text: str) -> str:
        return self._pattern.sub(self._replace, text)

    def data(self, data: bytes) -> bytes:
        return self.text(data.decode("latin-1")).encode("latin-1")

    def counts(self) -> dict[str, dict[str, int]]:
        """Per kind: how many distinct values and how many occurrences were replaced."""
        distinct = Counter(kind for kind, _ in self._pseudonyms)
        return {kind: {"values": distinct[kind], "occurrences": self._counts[kind]} for kind in sorted(self._counts)}

    def _replace(self, match: re.Match[str]) -> str:
        found = match.group(0)
        if "literal" in match.re.groupindex and match.group("literal"):
            kind = self._literal_kind[found.lower()]
            return "<secret>" if kind == "secret" else self._pseudonym(kind, found.lower(), found)
        if match.group("ip"):
            return found if KEEP_IPS.fullmatch(found) else self._pseudonym("ip", found, found)
        if match.group("home"):
            root, _, user = found.partition("/")
            return f"{root}/{self._pseudonym('user', user, user)}"
        digits = mac_digits(found)
        if len(found) == 12 and not self._is_mac(match, digits):
            return found
        return _spelled_like(found, self._pseudonym("mac", digits, found))

    def _is_mac(self, match: re.Match[str], digits: str) -> bool:
        """A bare 12-hex token is a MAC when it is a known one, follows `SEP`, or has a letter
        (12 decimal digits alone are as likely a time stamp or a count)."""
        before = match.string[max(0, match.start() - 3):match.start()].upper()
        return digits in self._macs or before == "SEP" or re.search("[A-Fa-f]", digits) is not None

    def _pseudonym(self, kind: str, key: str, original: str) -> str:
        self._counts[kind] += 1
        if (kind, key) not in self._pseudonyms:
            n = sum(1 for k, _ in self._pseudonyms if k == kind) + 1
            self._pseudonyms[(kind, key)] = _invent(kind, n, original)
        return self._pseudonyms[(kind, key)]


def _invent(kind: str, n: int, original: str) -> str:
    """A pseudonym that keeps the value's shape: a locally administered MAC, a TEST-NET-1
    address (RFC 5737), `host-N`, `serial-N`; a phone name stays a phone name."""
    if kind == "mac":
        return f"02000000{n:04X}"
    if kind == "ip":
        return f"192.0.2.{n}" if n < 255 else f"198.51.100.{n - 254}"
    if kind == "phone name":
        return f"phone-{n}"
    if kind == "directory":
        return f"/redacted-dir-{n}"
    return f"{kind.replace(' ', '-')}-{n}"

