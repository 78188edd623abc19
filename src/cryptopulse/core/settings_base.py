"""What every settings class shares: the ``CRYPTOPULSE_`` prefix, where values come from,
the "empty means unset" rule, the HTTP policy fields, and one error line per bad setting.

Values come from, highest priority first: keyword arguments, ``CRYPTOPULSE_*`` environment
variables, a ``.env`` file in the working directory, an optional TOML config file named by
``CRYPTOPULSE_CONFIG`` (default ``cryptopulse.toml`` if present), and the defaults. The
pipeline's settings (``core.settings``) and each source's own class (``sources/<name>/
settings.py``) derive from ``SettingsSection``, so all of them read the same places.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from cryptopulse.core.errors import UserError
from cryptopulse.core.server_url import mask_password

PREFIX = "CRYPTOPULSE_"


class SettingsError(UserError, ValueError):
    """A setting has a value we cannot use; the message names it and what is accepted."""


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# An optional setting given as "" (``CRYPTOPULSE_X=`` in a .env) is unset, not an empty value.
EmptyIsUnset = BeforeValidator(_blank_is_none)


def _api_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("accepted: an http:// or https:// URL")
    return value.rstrip("/")


# An API root: http(s) only, without the trailing slash.
ApiUrl = Annotated[str, AfterValidator(_api_url)]

# One HTTP policy for every API source: the limits live here, the defaults with the source.
TimeoutSeconds = Annotated[
    float, Field(gt=0, le=300, description="Timeout of one request, in seconds.")
]
MaxRetries = Annotated[int, Field(ge=0, le=20, description="Retries of a failed request.")]
BackoffSeconds = Annotated[
    float, Field(ge=0, le=60, description="First retry delay in seconds; it doubles, with jitter.")
]


class HttpSettings(BaseModel):
    """How one API source calls its API: a request's timeout, retries and first delay."""

    timeout_seconds: float
    max_retries: int
    backoff_seconds: float

    @classmethod
    def of(cls, section: BaseModel, prefix: str) -> HttpSettings:
        """The ``<prefix>_timeout_seconds``, ``_max_retries`` and ``_backoff_seconds`` of a
        settings class (today's variable names) as one object."""
        return cls(**{name: getattr(section, f"{prefix}_{name}") for name in cls.model_fields})


def is_secret(field: FieldInfo) -> bool:
    """Secrets are typed SecretStr: read from the environment only, never printed."""
    annotation = field.annotation
    return annotation is SecretStr or SecretStr in get_args(annotation)


def setting_name(field_name: str) -> str:
    return f"{PREFIX}{field_name.upper()}"


def error_lines(exc: ValidationError) -> list[str]:
    """One ``CRYPTOPULSE_NAME: what is wrong (got 'value')`` line per bad setting."""
    lines = []
    for err in exc.errors():
        name = "_".join(str(p) for p in err["loc"]) or "settings"
        message = err["msg"].removeprefix("Value error, ")
        # A URL's password is never echoed, even in a URL refused for carrying one.
        got = mask_password(repr(err.get("input")))
        lines.append(f"{setting_name(name)}: {message} (got {got})")
    return lines


class SettingsSection(BaseSettings):
    """A settings class read from the ``CRYPTOPULSE_`` environment, .env and config file."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        env_file=".env",
        extra="ignore",
        validate_default=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        from cryptopulse.core.config_file import ConfigFile

        named = os.environ.get("CRYPTOPULSE_CONFIG")
        config_file = ConfigFile(settings_cls, Path(named or "cryptopulse.toml"))
        return init_settings, env_settings, dotenv_settings, config_file
