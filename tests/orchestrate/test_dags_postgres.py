"""The daily DAG against PostgreSQL, chosen by the Airflow connection cryptopulse_warehouse
alone: cosmos maps that connection to the dbt profile, the DuckDB pool is left out, one run
at a time, and a real run on the server started by the tests lands, builds and exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

import test_dags
from conftest import PG_USER
from cryptopulse.lake import Lake
from cryptopulse.serve.export import read_mart
from test_dags import _airflow_env, harness

pytestmark = pytest.mark.slow

# test_dags.py's fixture, a migrated Airflow database (one per module).
airflow_home = test_dags.airflow_home


def _env(home: Path, server: Any, database: str, lake: Path) -> dict[str, str]:
    """Only the connection says where the warehouse is and what its password is."""
    server.create_database(database, owner=PG_USER)
    connection = {
        "conn_type": "postgres",
        "host": "127.0.0.1",
        "port": server.port,
        "login": PG_USER,
        "password": server.test_password,
        "schema": database,
    }
    env = _airflow_env(
        home,
        CRYPTOPULSE_LAKE_URL=str(lake),
        AIRFLOW_CONN_CRYPTOPULSE_WAREHOUSE=json.dumps(connection),
        XDG_CACHE_HOME=str(lake.parent / "cache"),
    )
    env.pop("PGPASSWORD", None)
    return env


def test_the_connection_picks_the_postgres_profile_mapping_and_no_pool(
    airflow_home: Path, postgres_server: Any, tmp_path: Path
) -> None:
    env = _env(airflow_home, postgres_server, "airflow_shape", tmp_path / "lake")
    (profile,), output = harness(["profile"], env)
    assert profile["mapping"] == "PostgresUserPasswordProfileMapping"
    assert profile["conn_id"] == "cryptopulse_warehouse"
    assert profile["target"] == "postgres"
    rendered = profile["profile"]
    assert rendered["host"] == "127.0.0.1" and rendered["port"] == postgres_server.port
    assert rendered["dbname"] == "airflow_shape" and rendered["schema"] == "cryptopulse"
    assert postgres_server.test_password not in json.dumps(rendered) + output
    (shape,), _ = harness(["describe"], env)
    assert shape["max_active_runs"] == 1
    writers = [
        t
        for t in shape["tasks"]
        if t.startswith("transform.") or t in ("prepare_transform", "export")
    ]
    assert writers and all(shape["tasks"][t]["pool"] == "default_pool" for t in writers)


def test_a_daily_run_on_postgresql_from_the_connection_alone(
    airflow_home: Path, postgres_server: Any, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    env = _env(airflow_home, postgres_server, "airflow_run", lake)
    (run,), output = harness(["run", "2024-09-02"], env)
    assert run["state"] == "success", output[-3000:]
    with psycopg.connect(postgres_server.superuser_conninfo("airflow_run"), autocommit=True) as con:
        row = con.execute("select count(*) from cryptopulse.fct_posts").fetchone()
    assert row is not None and row[0] > 0
    assert read_mart(Lake(str(lake)), "fct_posts").num_rows == row[0]
    assert postgres_server.test_password not in output
