"""HTTP to a phone, ignoring proxy settings from the environment.

Phones sit on the lab LAN; an office `HTTP_PROXY` (or a `.netrc`) in the engineer's shell must
not reroute or re-authenticate a key press or a page fetch.
"""

from __future__ import annotations

from typing import Any

import requests


def request(method: str, url: str, **kwargs: Any) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        return session.request(method, url, **kwargs)
