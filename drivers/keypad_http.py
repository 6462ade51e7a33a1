"""Remote key-press through the phone's own web server: `POST /CGI/Execute` with `Key:` URIs.

The phone checks the HTTP Basic credentials against its authentication URL (CUCM answers
`AUTHORIZED`). A phone still holding a stale ITL may also hold an old authentication URL and
answer CiscoIPPhoneError 4 to every request: that is KeypadAuthError, and the caller moves on to
the serial actuator or operator backend.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from xml.sax.saxutils import quoteattr

import requests

from drivers.direct_http import session
from drivers.keypad import KeypadAuthError, KeypadError, check_keys

MAX_ITEMS = 3
"""A phone executes at most three ExecuteItems per request."""

PHONE_ERRORS = {1: "XML parse error", 2: "framing error", 3: "internal file error", 4: "authentication error"}


def execute_body(keys: Sequence[str]) -> str:
    """The `<CiscoIPPhoneExecute>` document pressing `keys` in order."""
    items = "".join(f"<ExecuteItem Priority=\"0\" URL={quoteattr('Key:' + k)}/>" for k in keys)
    return f"<CiscoIPPhoneExecute>{items}</CiscoIPPhoneExecute>"


class HttpKeypad:
    def __init__(self, host: str, *, port: int = 80, username: str, password: str,
                 timeout: float = 5.0, name: str = "") -> None:
        self.host = host
        self.port = port
        self.name = name or host
        self.url = f"http://{host}:{port}/CGI/Execute"
        self._auth = (username, password)
        self._timeout = timeout
        self._session = session()

    def press(self, keys: Sequence[str], gap: float = 1.0) -> None:
        keys = check_keys(keys, self.name)
        size = MAX_ITEMS if gap == 0 else 1
        batches = [keys[i:i + size] for i in range(0, len(keys), size)]
        for index, batch in enumerate(batches):
            if index and gap:
                time.sleep(gap)
            self._execute(batch)

    def _execute(self, keys: list[str]) -> None:
        where = f"phone {self.name} ({self.host}:{self.port}) pressing {'+'.join(keys)}"
        try:
            reply = self._session.request("POST", self.url, data={"XML": execute_body(keys)}, auth=self._auth,
                                  timeout=self._timeout)
        except requests.Timeout:
            raise KeypadError(f"{where}: no answer within {self._timeout:g} s") from None
        except requests.RequestException as error:
            raise KeypadError(f"{where}: cannot connect ({type(error).__name__})") from None
        if reply.status_code == 401:
            raise self._auth_error(where, "HTTP 401")
        if reply.status_code != 200:
            raise KeypadError(f"{where}: HTTP {reply.status_code}")
        self._check_answer(where, reply.text, len(keys))

    def _check_answer(self, where: str, text: str, expected: int) -> None:
        try:
            root = ET.fromstring(text.strip())
        except ET.ParseError:
            raise KeypadError(f"{where}: answer is not XML: {text[:80]!r}") from None
        if root.tag == "CiscoIPPhoneError":
            number = int(root.get("Number", "0")) if root.get("Number", "").isdigit() else 0
            if number == 4:
                raise self._auth_error(where, "CiscoIPPhoneError 4")
            raise KeypadError(f"{where}: CiscoIPPhoneError {number} ({PHONE_ERRORS.get(number, 'unknown')})")
        if root.tag != "CiscoIPPhoneResponse":
            raise KeypadError(f"{where}: unexpected answer <{root.tag}>")
        data = [item.get("Data", "") for item in root.iter("ResponseItem")]
        failed = [d for d in data if d != "Success"]
        if failed or len(data) < expected:
            raise KeypadError(f"{where}: phone answered {data or 'no ResponseItem'}")

    def _auth_error(self, where: str, what: str) -> KeypadAuthError:
        return KeypadAuthError(
            f"{where}: authentication refused ({what}); the phone probably still holds its old "
            f"authentication URL (stale ITL/config): use the serial_actuator or operator keypad backend"
        )
