"""`cucm.risport` and `cucm.axl`: CUCM's HTTPS APIs on its Tomcat (port 8443), as rig asks them.

Both need an application user (`username`, password inline or from `password_env`) and trust in
CUCM's certificate: `ca_bundle` (the CA that signed Tomcat's certificate, or that certificate),
or `verify: false`, which rig accepts with a warning on every run, never both.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from rig.config.base import Credentials
from rig.config.types import LocalPath, seconds


class CucmHttps(Credentials):
    host: str
    port: int = Field(default=8443, ge=1, le=65535)
    username: str
    ca_bundle: LocalPath | None = None
    """PEM of the CA that signed CUCM's Tomcat certificate (or that certificate itself)."""
    verify: bool = True
    """false: accept any certificate (rig warns on every run); give ca_bundle instead."""

    @model_validator(mode="after")
    def _trust(self) -> "CucmHttps":
        if self.ca_bundle is not None and not self.verify:
            raise ValueError("give ca_bundle or verify: false, not both")
        return self

    def tls_verify(self) -> bool | str:
        """What requests' `verify` takes: the CA bundle's path, or True / False."""
        return str(self.ca_bundle) if self.ca_bundle is not None else self.verify


class RisPortConfig(CucmHttps):
    """CUCM's Serviceability RisPort70 (selectCmDevice): registration status, IP and ActiveLoadID."""

    require: bool = False
    """true: verify fails a phone that is not Registered with the expected ActiveLoadID."""
    retries: int = Field(default=3, ge=0, le=10)
    """Retries of a request CUCM answered with Server.RateControl."""
    backoff: float = seconds(30.0, high=600)
    """Wait before the first retry (doubled, tripled... after): CUCM counts requests per minute."""


class AxlConfig(CucmHttps):
    """CUCM's Administrative XML API (listPhone): the phones CUCM is configured with, by device pool."""

    version: str = Field(default="12.5", pattern=r"^\d+\.\d+$")
    """AXL schema version, the namespace `http://www.cisco.com/AXL/API/<version>` (CUCM's own)."""
