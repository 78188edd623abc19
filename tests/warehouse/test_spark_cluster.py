"""The Spark warehouse on a real standalone cluster (a master and one worker started by the
test on loopback, stopped at the end): the small demo's lake built through
spark://127.0.0.1:PORT passes every check and equals the DuckDB build, table for table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cryptopulse.core.settings import Settings
from cryptopulse.warehouse.dbt_runner import USER_TABLES
from cryptopulse.warehouse.engines import spark_session
from spark_cluster import SparkCluster
from test_spark import (
    OTHER,
    assert_same_exported_mart,
    assert_table_equals_duckdb,
    build_like_duckdb,
    spark_settings,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(
    small_demo: Settings, spark_cluster: SparkCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("spark-on-cluster")
    spark = spark_settings(small_demo.lake_url, folder, spark_cluster.url)
    yield {"duck": small_demo, "spark": spark, **build_like_duckdb(small_demo, spark)}
    spark_session.stop()  # the application leaves the cluster before it stops


def test_the_demo_passes_every_check_on_a_standalone_cluster(
    built: dict[str, Any], spark_cluster: SparkCluster
) -> None:
    report = built["report"]
    assert report.status == "ok"
    assert report.tests["passed"] == report.tests["run"] >= 78
    assert report.extra["warehouse_engine"] == "Spark"
    # The work ran on the cluster: the master has our application and its executor.
    apps = spark_cluster.status()["activeapps"]
    assert isinstance(apps, list) and [app["name"] for app in apps] == ["cryptopulse"]


@pytest.mark.parametrize("table", [*USER_TABLES, *OTHER])
def test_a_cluster_build_equals_a_duckdb_build_of_the_same_lake(
    built: dict[str, Any], table: str
) -> None:
    assert_table_equals_duckdb(built, table)


@pytest.mark.parametrize("table", USER_TABLES)
def test_the_export_from_the_cluster_writes_the_same_marts(
    built: dict[str, Any], table: str
) -> None:
    assert_same_exported_mart(built, table)
