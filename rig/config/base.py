"""The base models of lab_config.yaml: strict sections, credentials, host:port endpoints.

Every section forbids unknown keys (a typo is an error naming it, not a silently ignored
setting) and is frozen. A secret is given inline, by environment variable, or not at all, and
read from the environment only when it is needed.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from rig.config.types import LocalPath
from rig.errors import ConfigError


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Credentials(Strict):
    """A secret given inline (`password`), by environment variable (`password_env`) or neither."""

    password: SecretStr | None = None
    password_env: str | None = None

    def secret(self) -> str | None:
        """The password itself, read from the environment at the moment it is needed."""
        if self.password is not None:
            return self.password.get_secret_value()
        if self.password_env is not None:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(f"environment variable {self.password_env} is not set")
            return value
        return None

    @model_validator(mode="after")
    def _one_source(self) -> "Credentials":
        if self.password is not None and self.password_env is not None:
            raise ValueError("give password or password_env, not both")
        return self


class Endpoint(Strict):
    host: str
    port: int = Field(ge=0, le=65535)


class SshLogin(Credentials):
    """An IOS device rig logs in to over SSH: a switch, a CME router."""

    host: str
    port: int = Field(default=22, ge=1, le=65535)
    username: str
    key_file: LocalPath | None = None
    known_hosts: LocalPath | None = None
    accept_new_host_key: bool = False
    """Trust-on-first-use: add an unknown host key to known_hosts instead of refusing."""
