"""One settings object for the whole pipeline.

Values come from, highest priority first: keyword arguments, ``CRYPTOPULSE_*`` environment
variables, a ``.env`` file in the working directory, an optional TOML config file named by
``CRYPTOPULSE_CONFIG`` (default ``cryptopulse.toml`` if present), and the defaults below.
Secrets (S3 keys, later API tokens) are read from the environment only and never printed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

Scale = Literal["small", "seed"]


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names it and what is accepted."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CRYPTOPULSE_",
        env_file=".env",
        extra="ignore",
        validate_default=True,
    )

    lake_url: str = Field(
        default="./data/lake",
        description="Where the lake lives: a local folder or an s3://bucket/prefix URL.",
    )
    warehouse_url: str = Field(
        default="./data/warehouse.duckdb",
        description="The warehouse: a DuckDB file path (postgresql:// comes later).",
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description="S3-compatible endpoint (MinIO, moto, ...); unset for AWS itself.",
    )
    sources: Annotated[list[str], NoDecode] = Field(
        default=["demo"], description="Sources `run` and `extract` fetch from, comma-separated."
    )
    demo_seed: int = Field(default=42, description="Seed of the demo generator.")
    demo_lead_hours: int = Field(
        default=3, ge=0, le=48, description="Demo ground truth: sentiment leads returns by N hours."
    )
    demo_signal: float = Field(
        default=0.6, ge=0.0, le=1.0, description="Demo ground truth: strength of that relation."
    )
    demo_posts_per_day: int = Field(default=4400, ge=1, description="Demo posts per day.")
    dbt_threads: int = Field(default=2, ge=1, description="Parallel dbt threads.")
    duckdb_memory_limit: str = Field(
        default="2GB", description="DuckDB memory limit for the transform, e.g. 2GB."
    )

    @field_validator("lake_url")
    @classmethod
    def _check_lake_url(cls, value: str) -> str:
        if "://" in value and not value.startswith("s3://"):
            raise ValueError("accepted: a local folder path or an s3://bucket/prefix URL")
        if value.startswith("s3://") and not value[len("s3://") :].strip("/"):
            raise ValueError("an s3:// URL needs a bucket, e.g. s3://my-bucket/lake")
        return value.rstrip("/") or "/"

    @field_validator("warehouse_url")
    @classmethod
    def _check_warehouse_url(cls, value: str) -> str:
        if "://" in value:
            raise ValueError(
                "accepted: a DuckDB file path such as ./data/warehouse.duckdb "
                "(postgresql:// targets are not supported yet)"
            )
        return value

    @field_validator("sources", mode="before")
    @classmethod
    def _split_sources(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [s.strip() for s in value.split(",") if s.strip()]
        known = {"demo"}
        unknown = [s for s in value if s not in known]
        if unknown:
            raise ValueError(f"unknown source {unknown[0]!r}; accepted: {', '.join(sorted(known))}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = Path(os.environ.get("CRYPTOPULSE_CONFIG", "cryptopulse.toml"))
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file)
        return init_settings, env_settings, dotenv_settings, toml

    @property
    def lake_is_s3(self) -> bool:
        return self.lake_url.startswith("s3://")

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse_url).expanduser().resolve()


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning validation errors into one clear line per bad setting."""
    config_file = os.environ.get("CRYPTOPULSE_CONFIG")
    if config_file and not Path(config_file).is_file():
        raise SettingsError(f"CRYPTOPULSE_CONFIG: no such config file: {config_file}")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "_".join(str(p) for p in err["loc"]) or "settings"
            message = err["msg"].removeprefix("Value error, ")
            lines.append(f"CRYPTOPULSE_{name.upper()}: {message} (got {err.get('input')!r})")
        raise SettingsError("\n".join(lines)) from None
