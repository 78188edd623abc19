"""The Spark warehouse in local mode (a session in the test process): the small demo passes
every check, every table equals the DuckDB build of the same lake, the export writes the same
marts, a window run twice gives identical tables, a daily run rewrites only its days' files,
and a second concurrent run is refused in one line."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from conftest import run_cli
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.lake import open_lake
from cryptopulse.orchestrate import pipeline
from cryptopulse.serve.export import read_mart
from cryptopulse.sources.demo import SCALES
from cryptopulse.warehouse.dbt_runner import USER_TABLES
from cryptopulse.warehouse.engines import open_engine
from table_diff import assert_every_check_passed, differences

pytestmark = pytest.mark.slow

STAGING = ("stg_coins", "stg_coin_hourly", "stg_posts", "stg_post_mentions", "stg_post_sentiment")
OTHER = ("agg_sentiment_return_sums_daily", "agg_sentiment_return_hac")
WINDOWED = ("stg_posts", "stg_coin_hourly", "fct_posts", "fct_coin_stats_hourly", "fct_post_coin")
DAY = timedelta(days=1)
D1 = SCALES["small"].start


def spark_settings(lake_url: str, folder: Path, master: str = "spark://local[2]") -> Settings:
    """Spark on the lake at ``lake_url``, its tables and work files in ``folder``, two
    shuffle partitions (the demo is small)."""
    return Settings(
        lake_url=lake_url,
        warehouse_url=master,
        spark_warehouse_dir=str(folder / "spark-warehouse"),
        spark_work_dir=str(folder / "spark-work"),
        spark_shuffle_partitions=2,
    )


def spark_table(settings: Settings, table: str) -> pa.Table:
    schema = "cryptopulse_staging." if table in STAGING else ""
    with open_engine(settings).reader() as reader:
        return reader.arrow(f"select * from {schema}{table}", 100_000).read_all()


def duckdb_table(settings: Settings, table: str) -> pa.Table:
    with open_engine(settings).reader() as reader:
        return reader.arrow(f'select * from "{table}"', 100_000).read_all()


def build_like_duckdb(duck: Settings, spark: Settings) -> dict[str, Any]:
    """The DuckDB demo's lake transformed and exported on Spark; both engines' marts (each
    export rewrites the lake's marts: DuckDB's are exported again first)."""
    lake = open_lake(duck)
    pipeline.export(duck)
    duck_marts = {table: read_mart(lake, table) for table in USER_TABLES}
    report = pipeline.run(spark, SCALES["small"], steps=("transform", "export"))
    spark_marts = {table: read_mart(lake, table) for table in USER_TABLES}
    return {"report": report, "duck_marts": duck_marts, "spark_marts": spark_marts}


@pytest.fixture(scope="module")
def built(small_demo: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    spark = spark_settings(small_demo.lake_url, tmp_path_factory.mktemp("spark-local"))
    return {"duck": small_demo, "spark": spark, **build_like_duckdb(small_demo, spark)}


def test_the_demo_passes_every_check_on_spark(built: dict[str, Any]) -> None:
    assert_every_check_passed(built["report"], "Spark")
    assert open_engine(built["spark"]).describe().startswith("Spark local[2] (")


def assert_table_equals_duckdb(built: dict[str, Any], table: str) -> None:
    on_spark = spark_table(built["spark"], table)
    on_duckdb = duckdb_table(built["duck"], table)
    assert on_spark.num_rows == on_duckdb.num_rows > 0
    assert differences(on_spark, on_duckdb) == []


def assert_same_exported_mart(built: dict[str, Any], table: str) -> None:
    spark, duck = built["spark_marts"][table], built["duck_marts"][table]
    assert spark.column_names == duck.column_names
    assert differences(spark, duck) == []


@pytest.mark.parametrize("table", [*USER_TABLES, *OTHER, *STAGING])
def test_a_spark_build_equals_a_duckdb_build_of_the_same_lake(
    built: dict[str, Any], table: str
) -> None:
    assert_table_equals_duckdb(built, table)


@pytest.mark.parametrize("table", USER_TABLES)
def test_the_export_writes_the_same_marts_from_spark(built: dict[str, Any], table: str) -> None:
    assert_same_exported_mart(built, table)


def test_spark_keeps_its_files_out_of_the_working_folder(built: dict[str, Any]) -> None:
    spark = built["spark"]
    work = Path(spark.spark_work_dir)
    # (derby.log goes where the process's first session put it: the JVM outlives sessions.)
    assert (work / "metastore_db").is_dir() and (work / "scratch").is_dir()
    assert (Path(spark.spark_warehouse_dir) / "cryptopulse.db" / "fct_posts").is_dir()
    here = set(os.listdir(Path.cwd()))
    assert not here & {"metastore_db", "derby.log", "spark-warehouse"}


# ---- windowed runs -------------------------------------------------------------------------
def window(first: int, days: int = 1) -> Interval:
    return Interval(D1 + first * DAY, D1 + (first + days) * DAY)


def table_files(settings: Settings, table: str) -> dict[str, tuple[int, int]]:
    """The table's Parquet files (relative path -> inode, mtime in ns)."""
    folder = Path(settings.spark_warehouse_dir) / "cryptopulse.db"
    if table.startswith("stg_"):
        folder = folder.parent / "cryptopulse_staging.db"
    root = folder / table
    return {
        str(path.relative_to(root)): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in root.rglob("*.parquet")
    }


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A lake landed a day at a time and built on Spark after each day (day 1 twice)."""
    work = tmp_path_factory.mktemp("spark-daily")
    spark = spark_settings(str(work / "lake"), work)
    pipeline.run(spark, window(0), steps=("extract", "enrich", "transform"))
    first = {table: spark_table(spark, table) for table in (*USER_TABLES, *OTHER)}
    pipeline.transform(spark, window=window(0))  # the same window again
    again = {table: spark_table(spark, table) for table in (*USER_TABLES, *OTHER)}
    files_before = {table: table_files(spark, table) for table in WINDOWED}
    pipeline.run(spark, window(1), steps=("extract", "enrich", "transform"))
    files_after = {table: table_files(spark, table) for table in WINDOWED}
    return {
        "spark": spark,
        "first": first,
        "again": again,
        "files_before": files_before,
        "files_after": files_after,
    }


@pytest.mark.parametrize("table", [*USER_TABLES, *OTHER])
def test_the_same_window_twice_gives_identical_tables(daily: dict[str, Any], table: str) -> None:
    first, again = daily["first"][table], daily["again"][table]
    # One day is too short for any HAC estimate (DuckDB's build of that day has none either).
    assert first.num_rows > 0 or table == "agg_sentiment_return_hac"
    assert differences(again, first) == []


@pytest.mark.parametrize("table", WINDOWED)
def test_a_daily_run_rewrites_only_its_days_partitions(daily: dict[str, Any], table: str) -> None:
    before, after = daily["files_before"][table], daily["files_after"][table]
    day1 = f"lake_date={window(0).start.isoformat()}/"
    day2 = f"lake_date={window(1).start.isoformat()}/"
    assert before and all(name.startswith(day1) for name in before)
    # The first day's files are the very same files: names, inodes and times.
    assert {n: v for n, v in after.items() if n.startswith(day1)} == before
    assert any(name.startswith(day2) for name in after)
    assert all(name.startswith((day1, day2)) for name in after)


def test_a_second_run_is_refused_while_one_builds(daily: dict[str, Any], tmp_path: Path) -> None:
    spark = daily["spark"]
    with open_engine(spark).writing():
        result = run_cli(
            ["transform"],
            spark,
            tmp_path,
            CRYPTOPULSE_SPARK_WAREHOUSE_DIR=spark.spark_warehouse_dir,
            CRYPTOPULSE_SPARK_WORK_DIR=spark.spark_work_dir,
        )
    assert result.returncode != 0
    message = result.stderr.strip()
    assert f"(PID {os.getpid()}) is building the Spark warehouse" in message
    assert "Traceback" not in result.stderr + result.stdout
