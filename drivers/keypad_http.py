"""Remote key-press through the phone's own web server: `POST /CGI/Execute` with `Key:` URIs.

What the phone answers is defined by Cisco's IP Phone Services Application Development Notes
(source: https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cuipph/all_models/xsi/9-1-1/CUIP_BK_P82B3B16_00_phones-services-application-development-notes.html,
"CiscoIPPhoneResponse" and "CiscoIPPhoneError"): a `CiscoIPPhoneResponse` with one
`ResponseItem` per executed URI, whose `Status` is the result code (0 = success; `Data` is
free text, often `Success`, sometimes not), or a `CiscoIPPhoneError Number="N"`: 1 parse error,
2 framing error, 3 internal file error (the request was wrong), 4 authentication error.

Error 4 means the phone's authentication URL did not answer AUTHORIZED for the credentials.
Two causes look the same from here: a wrong phone password, or a phone still holding a stale
ITL/config and so an old authentication URL. The message says both; the caller moves on to the
serial actuator or operator backend either way.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from urllib.parse import urlencode
from xml.sax.saxutils import quoteattr

import http.client

from rig.drivers.bounded import Abandoned, TooLarge
from rig.drivers.direct_http import Reply, request
from rig.drivers.keypad import Keypad, KeypadAuthError, KeypadError, check_keys
from rig.drivers.phone_web import PAGE_LIMIT, PNG_SIGNATURE, WebPaths

MAX_ITEMS = 3
"""A phone executes at most three ExecuteItems per request (Application Development Notes)."""

REQUEST_ERRORS = {1: "error parsing the CiscoIPPhoneExecute object", 2: "error framing the CiscoIPPhoneResponse object",
                  3: "internal file error"}
AUTH_ERROR = 4
_INIT_URI = re.compile(r"Init:[A-Za-z]+")


def execute_body(uris: Sequence[str]) -> str:
    """The `<CiscoIPPhoneExecute>` document executing `uris` (`Key:...`, `Init:...`) in order."""
    items = "".join(f"<ExecuteItem Priority=\"0\" URL={quoteattr(u)}/>" for u in uris)
    return f"<CiscoIPPhoneExecute>{items}</CiscoIPPhoneExecute>"


class HttpKeypad(Keypad):
    through_phone_web = True

    def __init__(self, host: str, *, port: int = 80, username: str, password: str,
                 timeout: float = 5.0, name: str = "", paths: WebPaths | None = None) -> None:
        self.host = host
        self.port = port
        self.name = name or host
        paths = paths or WebPaths()
        self.url = f"http://{host}:{port}{paths.execute}"
        self._screenshot_url = f"http://{host}:{port}{paths.screenshot}"
        self._auth = (username, password)
        self._timeout = timeout

    def press(self, keys: Sequence[str], gap: float = 1.0, *, init: str | None = None) -> None:
        """Press `keys` in order, `gap` seconds apart (gap 0: up to three per request).

        `init` (such as `Init:Settings`) is executed first, in a request of its own, so that
        the application starts from its top level whatever was on screen; public bulk ITL
        erase tools send `Init:Settings` before `Key:Settings` (source: the ucdevops.com
        "remote ITL delete" script, models table for CP-7965G).
        """
        uris = ["Key:" + k for k in check_keys(keys, self.name)]
        if init is not None:
            if not _INIT_URI.fullmatch(init):
                raise KeypadError(f"{self.name}: {init!r} is not an Init: URI such as Init:Settings")
            self._execute([init])
            if uris and gap:
                time.sleep(gap)
        size = MAX_ITEMS if gap == 0 else 1
        batches = [uris[i:i + size] for i in range(0, len(uris), size)]
        for index, batch in enumerate(batches):
            if index and gap:
                time.sleep(gap)
            self._execute(batch)

    def open_app(self, app: str) -> None:
        """Execute `Init:<app>` (`Init:Settings`) in a request of its own, as `press` does."""
        self.press([], gap=0, init=f"Init:{app}")

    def check_credentials(self) -> None:
        """Whether the phone accepts this keypad's credentials, pressing no key: an authenticated
        `GET /CGI/Screenshot`, which the phone checks against the same authentication URL as
        `/CGI/Execute` (source: UnifiedFX, "Cisco IP Phone Web Server Authentication",
        https://support.unifiedfx.com/hc/en-gb/articles/211136626 - "a request to a secured
        resource ... (i.e. a screenshot: http://[Phone_IP]/CGI/Screenshot) the credentials submitted
        are passed to the Authentication URL"). KeypadAuthError when refused, KeypadError otherwise."""
        where = f"phone {self.name} ({self.host}:{self.port}) GET {self._screenshot_url}"
        reply = self._request(where, "GET", self._screenshot_url)
        if not reply.content.startswith(PNG_SIGNATURE):
            _check_answer(where, reply.text, 0)  # raises on a CiscoIPPhoneError
            raise KeypadError(f"{where}: answered {reply.headers.get('Content-Type', 'no content type')}, not a PNG")

    def _execute(self, uris: list[str]) -> None:
        where = f"phone {self.name} ({self.host}:{self.port}) executing {'+'.join(uris)}"
        reply = self._request(where, "POST", self.url, urlencode({"XML": execute_body(uris)}).encode())
        _check_answer(where, reply.text, len(uris))

    def _request(self, where: str, method: str, url: str, form: bytes | None = None) -> Reply:
        """One authenticated request, bounded in total by the timeout (rig.drivers.direct_http), sent
        once; KeypadError unless the phone answered HTTP 200."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        try:
            reply = request(method, url, seconds=self._timeout, limit=PAGE_LIMIT, body=form, headers=headers,
                            auth=self._auth)
        except (TimeoutError, TooLarge, Abandoned) as error:
            raise KeypadError(f"{where}: {error}") from None
        except (OSError, http.client.HTTPException) as error:
            raise KeypadError(f"{where}: cannot connect ({type(error).__name__})") from None
        if reply.status == 401:
            raise _auth_error(where, "HTTP 401")
        if reply.status != 200:
            raise KeypadError(f"{where}: HTTP {reply.status}")
        return reply


def _check_answer(where: str, text: str, expected: int) -> None:
    """Accept a CiscoIPPhoneResponse whose every ResponseItem has Status 0; raise otherwise."""
    try:
        root = ET.fromstring(text.strip().encode())
    except ET.ParseError:
        raise KeypadError(f"{where}: answer is not XML: {text[:80]!r}") from None
    if root.tag == "CiscoIPPhoneError":
        number = int(root.get("Number", "")) if root.get("Number", "").isdigit() else None
        if number == AUTH_ERROR:
            raise _auth_error(where, "CiscoIPPhoneError 4")
        if number in REQUEST_ERRORS:
            raise KeypadError(f"{where}: request refused, CiscoIPPhoneError {number} ({REQUEST_ERRORS[number]})")
        raise KeypadError(f"{where}: CiscoIPPhoneError {root.get('Number')!r} (not a documented number)")
    if root.tag != "CiscoIPPhoneResponse":
        raise KeypadError(f"{where}: unexpected answer <{root.tag}>")
    items = list(root.iter("ResponseItem"))
    failed = [f"Status {i.get('Status')!r} Data {i.get('Data')!r}" for i in items if i.get("Status") != "0"]
    if failed or len(items) < expected:
        raise KeypadError(f"{where}: phone answered {'; '.join(failed) or f'{len(items)} of {expected} ResponseItems'}")


def _auth_error(where: str, what: str) -> KeypadAuthError:
    return KeypadAuthError(
        f"{where}: authentication refused ({what}): either the phone password is wrong, or the phone "
        f"still holds a stale ITL/config and so an old authentication URL; the serial_actuator or "
        f"operator keypad backend works in both cases"
    )
