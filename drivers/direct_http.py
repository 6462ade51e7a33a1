"""HTTP to a phone, ignoring proxy settings from the environment.

Phones sit on the lab LAN; an office `HTTP_PROXY` (or a `.netrc`) in the engineer's shell must
not reroute or re-authenticate a key press or a page fetch.
"""

from __future__ import annotations

import requests


def session() -> requests.Session:
    """A session that ignores the environment's proxies and .netrc; keep one per phone, since
    building a session per request cost more CPU than the request on a bench of 240 phones."""
    s = requests.Session()
    s.trust_env = False
    return s
