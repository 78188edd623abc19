"""The pipeline-wide settings, and ``load_settings``, which also loads every source's own.

See ``settings_base`` for where values come from (arguments, environment, .env, config file)
and ``config_file`` for the config file's rules. Secrets are read from the environment only
and never printed. The reference of every setting, ``docs/settings.md``, is rendered from the
settings classes by ``python -m cryptopulse.core.settings_doc``.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import NoDecode, SettingsConfigDict

from cryptopulse.core.plugins import source_plugins
from cryptopulse.core.server_url import parse_server_url
from cryptopulse.core.settings_base import (
    PREFIX,
    SettingsError,
    SettingsSection,
    error_lines,
    is_secret,
)

__all__ = ["PREFIX", "Settings", "SettingsError", "SettingsSection", "load_settings", "section"]

S = TypeVar("S", bound=SettingsSection)

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


class Settings(SettingsSection):
    """The pipeline-wide settings.

    Each source's own settings (``sources/<name>/settings.py``) travel along: ``load_settings``
    validates them and keeps them as extra attributes (``settings.demo_seed``), and a keyword
    given here for one is kept for that source."""

    # extra="allow": a source's values given here (Settings(demo_seed=7)) reach the source.
    model_config = SettingsConfigDict(extra="allow")

    if TYPE_CHECKING:  # sources' settings are extra keywords and attributes

        def __init__(self, **values: Any) -> None: ...

        def __getattr__(self, name: str) -> Any: ...

    lake_url: str = Field(
        default="./data/lake",
        description="Where the lake lives: a local folder or an s3://bucket/prefix URL.",
    )
    warehouse_url: str = Field(
        default="./data/warehouse.duckdb",
        description="The warehouse; its scheme picks the engine: a DuckDB file path "
        "(or duckdb://PATH), postgresql://USER@HOST:PORT/DB (the password from PGPASSWORD, "
        "~/.pgpass or the Airflow connection cryptopulse_warehouse), or "
        "redshift://USER@HOST:5439/DB (password in CRYPTOPULSE_REDSHIFT_PASSWORD), "
        "spark://HOST:PORT (a standalone Spark master) or spark://local[N] (Spark in this "
        "process); never a password in the URL.",
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description="S3-compatible endpoint (MinIO, moto, ...); unset for AWS itself.",
    )
    sources: Annotated[list[str], NoDecode] = Field(
        default=["demo"], description="Sources `run` and `extract` fetch from, comma-separated."
    )
    dbt_threads: int = Field(default=2, ge=1, description="Parallel dbt threads.")
    # The transform's process holds about 0.5 GB of its own (dbt's manifest, the imports)
    # beside DuckDB: 1.5 GB keeps it under 2 GB at seed scale (2GB peaked at 2.4 GB).
    duckdb_memory_limit: str = Field(
        default="1536MB",
        description="DuckDB memory limit for the transform: a size (512MB, 2GB, 1.5GiB) or "
        "a share of the RAM (80%). The process needs about 0.5 GB more.",
    )

    postgres_schema: str = Field(
        default="cryptopulse",
        description="PostgreSQL: the schema readers see (dims, facts, marts); raw tables go to "
        "<schema>_raw and staging to <schema>_staging.",
    )
    postgres_reader_role: str = Field(
        default="cryptopulse_reader",
        description="PostgreSQL: the read-only role the pipeline creates (idempotently), with "
        "SELECT on the dims, facts and marts only; grant it to analysts' logins.",
    )
    postgres_work_mem: str = Field(
        default="256MB",
        description="PostgreSQL: work_mem of the build's sessions (sorts and hash joins over "
        "millions of posts stay in memory), e.g. 64MB, 1GB.",
        pattern=r"^[1-9][0-9]*(kB|MB|GB)$",
    )
    postgres_connect_timeout: int = Field(
        default=10, ge=1, le=300, description="PostgreSQL: seconds to wait for the server."
    )
    redshift_iam_role: str | None = Field(
        default=None,
        description="Redshift: the IAM role ARN the cluster assumes to COPY the lake's "
        "Parquet from S3 (arn:aws:iam::ACCOUNT:role/NAME; chained roles comma-separated).",
    )
    redshift_password: SecretStr | None = Field(
        default=None,
        description="Redshift: the password of the warehouse URL's user.",
    )
    spark_warehouse_dir: str = Field(
        default="./data/spark-warehouse",
        description="Spark: where the warehouse's tables live, as Parquet (a local folder; on "
        "a cluster, a path every executor reaches).",
    )
    spark_work_dir: str = Field(
        default="./data/spark-work",
        description="Spark: the driver's own files: the table catalogue (an embedded Derby "
        "metastore), scratch space, derby.log and dbt's target and logs.",
    )
    spark_shuffle_partitions: int = Field(
        default=4,
        ge=1,
        description="Spark: partitions of every shuffle (joins, aggregations, windows); "
        "Spark's own default, 200, suits a cluster, not the demo.",
    )
    spark_driver_memory: str = Field(
        default="2g",
        description="Spark: the driver's JVM heap (in local mode, the executors' too), e.g. "
        "1g, 4g; applies when this process starts the JVM.",
        pattern=r"^[1-9][0-9]*[kmgt]$",
    )
    dashboard_port: int = Field(
        default=8501,
        ge=1,
        le=65535,
        description="Port of `cryptopulse dashboard` (it listens on 127.0.0.1 only).",
    )
    dashboard_cache_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How long the dashboard keeps a query's result; a new run landing "
        "refreshes it at once.",
    )
    docs_port: int = Field(
        default=8580,
        ge=1,
        le=65535,
        description="Port of `cryptopulse docs`, the dbt docs site (127.0.0.1 only).",
    )

    import_max_record_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="`import-posts`: a record (JSON line, CSV row, Parquet row) bigger than "
        "this is quarantined with the reason instead of read, so memory stays bounded.",
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

    @field_validator("lake_url", "warehouse_url", "duckdb_memory_limit", mode="before")
    @classmethod
    def _empty_is_a_mistake(cls, value: Any, info: ValidationInfo) -> Any:
        # An empty path would silently mean the current folder (or the file system's root).
        if isinstance(value, str) and not value.strip():
            default = cls.model_fields[str(info.field_name)].default
            raise ValueError(f"is empty: unset it for the default ({default}) or give a value")
        return value

    @field_validator("postgres_schema", "postgres_reader_role")
    @classmethod
    def _check_identifier(cls, value: str) -> str:
        if not _IDENTIFIER.fullmatch(value):
            raise ValueError(
                "accepted: a lower-case name of letters, digits and _ (not starting with a "
                "digit, at most 50 characters), e.g. cryptopulse"
            )
        return value

    @field_validator("lake_url")
    @classmethod
    def _check_lake_url(cls, value: str) -> str:
        if "://" in value and not value.startswith("s3://"):
            raise ValueError("accepted: a local folder path or an s3://bucket/prefix URL")
        if value.startswith("s3://"):
            if not value[len("s3://") :].strip("/"):
                raise ValueError("an s3:// URL needs a bucket, e.g. s3://my-bucket/lake")
            if "@" in value.split("/")[2]:
                raise ValueError(_NO_KEYS_IN_URLS + ", and give s3://BUCKET/PREFIX")
            return value.rstrip("/")
        _check_local_path(Path(value), "the lake", want_folder=True)
        return value.rstrip("/") or "/"

    @field_validator("s3_endpoint_url")
    @classmethod
    def _check_s3_endpoint_url(cls, value: str | None) -> str | None:
        if value is not None and "@" in value.partition("://")[2].split("/")[0]:
            raise ValueError(_NO_KEYS_IN_URLS + ", and give http(s)://HOST:PORT")
        return value

    @field_validator("warehouse_url")
    @classmethod
    def _check_warehouse_url(cls, value: str) -> str:
        if _CONNINFO.search(value):  # a libpq string would become a DuckDB file's name
            raise ValueError(
                "that is a connection string; accepted: "
                f"{_WAREHOUSE_ACCEPTED}, with the password in the environment"
            )
        engine = warehouse_engine_name(value)
        if engine in SERVER_PORTS:  # ValueError names no password
            parse_server_url(value, SERVER_PORTS[engine])
            return value
        if engine == "spark":
            spark_master(value)  # ValueError says what is accepted
            return value
        if engine in ENGINES_TO_COME:
            raise ValueError(
                f"the {ENGINES_TO_COME[engine]} warehouse engine is not available yet; "
                f"accepted today: {_WAREHOUSE_ACCEPTED}"
            )
        if engine != "duckdb":
            raise ValueError(f"accepted: {_WAREHOUSE_ACCEPTED}")
        path = warehouse_location(value)
        if not path.strip():
            raise ValueError(f"duckdb:// needs a file path; accepted: {_WAREHOUSE_ACCEPTED}")
        _check_local_path(Path(path), "the warehouse", want_folder=False)
        return value

    @field_validator("redshift_iam_role", mode="before")
    @classmethod
    def _check_iam_role(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip() or None
        if isinstance(value, str) and not all(
            _IAM_ROLE_ARN.fullmatch(part.strip()) for part in value.split(",")
        ):
            raise ValueError(
                "accepted: an IAM role ARN such as arn:aws:iam::123456789012:role/RedshiftCopy "
                "(several chained roles comma-separated)"
            )
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
        known = tuple(source_sections())
        accepted = ", ".join(sorted(known))
        if isinstance(value, str):
            value = [s.strip() for s in value.split(",") if s.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(s, str) for s in value):
            raise ValueError(f"accepted: comma-separated source names: {accepted}")
        if not value:
            raise ValueError(
                f"no source given; accepted: comma-separated names among {accepted} "
                "(unset it for the default, demo)"
            )
        unknown = [s for s in value if s not in known]
        if unknown:
            raise ValueError(f"unknown source {unknown[0]!r}; accepted: {accepted}")
        return list(dict.fromkeys(value))  # each source once, in the order given

    @model_validator(mode="after")
    def _keep_only_source_settings(self) -> Settings:
        # Extra values (from keywords, the environment or .env) are kept only when they are a
        # registered source's setting, and a secret among them stays wrapped: a repr or dump
        # of the settings never shows a token. ``load_settings`` replaces them with each
        # source's validated values.
        extra = self.__pydantic_extra__
        if extra:
            fields = source_fields()
            self.__pydantic_extra__ = {
                name: _wrap_secret(value, fields[name])
                for name, value in extra.items()
                if name in fields
            }
        return self

    @property
    def lake_is_s3(self) -> bool:
        return self.lake_url.startswith("s3://")

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB file (kept for tests; the code asks the warehouse engine)."""
        return Path(warehouse_location(self.warehouse_url)).expanduser().resolve()


# Warehouse engines by URL scheme: a plain path or duckdb:// is DuckDB (the engines
# themselves live in cryptopulse.warehouse.engines); these schemes are refused until built.
ENGINES_TO_COME: dict[str, str] = {}
# Server engines and their default ports: their URLs are scheme://USER@HOST[:PORT]/DB.
SERVER_PORTS = {"postgresql": 5432, "redshift": 5439}
REDSHIFT_PORT = SERVER_PORTS["redshift"]
# arn:<partition>:iam::<12-digit account>:role/<path/name>: what COPY's IAM_ROLE accepts.
_IAM_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_WAREHOUSE_ACCEPTED = (
    "a DuckDB file path such as ./data/warehouse.duckdb (or duckdb://PATH), "
    "postgresql://USER@HOST:PORT/DB, redshift://USER@HOST:5439/DB, spark://HOST:PORT or "
    "spark://local[N]"
)
_SPARK_LOCAL = re.compile(r"local(\[(?:[1-9][0-9]*|\*)\])?")


def spark_master(url: str) -> str:
    """The Spark master of a spark:// warehouse URL: ``local[N]`` (``spark://local`` is every
    core, ``local[*]``) or ``spark://HOST:PORT`` of a standalone master; ValueError if none."""
    rest = warehouse_location(url).strip().rstrip("/")
    if _SPARK_LOCAL.fullmatch(rest):
        return rest if "[" in rest else "local[*]"
    if "@" in rest:
        # A standalone master takes no login; a user or password here would be echoed by
        # Spark's own errors.
        raise ValueError(
            "a spark:// URL takes no user or password: spark://HOST:PORT, spark://local[N]"
        )
    host, colon, port = rest.rpartition(":")
    if colon and host and port.isdigit() and 0 < int(port) < 65536 and "/" not in host:
        return f"spark://{host}:{port}"
    raise ValueError(
        "accepted Spark URLs: spark://local, spark://local[N] (N cores in this process) or "
        "spark://HOST:PORT (a standalone master, usually port 7077)"
    )


# host=… user=… password=…: a libpq connection string given as the warehouse URL.
_CONNINFO = re.compile(r"(?:^|\s)(?:host|user|password|dbname|port)=", re.IGNORECASE)
_NO_KEYS_IN_URLS = (
    "S3 keys do not belong in the URL (it would land in files and logs): give them in "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or an AWS profile)"
)
# Schema and role names used unquoted in SQL: lower case, so PostgreSQL does not fold them.
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,49}")


def warehouse_engine_name(url: str) -> str:
    """The engine a warehouse URL names: its scheme (any case), or duckdb for a plain path."""
    scheme, separator, _ = url.partition("://")
    return scheme.lower() if separator else "duckdb"


def warehouse_location(url: str) -> str:
    """What follows the scheme (``duckdb://PATH`` → PATH); a plain path as it is."""
    _, separator, rest = url.partition("://")
    return rest if separator else url


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


def source_sections() -> dict[str, type[SettingsSection] | None]:
    """Each registered source's name and its settings class (None: it has no settings)."""
    return {name: plugin.settings for name, plugin in source_plugins().items()}


def source_fields() -> dict[str, FieldInfo]:
    """Every registered source's settings by name."""
    fields: dict[str, FieldInfo] = {}
    for cls in source_sections().values():
        if cls is not None:
            fields.update(cls.model_fields)
    return fields


def _wrap_secret(value: Any, field: FieldInfo) -> Any:
    if is_secret(field) and isinstance(value, str):
        return SecretStr(value)
    return value


def all_fields() -> dict[str, FieldInfo]:
    """Every setting by name: the pipeline's and each registered source's."""
    return {**Settings.model_fields, **source_fields()}


def section(settings: Settings, cls: type[S]) -> S:
    """A source's settings: the values ``settings`` carries for it (from ``load_settings``
    or keywords), the rest read from the environment, .env and config file."""
    carried = {k: v for k, v in (settings.model_extra or {}).items() if k in cls.model_fields}
    try:
        return cls(**carried)
    except ValidationError as exc:
        raise SettingsError("\n".join(error_lines(exc))) from None


def load_settings(**overrides: Any) -> Settings:
    """The pipeline's settings with every registered source's settings validated and carried
    along; validation errors become one clear line per bad setting."""
    config_file = os.environ.get("CRYPTOPULSE_CONFIG")
    if config_file is not None and not config_file.strip():
        raise SettingsError(
            "CRYPTOPULSE_CONFIG: is empty: unset it to read ./cryptopulse.toml if there is one, "
            "or name a config file"
        )
    if config_file and not Path(config_file).is_file():
        raise SettingsError(f"CRYPTOPULSE_CONFIG: no such config file: {config_file}")
    sections = source_sections()  # first: a plugin that cannot be loaded says so itself
    lines: list[str] = []
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        lines.extend(error_lines(exc))
    carried: dict[str, Any] = {}
    for cls in dict.fromkeys(c for c in sections.values() if c is not None):
        try:
            values = cls(**{k: v for k, v in overrides.items() if k in cls.model_fields})
        except ValidationError as exc:
            lines.extend(line for line in error_lines(exc) if line not in lines)
            continue
        carried.update(values.model_dump())
    if lines:
        raise SettingsError("\n".join(lines))
    settings.__pydantic_extra__ = carried  # validated values replace what arrived raw
    return settings
