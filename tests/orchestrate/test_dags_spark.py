"""The daily DAG against Spark local mode, chosen by an Airflow Spark connection
cryptopulse_warehouse alone: cosmos gets dbt-spark's session profile from it, every dbt task
runs in the one-slot pool (one Spark driver on the Derby catalogue at a time), and a real
day's run lands, builds, checks and exports tables equal to a CLI DuckDB build of its lake."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import test_dags
from conftest import run_cli
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake
from cryptopulse.serve.export import read_mart
from cryptopulse.warehouse.dbt_runner import USER_TABLES
from test_dags import _airflow_env, harness

sys.path.insert(0, str(Path(__file__).parents[1] / "warehouse"))
from table_diff import differences
from test_spark import OTHER, STAGING, duckdb_table, spark_settings, spark_table

pytestmark = pytest.mark.slow

# test_dags.py's fixture, a migrated Airflow database (one per module).
airflow_home = test_dags.airflow_home
# One core and two shuffle partitions: the day is small, and CI's machine is too.
CONNECTION = {"conn_type": "spark", "host": "local[1]"}
# Which run merged a row: a windowed DAG run and the CLI's whole-lake build differ there.
LINEAGE = ("merge_window",)


def _env(home: Path, folder: Path) -> dict[str, str]:
    """Only the connection says the warehouse is Spark; the settings say where its files go."""
    spark = spark_settings(str(folder / "lake"), folder, master="spark://local[1]")
    return _airflow_env(
        home,
        CRYPTOPULSE_LAKE_URL=spark.lake_url,
        CRYPTOPULSE_SPARK_WAREHOUSE_DIR=spark.spark_warehouse_dir,
        CRYPTOPULSE_SPARK_WORK_DIR=spark.spark_work_dir,
        CRYPTOPULSE_SPARK_SHUFFLE_PARTITIONS=str(spark.spark_shuffle_partitions),
        AIRFLOW_CONN_CRYPTOPULSE_WAREHOUSE=json.dumps(CONNECTION),
        XDG_CACHE_HOME=str(folder / "cache"),
    )


def test_the_connection_gives_the_session_profile_and_the_pool(
    airflow_home: Path, tmp_path: Path
) -> None:
    env = _env(airflow_home, tmp_path)
    (profile,), _ = harness(["profile"], env)
    assert profile["mapping"] == "SparkSessionProfileMapping"
    assert profile["conn_id"] == "cryptopulse_warehouse" and profile["target"] == "spark"
    rendered = profile["profile"]
    assert (rendered["type"], rendered["method"]) == ("spark", "session")
    assert rendered["host"] == "local[1]" and rendered["schema"] == "cryptopulse"
    conf = rendered["server_side_parameters"]
    assert conf["spark.master"] == "local[1]"
    assert conf["spark.sql.shuffle.partitions"] == "2"
    assert conf["spark.sql.warehouse.dir"] == str(tmp_path / "spark-warehouse")
    assert profile["env_vars"] == []  # nothing secret to pass
    (shape,), _ = harness(["describe"], env)
    writers = [t for t in shape["tasks"] if t.startswith("transform.")]
    writers += ["prepare_transform", "quality_checks", "export"]
    assert len(writers) > 10
    assert all(shape["tasks"][t]["pool"] == "cryptopulse_warehouse" for t in writers)
    assert shape["max_active_runs"] == 1


def test_a_daily_run_on_spark_equals_a_duckdb_build_of_its_lake(
    airflow_home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "airflow"
    (run,), output = harness(["run", "2024-09-02"], _env(airflow_home, folder))
    assert run["state"] == "success", output[-3000:]
    states = {task: state for task, (state, _) in run["tasks"].items()}
    assert states.pop("watcher") == "skipped"
    assert set(states.values()) == {"success"}, states  # quality_checks among them
    assert "Spark warehouse spark://local[1] taken from connection" in output

    spark = spark_settings(str(folder / "lake"), folder, master="spark://local[1]")
    duck = Settings(lake_url=spark.lake_url, warehouse_url=str(tmp_path / "cli.duckdb"))
    done = run_cli(["transform"], duck, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lake = Lake(spark.lake_url)
    for table in (*USER_TABLES, *OTHER, *STAGING):
        on_spark = spark_table(spark, table)
        on_duckdb = duckdb_table(duck, table)
        assert on_spark.num_rows == on_duckdb.num_rows, table
        assert differences(on_spark, on_duckdb, drop=LINEAGE) == [], table
        if table in USER_TABLES:  # exported by the DAG's export task
            assert read_mart(lake, table).num_rows == on_spark.num_rows, table
    assert spark_table(spark, "fct_posts").num_rows > 0
