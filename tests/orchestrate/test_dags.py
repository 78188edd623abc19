"""The Airflow DAG: clean import, its shape, and real dag.test() runs on demo data.

Airflow runs in a subprocess (tests/orchestrate/airflow_harness.py) with its own AIRFLOW_HOME
and a real SQLite metadata database migrated by `airflow db migrate`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import VENV_BIN, run_cli
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout
from cryptopulse.serve.export import read_mart

pytestmark = pytest.mark.slow

HARNESS = str(Path(__file__).with_name("airflow_harness.py"))
SECRET = "cg-secret-5f2a9e71"
# Secrets in the worker's environment (as a deployment without connections keeps them).
ENV_SECRETS = {
    "CRYPTOPULSE_X_BEARER_TOKEN": "x-secret-9c41d0e2",
    "CRYPTOPULSE_REDDIT_CLIENT_SECRET": "reddit-secret-77ab3f15",
}


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("airflow")
    done = subprocess.run(
        [str(VENV_BIN / "airflow"), "db", "migrate"],
        env=_airflow_env(home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return home


def _airflow_env(home: Path, settings: Settings | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRYPTOPULSE_", "AIRFLOW"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(Path(HARNESS).parents[2] / "dags"),
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        DO_NOT_TRACK="1",
        CRYPTOPULSE_AIRFLOW_START_DATE="2024-01-01",
        CRYPTOPULSE_AIRFLOW_RETRY_DELAY_SECONDS="1",
        CRYPTOPULSE_DEMO_POSTS_PER_DAY="300",
    )
    if settings is not None:
        env.update(
            CRYPTOPULSE_LAKE_URL=settings.lake_url,
            CRYPTOPULSE_WAREHOUSE_URL=settings.warehouse_url,
        )
    env.update(extra)
    return env


def harness(
    args: list[str], env: dict[str, str], timeout: int = 900
) -> tuple[list[dict[str, Any]], str]:
    done = subprocess.run(
        [sys.executable, HARNESS, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-5000:]
    results = [
        json.loads(line.removeprefix("RESULT "))
        for line in done.stdout.splitlines()
        if line.startswith("RESULT ")
    ]
    return results, output


def _settings(root: Path) -> Settings:
    return Settings(lake_url=str(root / "lake"), warehouse_url=str(root / "warehouse.duckdb"))


# ---- import and shape --------------------------------------------------------------------
def test_every_dag_file_imports_without_errors_or_network(airflow_home: Path) -> None:
    (result,), _ = harness(["import-check"], _airflow_env(airflow_home))
    assert result["errors"] == {}
    assert result["dags"] == ["cryptopulse_daily"]


def test_dag_shape_schedule_and_retries(airflow_home: Path) -> None:
    (shape,), _ = harness(["describe"], _airflow_env(airflow_home))
    tasks = shape["tasks"]
    assert shape["cron"] == "0 7 * * *" and shape["timezone"] == "UTC"
    assert shape["catchup"] is True and shape["max_active_runs"] == 1
    for name in ("extract_market", "extract_posts"):
        assert tasks[name]["upstream"] == ["plan_window"]
        assert tasks[name]["retries"] == 3 and tasks[name]["exponential"]
    assert tasks["enrich"]["upstream"] == ["extract_market", "extract_posts", "plan_window"]
    assert tasks["enrich"]["trigger_rule"] == "all_done"
    assert tasks["prepare_transform"]["upstream"] == ["enrich", "plan_window"]
    assert tasks["prepare_transform"]["trigger_rule"] == "all_done"
    models = {
        name.split(".")[1].removesuffix("_run") for name in tasks if name.startswith("transform.")
    }
    assert {
        "stg_coins",
        "stg_coin_hourly",
        "stg_posts",
        "dim_date",
        "dim_coin",
        "fct_coin_stats_hourly",
        "fct_posts",
        "agg_coin_stats_monthly",
        "fct_post_coin",
        "mart_coin_social_hourly",
        "mart_sentiment_price_leadlag",
    } <= models
    assert tasks["transform.stg_posts_run"]["upstream"] == ["prepare_transform"]
    assert {
        "transform.dim_coin_run",
        "transform.stg_coin_hourly_run",
        "transform.stg_posts_run",
    } <= set(tasks["transform.fct_posts_run"]["upstream"])
    assert all(
        t["pool"] == "cryptopulse_warehouse"
        for n, t in tasks.items()
        if n.startswith("transform.") or n in ("prepare_transform", "quality_checks", "export")
    )
    dbt_tasks = {name for name in tasks if name.startswith("transform.")}
    feeding = {up for name in dbt_tasks for up in tasks[name]["upstream"]}
    assert set(tasks["quality_checks"]["upstream"]) == {"plan_window"} | (dbt_tasks - feeding)
    assert "transform.mart_sentiment_price_leadlag_run" in tasks["quality_checks"]["upstream"]
    assert tasks["export"]["upstream"] == ["plan_window", "quality_checks"]
    assert tasks["watcher"]["trigger_rule"] == "one_failed"


# ---- real runs ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def daily_runs(
    airflow_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, list[dict[str, Any]], str]:
    """Day 1, day 1 again, day 2, day 3 — with a secret in an Airflow connection and others
    in the worker's environment."""
    settings = _settings(tmp_path_factory.mktemp("airflow-lake"))
    env = _airflow_env(
        airflow_home,
        settings,
        AIRFLOW_CONN_CRYPTOPULSE_COINGECKO=json.dumps({"conn_type": "http", "password": SECRET}),
        **ENV_SECRETS,
    )
    runs, output = harness(["run", "2024-06-02", "2024-06-02", "2024-06-03", "2024-06-04"], env)
    return settings, runs, output


def _raw_keys(settings: Settings, dataset: str, day: str) -> int:
    import duckdb

    key = "source, post_id" if dataset == "posts" else "coin_id, ts"
    files = f"{settings.lake_url}/raw/*/{dataset}/date={day}/*.parquet"
    with duckdb.connect() as con:
        return int(
            con.execute(f"select count(*) from (select distinct {key} from '{files}')").fetchall()[
                0
            ][0]
        )


def test_one_window_end_to_end(daily_runs: tuple[Settings, list[dict[str, Any]], str]) -> None:
    settings, runs, _ = daily_runs
    first = runs[0]
    assert first["state"] == "success"
    states = {task: state for task, (state, _) in first["tasks"].items()}
    assert states.pop("watcher") == "skipped"
    assert set(states.values()) == {"success"}
    tables = first["tables"]
    assert tables["dim_date"][0] == 24  # the window is the previous UTC day: 2024-06-01
    assert tables["fct_posts"][0] == _raw_keys(settings, "posts", "2024-06-01")
    assert tables["fct_coin_stats_hourly"][0] == _raw_keys(settings, "coin_hourly", "2024-06-01")


def test_the_same_window_twice_gives_identical_tables(
    daily_runs: tuple[Settings, list[dict[str, Any]], str],
) -> None:
    _, runs, _ = daily_runs
    assert runs[1]["state"] == "success"
    assert runs[1]["tables"] == runs[0]["tables"]


def test_a_second_day_adds_only_that_days_rows(
    daily_runs: tuple[Settings, list[dict[str, Any]], str],
) -> None:
    settings, runs, _ = daily_runs
    day1, day2 = runs[1]["tables"], runs[2]["tables"]
    assert runs[2]["state"] == "success"
    assert day2["dim_date"][0] == 48
    for table, dataset in (("fct_posts", "posts"), ("fct_coin_stats_hourly", "coin_hourly")):
        added = day2[table][0] - day1[table][0]
        assert added == _raw_keys(settings, dataset, "2024-06-02")


def test_a_three_day_backfill_equals_one_three_day_cli_run(
    daily_runs: tuple[Settings, list[dict[str, Any]], str], tmp_path: Path
) -> None:
    _, runs, _ = daily_runs
    cli = _settings(tmp_path)
    done = run_cli(
        ["run", "--start", "2024-06-01", "--end", "2024-06-04"],
        cli,
        tmp_path,
        CRYPTOPULSE_DEMO_POSTS_PER_DAY="300",
    )
    assert done.returncode == 0, done.stderr
    sys.path.insert(0, str(Path(HARNESS).parent))
    from airflow_harness import table_fingerprints

    assert runs[3]["state"] == "success"
    assert table_fingerprints(cli.warehouse_url) == runs[3]["tables"]


def test_marts_are_exported_and_the_run_recorded(
    daily_runs: tuple[Settings, list[dict[str, Any]], str],
) -> None:
    settings, runs, _ = daily_runs
    lake = Lake(settings.lake_url)
    for table in (
        "dim_date",
        "dim_coin",
        "fct_coin_stats_hourly",
        "fct_posts",
        "agg_coin_stats_monthly",
    ):
        assert read_mart(lake, table).num_rows == runs[3]["tables"][table][0]
    record = lake.read_json(layout.LAST_RUN)
    assert record["command"] == "airflow cryptopulse_daily"
    assert record["interval"] == "2024-06-03..2024-06-04"


def test_secrets_never_reach_logs_the_airflow_database_or_outputs(
    daily_runs: tuple[Settings, list[dict[str, Any]], str], airflow_home: Path
) -> None:
    settings, _, output = daily_runs
    assert "taken from connection cryptopulse_coingecko" in output or "coingecko_api_key" not in (
        Settings.model_fields
    )
    secrets = [SECRET, *ENV_SECRETS.values()]
    for secret in secrets:
        assert secret not in output
    # Task logs, Airflow's database (serialized DAGs, rendered task fields) and the lake.
    for root in (airflow_home, Path(settings.lake_url)):
        for path in root.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                for secret in secrets:
                    assert secret.encode() not in content, (secret, path)


def test_a_failing_extract_is_retried_and_then_succeeds(airflow_home: Path, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    # A file where the market data's folder belongs: landing fails until it is removed.
    blocker = Path(settings.lake_url) / "raw" / "demo" / "coins"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")
    unblocked = threading.Event()

    def unblock_after_first_failure() -> None:
        db = airflow_home / "airflow.db"
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with sqlite3.connect(db, timeout=30) as con:
                rows = con.execute(
                    "select state from task_instance where task_id = 'extract_market' "
                    "and run_id like '%2024-07-03%'"
                ).fetchall()
            if rows and rows[0][0] == "up_for_retry":
                blocker.unlink()
                unblocked.set()
                return
            time.sleep(0.2)

    watcher = threading.Thread(target=unblock_after_first_failure, daemon=True)
    watcher.start()
    (run,), _ = harness(["run", "2024-07-03"], _airflow_env(airflow_home, settings))
    watcher.join(timeout=5)
    assert unblocked.is_set(), "extract_market never failed: the blocker did not work"
    assert run["tasks"]["extract_market"] == ["success", 2]
    assert run["state"] == "success"
    assert run["tables"]["fct_coin_stats_hourly"][0] > 0


def test_a_failing_quality_check_fails_its_task_with_the_message_and_skips_export(
    airflow_home: Path, tmp_path: Path
) -> None:
    import pyarrow as pa

    from cryptopulse.core.datasets import COIN_HOURLY

    settings = _settings(tmp_path)
    lake = Lake(settings.lake_url)
    # A partition written past the landing checks, before this run's window.
    bad = pa.table(
        {
            "coin_id": ["bitcoin"],
            "ts": pa.array(
                [datetime(2024, 8, 1, 5, tzinfo=UTC)], type=COIN_HOURLY.schema.field("ts").type
            ),
            "price": [-1.0],
            "market_cap": [1.0],
            "total_volume": [1.0],
        },
        schema=COIN_HOURLY.schema,
    )
    lake.write_parquet(layout.raw_file("demo", "coin_hourly", date(2024, 8, 1)), bad)
    (run,), output = harness(["run", "2024-08-03"], _airflow_env(airflow_home, settings))
    states = {task: state for task, (state, _) in run["tasks"].items()}
    assert run["state"] == "failed"
    assert states["quality_checks"] == "failed"
    assert states["export"] == "upstream_failed"
    assert states["watcher"] == "failed"  # it ran, and failed the run on purpose
    assert "fct_coin_stats_hourly · price is positive: Prices are greater than zero." in output
    assert "1 failing row" in output
    assert not lake.glob(f"{layout.MARTS}/*")


def test_a_run_on_an_s3_lake_takes_keys_and_endpoint_from_the_connection(
    airflow_home: Path, tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> None:
    """Production's shape: an S3 lake whose keys and endpoint live only in the cryptopulse_s3
    connection. Every task, the dbt ones included (they run in their own processes in a real
    deployment), must reach the lake with them."""
    key_id, secret = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
    connection = {
        "conn_type": "aws",
        "login": key_id,
        "password": secret,
        "extra": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"},
    }
    lake_url = f"s3://{s3_bucket}/lake"
    env = _airflow_env(
        airflow_home,
        CRYPTOPULSE_LAKE_URL=lake_url,
        CRYPTOPULSE_WAREHOUSE_URL=str(tmp_path / "warehouse.duckdb"),
        AIRFLOW_CONN_CRYPTOPULSE_S3=json.dumps(connection),
    )
    for name in [k for k in env if k.startswith("AWS_")]:
        del env[name]  # nothing but the connection
    (run,), output = harness(["run", "2024-09-02"], env)
    assert run["state"] == "success", output[-3000:]
    lake = Lake(lake_url, s3_endpoint_url=s3_endpoint)  # this process has the keys
    assert lake.glob(layout.dataset_glob(layout.RAW, "posts"))
    posts = run["tables"]["fct_posts"][0]
    assert posts > 0
    assert read_mart(lake, "fct_posts").num_rows == posts
    assert secret not in output
