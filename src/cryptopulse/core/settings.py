"""One settings object for the whole pipeline.

Values come from, highest priority first: keyword arguments, ``CRYPTOPULSE_*`` environment
variables, a ``.env`` file in the working directory, an optional TOML config file named by
``CRYPTOPULSE_CONFIG`` (default ``cryptopulse.toml`` if present), and the defaults below.
The config file's keys are the setting names in lower case (``lake_url``); the environment
spelling (``CRYPTOPULSE_LAKE_URL``) is accepted too, and any other key is refused.
Secrets (S3 keys, later API tokens) are read from the environment only and never printed.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from cryptopulse.core.errors import UserError

Scale = Literal["small", "seed"]
KNOWN_SOURCES = ("demo", "coingecko", "x", "reddit", "bluesky")
PREFIX = "CRYPTOPULSE_"

# What DuckDB's memory_limit accepts (DBConfig::ParseMemoryLimit), minus its oddities (an
# exponent, text after the unit, "-1"/"none" for its own default): a size with a unit, any
# case, 1000^i (KB…TB, K…T) or 1024^i (KiB…TiB) bytes; or a share of the RAM, up to 100%.
_MEMORY_UNITS = (
    "b|bytes?|kb?|kilobytes?|mb?|megabytes?|gb?|gigabytes?|tb?|terabytes?|kib|mib|gib|tib"
)
_MEMORY_LIMIT = re.compile(
    rf"(?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?:(?P<unit>{_MEMORY_UNITS})|(?P<percent>%))",
    re.IGNORECASE,
)


class SettingsError(UserError, ValueError):
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
        description="The warehouse; its scheme picks the engine: a DuckDB file path "
        "(or duckdb://PATH); postgresql://, redshift:// and spark:// come later.",
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
        default="2GB",
        description="DuckDB memory limit for the transform: a size (512MB, 2GB, 1.5GiB) or "
        "a share of the RAM (80%).",
    )

    airflow_start_date: date = Field(
        default=date(2026, 11, 1),
        description="First day the Airflow DAG schedules (it catches up from there).",
    )
    airflow_extract_retries: int = Field(
        default=3, ge=0, le=20, description="Retries of an Airflow extract task."
    )
    airflow_retry_delay_seconds: float = Field(
        default=60.0, gt=0, description="First retry delay; it doubles on every retry."
    )

    # CoinGecko: real market data (`cryptopulse extract coingecko`).
    coingecko_plan: Literal["public", "demo", "pro"] = Field(
        default="public",
        description="CoinGecko access plan: public (no key), demo or pro (both need a key).",
    )
    coingecko_api_key: SecretStr | None = Field(
        default=None,
        description="CoinGecko Demo or Pro key: from the environment only, never logged.",
    )
    coingecko_base_url: str | None = Field(
        default=None,
        description="CoinGecko API root; unset = the plan's (api. or pro-api.coingecko.com).",
    )
    coingecko_calls_per_minute: float | None = Field(
        default=None,
        gt=0,
        description="Client-side rate limit; unset = the plan's (public 10, demo 30, pro 250).",
    )
    coingecko_timeout_seconds: float = Field(
        default=10.0, gt=0, le=300, description="Timeout of one CoinGecko request."
    )
    coingecko_max_retries: int = Field(
        default=6, ge=0, le=20, description="Retries of a failed CoinGecko request."
    )
    coingecko_backoff_seconds: float = Field(
        default=2.0, ge=0, le=60, description="First retry delay; it doubles, with jitter."
    )
    coingecko_window_days: int = Field(
        default=90, ge=1, le=90, description="Days per history request (hourly up to 90)."
    )
    coingecko_coins: str = Field(
        default="top:20", description="Coins to fetch: top:N by market cap or comma-separated ids."
    )

    # Social posts from APIs (`CRYPTOPULSE_SOURCES=demo,x,reddit,bluesky`); see docs/.
    social_coins: str = Field(
        default="bitcoin,ethereum,solana",
        description="Coins X and Bluesky search posts for (CoinGecko ids, comma-separated).",
    )
    social_timeout_seconds: float = Field(
        default=15.0, gt=0, le=300, description="Timeout of one request to a post API."
    )
    social_max_retries: int = Field(
        default=5, ge=0, le=20, description="Retries of a failed request to a post API."
    )
    social_backoff_seconds: float = Field(
        default=2.0, ge=0, le=60, description="First retry delay; it doubles, with jitter."
    )
    x_bearer_token: SecretStr | None = Field(
        default=None, description="X API v2 app bearer token: from the environment only."
    )
    x_base_url: str = Field(default="https://api.x.com/2", description="X API v2 root.")
    x_search: Literal["recent", "all"] = Field(
        default="recent",
        description="X search endpoint: recent (last 7 days) or all (full archive, Pro plan).",
    )
    x_queries: str = Field(
        default="",
        description="X search queries, ';'-separated; unset = one per coin of social_coins.",
    )
    x_max_pages: int = Field(
        default=10, ge=1, le=1000, description="Most result pages per X query and day."
    )
    reddit_client_id: SecretStr | None = Field(
        default=None, description="Reddit OAuth app client id: from the environment only."
    )
    reddit_client_secret: SecretStr | None = Field(
        default=None, description="Reddit OAuth app secret: from the environment only."
    )
    reddit_username: str | None = Field(
        default=None, description="Reddit account of a 'script' app (optional)."
    )
    reddit_password: SecretStr | None = Field(
        default=None, description="That account's password: from the environment only."
    )
    reddit_user_agent: str = Field(
        default="python:cryptopulse:v0 (by /u/cryptopulse)",
        description="User-Agent Reddit requires: platform:app:version (by /u/you).",
    )
    reddit_subreddits: str = Field(
        default="CryptoCurrency,Bitcoin,ethereum", description="Subreddits, comma-separated."
    )
    reddit_comments: bool = Field(default=True, description="Also collect comments.")
    reddit_base_url: str = Field(
        default="https://oauth.reddit.com", description="Reddit OAuth API root."
    )
    reddit_auth_url: str = Field(
        default="https://www.reddit.com", description="Reddit's token endpoint host."
    )
    bluesky_handle: str | None = Field(
        default=None, description="Bluesky handle that signs in, e.g. you.bsky.social."
    )
    bluesky_app_password: SecretStr | None = Field(
        default=None, description="A Bluesky app password: from the environment only."
    )
    bluesky_base_url: str = Field(
        default="https://bsky.social/xrpc", description="Bluesky PDS XRPC root."
    )
    bluesky_queries: str = Field(
        default="",
        description="Bluesky search queries, ';'-separated; unset = one per coin.",
    )
    bluesky_max_pages: int = Field(
        default=50, ge=1, le=1000, description="Most result pages (100 posts) per query and day."
    )

    @field_validator(
        "coingecko_api_key", "coingecko_base_url", "coingecko_calls_per_minute", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(
        "x_bearer_token",
        "reddit_client_id",
        "reddit_client_secret",
        "reddit_username",
        "reddit_password",
        "bluesky_handle",
        "bluesky_app_password",
        mode="before",
    )
    @classmethod
    def _empty_credential_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("x_base_url", "reddit_base_url", "reddit_auth_url", "bluesky_base_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("accepted: an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("coingecko_base_url")
    @classmethod
    def _check_coingecko_base_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("accepted: an http:// or https:// URL, or unset for the plan's")
        return value.rstrip("/") if value else value

    @field_validator("lake_url", "warehouse_url", "duckdb_memory_limit", mode="before")
    @classmethod
    def _empty_is_a_mistake(cls, value: Any, info: ValidationInfo) -> Any:
        # An empty path would silently mean the current folder (or the file system's root).
        if isinstance(value, str) and not value.strip():
            default = cls.model_fields[str(info.field_name)].default
            raise ValueError(f"is empty: unset it for the default ({default}) or give a value")
        return value

    @field_validator("lake_url")
    @classmethod
    def _check_lake_url(cls, value: str) -> str:
        if "://" in value and not value.startswith("s3://"):
            raise ValueError("accepted: a local folder path or an s3://bucket/prefix URL")
        if value.startswith("s3://"):
            if not value[len("s3://") :].strip("/"):
                raise ValueError("an s3:// URL needs a bucket, e.g. s3://my-bucket/lake")
            return value.rstrip("/")
        _check_local_path(Path(value), "the lake", want_folder=True)
        return value.rstrip("/") or "/"

    @field_validator("warehouse_url")
    @classmethod
    def _check_warehouse_url(cls, value: str) -> str:
        engine = warehouse_engine_name(value)
        if engine in ENGINES_TO_COME:
            raise ValueError(
                f"the {ENGINES_TO_COME[engine]} warehouse engine is not available yet; "
                f"accepted today: {_DUCKDB_ACCEPTED}"
            )
        if engine != "duckdb":
            raise ValueError(
                f"accepted: {_DUCKDB_ACCEPTED} (postgresql://, redshift:// and spark:// "
                "engines are not available yet)"
            )
        path = value.removeprefix("duckdb://")
        if not path.strip():
            raise ValueError(f"duckdb:// needs a file path; accepted: {_DUCKDB_ACCEPTED}")
        _check_local_path(Path(path), "the warehouse", want_folder=False)
        return value

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _check_memory_limit(cls, value: str) -> str:
        value = value.strip()
        match = _MEMORY_LIMIT.fullmatch(value)
        if match is None:
            raise ValueError(
                "accepted: a size with a unit such as 512MB, 2GB or 1.5GiB (KB, MB, GB, TB "
                "or KiB, MiB, GiB, TiB) or a share of the RAM such as 80%"
            )
        number = float(match["number"])
        if number <= 0:
            raise ValueError("must be more than 0, e.g. 2GB or 80%")
        if match["percent"] and number > 100:
            raise ValueError("a share of the RAM is at most 100%, e.g. 80%")
        return value

    @field_validator("sources", mode="before")
    @classmethod
    def _split_sources(cls, value: Any) -> Any:
        accepted = ", ".join(sorted(KNOWN_SOURCES))
        if isinstance(value, str):
            value = [s.strip() for s in value.split(",") if s.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(s, str) for s in value):
            raise ValueError(f"accepted: comma-separated source names: {accepted}")
        if not value:
            raise ValueError(
                f"no source given; accepted: comma-separated names among {accepted} "
                "(unset it for the default, demo)"
            )
        unknown = [s for s in value if s not in KNOWN_SOURCES]
        if unknown:
            raise ValueError(f"unknown source {unknown[0]!r}; accepted: {accepted}")
        return list(dict.fromkeys(value))  # each source once, in the order given

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        named = os.environ.get("CRYPTOPULSE_CONFIG")
        config_file = _ConfigFile(settings_cls, Path(named or "cryptopulse.toml"))
        return init_settings, env_settings, dotenv_settings, config_file

    @property
    def lake_is_s3(self) -> bool:
        return self.lake_url.startswith("s3://")

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB file (kept for tests; the code asks the warehouse engine)."""
        return Path(self.warehouse_url.removeprefix("duckdb://")).expanduser().resolve()


# Secrets read from the environment (or a local .env) only: a config file holding one is refused.
ENV_ONLY_SETTINGS = (
    "coingecko_api_key",
    "x_bearer_token",
    "reddit_client_id",
    "reddit_client_secret",
    "reddit_password",
    "bluesky_app_password",
)


class _ConfigFile(PydanticBaseSettingsSource):
    """The TOML config file, if there is one. Its keys are setting names: ``lake_url``, or
    ``CRYPTOPULSE_LAKE_URL`` as in the environment (any case). A key that names no setting
    is refused rather than ignored (a typo would silently leave the default in place), and
    so is a secret: a local, git-ignored .env may hold secrets; a config file, which may be
    shared or committed, may not."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {}
        where = f"config file {self.path}"
        try:
            with self.path.open("rb") as handle:
                data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{where}: not valid TOML: {exc}") from None
        except UnicodeDecodeError:
            raise SettingsError(f"{where}: not valid TOML: it is not UTF-8 text") from None
        except OSError as exc:
            raise SettingsError(f"{where}: cannot read it: {exc.strerror or exc}") from None
        return config_values(data, where, tuple(self.settings_cls.model_fields))


def config_values(data: dict[str, Any], where: str, names: tuple[str, ...]) -> dict[str, Any]:
    """A config file's values by setting name; unknown keys and secrets are refused."""
    values: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    unknown: list[str] = []
    for key, value in data.items():
        name = key.lower().removeprefix(PREFIX.lower())
        if name not in names:
            unknown.append(key)
            continue
        if name in ENV_ONLY_SETTINGS and str(value or "").strip():
            raise SettingsError(
                f"{PREFIX}{name.upper()}: set it in the environment (or a local .env), "
                f"not in a config file such as {where.removeprefix('config file ')} "
                "(secrets never go in shared files)"
            )
        if name in spelled:
            raise SettingsError(
                f"{where}: {spelled[name]!r} and {key!r} are the same setting; keep one"
            )
        spelled[name] = key
        values[name] = value
    if unknown:
        accepted = [n for n in names if n not in ENV_ONLY_SETTINGS]
        described: list[str] = []
        guessed = True
        for key in unknown:
            guess = difflib.get_close_matches(key.lower().removeprefix(PREFIX.lower()), accepted, 1)
            described.append(f"{key!r}" + (f" (did you mean {guess[0]!r}?)" if guess else ""))
            guessed = guessed and bool(guess)
        raise SettingsError(
            f"{where}: unknown {'key' if len(unknown) == 1 else 'keys'} {', '.join(described)}; "
            "keys are the setting names in lower case without the CRYPTOPULSE_ prefix, "
            "e.g. lake_url (the environment's spelling, CRYPTOPULSE_LAKE_URL, works too)"
            + ("" if guessed else f"; accepted: {', '.join(accepted)}")
        )
    return values


# Warehouse engines by URL scheme: a plain path or duckdb:// is DuckDB (the engines
# themselves live in cryptopulse.warehouse.engines); these schemes are refused until built.
ENGINES_TO_COME = {"postgresql": "PostgreSQL", "redshift": "Redshift", "spark": "Spark"}
_DUCKDB_ACCEPTED = "a DuckDB file path such as ./data/warehouse.duckdb (or duckdb://PATH)"


def warehouse_engine_name(url: str) -> str:
    """The engine a warehouse URL names: its scheme, or duckdb for a plain file path."""
    scheme, separator, _ = url.partition("://")
    return scheme.lower() if separator else "duckdb"


def _check_local_path(path: Path, what: str, want_folder: bool) -> None:
    """Refuse a local path that cannot be what it should: the lake must be a folder, the
    warehouse a file, and neither can live under a file."""
    path = path.expanduser()
    if path.exists():
        if want_folder and not path.is_dir():
            raise ValueError(f"{what} must be a folder, but {path} is a file")
        if not want_folder and path.is_dir():
            raise ValueError(
                f"{what} must be a DuckDB file, but {path} is a folder "
                "(e.g. give ./data/warehouse.duckdb)"
            )
        return
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"{what} cannot be under {parent}: that is a file, not a folder")
            return


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning validation errors into one clear line per bad setting."""
    config_file = os.environ.get("CRYPTOPULSE_CONFIG")
    if config_file is not None and not config_file.strip():
        raise SettingsError(
            "CRYPTOPULSE_CONFIG: is empty: unset it to read ./cryptopulse.toml if there is one, "
            "or name a config file"
        )
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
