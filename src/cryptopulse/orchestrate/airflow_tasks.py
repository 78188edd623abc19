"""What the Airflow DAG's tasks do, so the DAG file only wires them together.

Every task calls the same step functions as the CLI (``orchestrate.pipeline``). Secrets come
from Airflow connections when they exist (``cryptopulse_s3``, ``cryptopulse_coingecko``,
``cryptopulse_warehouse``) and otherwise from the worker's environment; they are never logged.
A ``postgres`` connection ``cryptopulse_warehouse`` makes the DAG run against that PostgreSQL,
a ``spark`` one against Spark (cosmos maps either to the dbt profile); without one,
``CRYPTOPULSE_WAREHOUSE_URL`` decides.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings, load_settings
from cryptopulse.enrich.step import versions as enrich_versions
from cryptopulse.lake import open_lake
from cryptopulse.orchestrate import airflow_spark, pipeline
from cryptopulse.warehouse import dbt_runner, granger
from cryptopulse.warehouse.dbt_runner import PROJECT_DIR, landed_datasets
from cryptopulse.warehouse.engines import open_engine
from cryptopulse.warehouse.manifest import MANIFEST_PATH
from cryptopulse.warehouse.read import table_rows
from cryptopulse.warehouse.writer_lock import one_writer

log = logging.getLogger(__name__)

DAG_ID = "cryptopulse_daily"
SCHEDULE = "0 7 * * *"  # every day at 07:00 UTC
# DuckDB takes one writing process per file, and Spark's embedded (Derby) catalogue one
# process: every task that opens the warehouse runs in this one-slot pool (created by `make
# airflow`; see docs/airflow.md): never two at once, whichever runs they belong to (a
# backfill's max_active_runs is its own, not the DAG's). PostgreSQL takes concurrent writers,
# so its tasks run outside it.
WAREHOUSE_POOL = "cryptopulse_warehouse"
# An Airflow connection of type postgres (or spark) with this id points the DAG at a
# PostgreSQL (or Spark) warehouse.
WAREHOUSE_CONNECTION = "cryptopulse_warehouse"
POSTGRES_CONN_TYPES = ("postgres", "postgresql")
WAREHOUSE_CONN_TYPES = (*POSTGRES_CONN_TYPES, airflow_spark.CONN_TYPE)
# Which datasets each extract task lands, from whichever configured sources provide them.
EXTRACT_KINDS: dict[str, tuple[str, ...]] = {
    "market": ("coins", "coin_hourly"),
    "posts": ("posts",),
}


# ---- settings and secrets ----------------------------------------------------------------
def task_settings() -> Settings:
    """Settings for a task: the environment, plus secrets from Airflow connections."""
    _export_s3_connection()
    _export_warehouse_connection(with_password=True)
    overrides: dict[str, Any] = {}
    key = _connection_password("cryptopulse_coingecko")
    if key is not None:
        overrides["coingecko_api_key"] = key
        log.info("CoinGecko API key taken from connection cryptopulse_coingecko")
    settings = load_settings(**overrides)
    # A Redshift warehouse's password: the connection's, or the worker's environment.
    if open_engine(settings).name == "redshift":
        password = _connection_password(WAREHOUSE_CONNECTION)
        if password is not None:
            log.info("Redshift password taken from connection %s", WAREHOUSE_CONNECTION)
            settings = load_settings(**overrides, redshift_password=password)
    return settings


def _connection(conn_id: str) -> Any | None:
    try:
        from airflow.sdk import BaseHook
    except ImportError:  # running outside Airflow
        return None
    try:
        return BaseHook.get_connection(conn_id)
    except Exception:  # not defined: fall back to the environment
        return None


def _connection_password(conn_id: str) -> str | None:
    conn = _connection(conn_id)
    return conn.password if conn is not None and conn.password else None


def _export_s3_connection() -> None:
    """An `aws` connection ``cryptopulse_s3`` gives the S3 lake its keys and endpoint."""
    conn = _connection("cryptopulse_s3")
    if conn is None:
        return
    if conn.login and conn.password:
        os.environ["AWS_ACCESS_KEY_ID"] = conn.login
        os.environ["AWS_SECRET_ACCESS_KEY"] = conn.password
    extra = conn.extra_dejson or {}
    if extra.get("endpoint_url"):
        os.environ["CRYPTOPULSE_S3_ENDPOINT_URL"] = str(extra["endpoint_url"])
    if extra.get("region_name"):
        os.environ["AWS_DEFAULT_REGION"] = str(extra["region_name"])
    log.info("S3 credentials taken from connection cryptopulse_s3")


def _warehouse_connection() -> Any | None:
    """The connection cryptopulse_warehouse if it is a PostgreSQL or a Spark one."""
    conn = _connection(WAREHOUSE_CONNECTION)
    if conn is None or _conn_type(conn) not in WAREHOUSE_CONN_TYPES:
        return None
    return conn


def _conn_type(conn: Any) -> str:
    return str(conn.conn_type or "").lower()


def _export_warehouse_connection(with_password: bool) -> None:
    """A postgres connection cryptopulse_warehouse becomes the warehouse URL (its schema
    field is the database, as in Airflow's Postgres provider) and, in a task, PGPASSWORD,
    which libpq reads (the URL never carries a password). Reading the DAG file takes the
    URL only: what it computes is stored with the serialized DAG. A spark connection
    becomes a spark:// URL (it has no secret)."""
    conn = _warehouse_connection()
    if conn is None:
        return
    if _conn_type(conn) == airflow_spark.CONN_TYPE:
        url = airflow_spark.warehouse_url(conn)
        os.environ["CRYPTOPULSE_WAREHOUSE_URL"] = url
        if with_password:  # in a task, not each time the DAG file is read
            log.info("Spark warehouse %s taken from connection %s", url, WAREHOUSE_CONNECTION)
        return
    url = f"postgresql://{conn.login}@{conn.host}:{conn.port or 5432}/{conn.schema}"
    os.environ["CRYPTOPULSE_WAREHOUSE_URL"] = url
    if with_password and conn.password:
        os.environ["PGPASSWORD"] = conn.password
        log.info("PostgreSQL warehouse and password taken from connection %s", WAREHOUSE_CONNECTION)


def dag_settings() -> Settings:
    """Settings while the DAG file is read: the environment and the warehouse connection's
    address, no secret."""
    _export_warehouse_connection(with_password=False)
    return load_settings()


def uses_pool() -> bool:
    """Whether the warehouse's writers must share the one-slot pool: DuckDB's file and
    Spark's embedded catalogue admit one process at a time."""
    return open_engine(dag_settings()).name in ("duckdb", "spark")


def warehouse_task_args() -> dict[str, Any]:
    """Arguments of the tasks that write or read the warehouse: the one-slot pool, for
    DuckDB and Spark (one dbt task at a time, each in its own process on a real
    deployment: never two Spark drivers on the one Derby catalogue)."""
    return {"pool": WAREHOUSE_POOL} if uses_pool() else {}


# ---- the window --------------------------------------------------------------------------
def daily_window(run_at: datetime) -> dict[str, str]:
    """The previous UTC day of a run: a run at 2024-06-02 07:00 processes 2024-06-01.

    Computed from the run's own time, not from data_interval_start/end, which Airflow 3's
    cron timetable makes equal.
    """
    day = run_at.astimezone(UTC).date() - timedelta(days=1)
    return {"start": day.isoformat(), "end": (day + timedelta(days=1)).isoformat()}


def _interval(window: dict[str, str]) -> Interval:
    return Interval(date.fromisoformat(window["start"]), date.fromisoformat(window["end"]))


# ---- steps -------------------------------------------------------------------------------
def extract(kind: str, window: dict[str, str]) -> dict[str, Any]:
    """Land one kind of data (market or posts) for the window, from every source with it."""
    settings = task_settings()
    landings = pipeline.extract(settings, _interval(window), datasets=EXTRACT_KINDS[kind])
    summary = {
        f"{item.source}/{item.dataset}": {
            "landed": item.rows_landed,
            "quarantined": item.rows_quarantined,
            "reasons": dict(item.reasons.most_common(5)),
        }
        for item in landings
    }
    log.info("landed %s for %s: %s", kind, window, summary)
    return summary


def enrich(window: dict[str, str]) -> dict[str, int]:
    """Mentions and sentiment for the window's posts (those not done yet)."""
    report = pipeline.enrich(task_settings(), _interval(window))
    return {k: v for k, v in asdict(report).items() if k != "seconds"}


def transform_vars(window: dict[str, str]) -> dict[str, str]:
    """The dbt vars of the window's transform: what has landed, where, and which days.
    A server engine loads the window's lake data here, before the dbt tasks (DuckDB reads
    the lake itself)."""
    settings = task_settings()
    lake = open_lake(settings)
    versions = enrich_versions()
    datasets = landed_datasets(lake, versions)
    engine = open_engine(settings)
    with engine.writing():  # refused while another run (a CLI one) builds the warehouse
        engine.load(lake, datasets, versions, _interval(window))
    # The engine's own vars (Spark: the lake's days per dataset) travel as JSON text, as
    # templated operator fields render to strings (macros read them back).
    own = engine.dbt_vars(lake, datasets, versions)
    return {
        "lake_url": lake.uri(),
        "lake_datasets": ",".join(datasets),
        "window_start": window["start"],
        "window_end": window["end"],
        **{name: json.dumps(value) for name, value in own.items()},
    }


# Set when a dbt task runs, not when the DAG file is read: the window comes from
# prepare_transform's XCom, the S3 endpoint may come from the cryptopulse_s3 connection.
_RUN_TIME_ENV = ("CRYPTOPULSE_WINDOW_START", "CRYPTOPULSE_WINDOW_END", "AWS_ENDPOINT_URL_S3")


def dbt_env() -> dict[str, str]:
    """The environment of the dbt tasks: the engine's profile values (DuckDB: the file and
    memory limit), target, threads.

    Worked out when the DAG file is read, and Airflow stores it with the serialized DAG and
    each task's rendered fields, so it holds exactly what the profile needs and no secret.
    """
    values = dbt_runner.dbt_environment_values(dag_settings())
    return {key: value for key, value in values.items() if key not in _RUN_TIME_ENV}


# The warehouse's writer lock, held by a dbt task from its pre_execute to its post_execute.
_dbt_task_lock = contextlib.ExitStack()


def prepare_dbt_task(context: Any) -> None:
    """Runs in each dbt task just before dbt: takes the warehouse's writer lock (a CLI run
    building the same warehouse refuses to start meanwhile, and this task is refused in
    one line while one does); S3 keys and endpoint from the cryptopulse_s3 connection (or
    the worker's environment) into this task process's environment, which cosmos passes
    on to dbt (append_env)."""
    settings = task_settings()
    _dbt_task_lock.enter_context(one_writer(open_engine(settings)))
    if settings.s3_endpoint_url:
        os.environ["AWS_ENDPOINT_URL_S3"] = settings.s3_endpoint_url
    if settings.redshift_password is not None:  # the redshift profile reads it from here
        os.environ["CRYPTOPULSE_REDSHIFT_PASSWORD"] = settings.redshift_password.get_secret_value()


def release_dbt_task(context: Any, result: Any = None) -> None:
    """Runs in each dbt task after dbt: lets go of the writer lock (a task that fails
    lets go when its process ends)."""
    _dbt_task_lock.close()


def dbt_target() -> str:
    return open_engine(dag_settings()).dbt_target()


def profile_config() -> Any:
    """The dbt profile of the dbt tasks: for a postgres connection cryptopulse_warehouse,
    cosmos's mapping of it (the password goes to dbt through an environment variable cosmos
    sets at run time, never into a file); for a spark one, the session method's mapping
    (airflow_spark); otherwise the committed profiles.yml's target."""
    from cosmos import ProfileConfig
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    settings = dag_settings()
    conn = _warehouse_connection()
    if conn is not None and _conn_type(conn) == airflow_spark.CONN_TYPE:
        return ProfileConfig(
            profile_name="cryptopulse",
            target_name="spark",
            profile_mapping=airflow_spark.session_profile_mapping(WAREHOUSE_CONNECTION),
        )
    if conn is not None:
        return ProfileConfig(
            profile_name="cryptopulse",
            target_name="postgres",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id=WAREHOUSE_CONNECTION,
                profile_args={
                    "schema": settings.postgres_schema,
                    "threads": settings.dbt_threads,
                    "connect_timeout": settings.postgres_connect_timeout,
                },
            ),
        )
    return ProfileConfig(
        profile_name="cryptopulse",
        target_name=dbt_target(),
        profiles_yml_filepath=PROJECT_DIR / "profiles.yml",
    )


def quality_checks(window: dict[str, str]) -> dict[str, int]:
    """The Granger mart (warehouse/granger.py), then every dbt data test; a failing one
    fails this task with table, check and rows."""
    settings = task_settings()
    dbt_runner.release(settings)  # dbt tasks in this process may still hold the warehouse
    # The mart computed in Python after every dbt model (cosmos ran them, not transform()).
    granger.build_granger_mart(settings)
    report = pipeline.transform(settings, window=_interval(window), command="test")
    return {"tests": report.tests, "passed": report.tests_passed}


def export(window: dict[str, str]) -> list[dict[str, Any]]:
    """Write the marts to the lake, and record the run like a CLI run."""
    settings = task_settings()
    dbt_runner.release(settings)
    with pipeline.recorded_run(settings, f"airflow {DAG_ID}", _interval(window)) as report:
        with pipeline.stage(report, "export"):
            exported = pipeline.export(settings, window=_interval(window))
        report.exports = [asdict(item) for item in exported]
        report.table_rows = table_rows(settings)
    return report.exports


# ---- cosmos configuration ----------------------------------------------------------------
def cosmos_configs() -> dict[str, Any]:
    """ProjectConfig, ProfileConfig, ExecutionConfig and RenderConfig for the dbt task group.

    Rendered from the manifest ``make setup`` writes, so parsing the DAG never runs dbt.
    """
    from cosmos import ExecutionConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    if not MANIFEST_PATH.exists():
        raise FileNotFoundError(
            f"no dbt manifest at {MANIFEST_PATH}: run `make setup` "
            "(or `python -m cryptopulse.warehouse.manifest`)"
        )
    return {
        "project_config": ProjectConfig(
            dbt_project_path=PROJECT_DIR,
            manifest_path=MANIFEST_PATH,
            install_dbt_deps=False,
        ),
        "profile_config": profile_config(),
        "execution_config": ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL, invocation_mode=InvocationMode.DBT_RUNNER
        ),
        # Checks run in their own task after the models (quality_checks), with our message.
        "render_config": RenderConfig(
            load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.NONE
        ),
    }


def dbt_operator_args() -> dict[str, Any]:
    """Arguments of every dbt task: vars and the window from prepare_transform's XCom (the
    window as environment variables, as the models read it), env, the pool."""
    xcom = "ti.xcom_pull(task_ids='prepare_transform')"

    def pulled(name: str) -> str:
        return "{{ " + xcom + "['" + name + "'] }}"

    window = {"CRYPTOPULSE_WINDOW_START": "window_start", "CRYPTOPULSE_WINDOW_END": "window_end"}
    return {
        "vars": {
            name: pulled(name)
            for name in ("lake_url", "lake_datasets", *open_engine(dag_settings()).dbt_var_names)
        },
        "env": dbt_env() | {key: pulled(name) for key, name in window.items()},
        "append_env": True,
        "install_deps": False,
        "emit_datasets": False,
        "pre_execute": prepare_dbt_task,
        "post_execute": release_dbt_task,
        **warehouse_task_args(),
    }


def default_args() -> dict[str, Any]:
    return {"owner": "cryptopulse", "retries": 0}


def extract_task_args() -> dict[str, Any]:
    """Extract tasks retry with exponential backoff (APIs break; a retry usually helps)."""
    settings = load_settings()
    return {
        "retries": settings.airflow_extract_retries,
        "retry_delay": timedelta(seconds=settings.airflow_retry_delay_seconds),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(hours=1),
    }


def start_date() -> datetime:
    day = load_settings().airflow_start_date
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
