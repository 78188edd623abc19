"""The PostgreSQL warehouse on a real server (started by the tests): the demo passes every
check, a PostgreSQL build equals a DuckDB build of the same lake table for table, the export
writes the same marts, and readers get the read-only role's view and nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pytest

from conftest import PG_USER, pg_test_settings
from cryptopulse.core.settings import Settings
from cryptopulse.lake import open_lake
from cryptopulse.orchestrate import pipeline
from cryptopulse.serve.export import read_mart
from cryptopulse.sources.demo import SCALES
from cryptopulse.warehouse.dbt_runner import USER_TABLES
from cryptopulse.warehouse.engines import open_engine
from cryptopulse.warehouse.engines.postgres import PostgresEngine, read_arrow
from table_diff import assert_every_check_passed, differences

pytestmark = pytest.mark.slow

STAGING = ("stg_coins", "stg_coin_hourly", "stg_posts", "stg_post_mentions", "stg_post_sentiment")
OTHER = ("agg_sentiment_return_sums_daily",)


def pg_table(engine: PostgresEngine, schema: str, table: str) -> pa.Table:
    query = f'select * from "{table}"'
    return read_arrow(engine.adbc_url(), schema, None, query, 100_000).read_all()


def duckdb_table(settings: Settings, table: str) -> pa.Table:
    with open_engine(settings).reader() as reader:
        return reader.arrow(f'select * from "{table}"', 100_000).read_all()


@pytest.fixture(scope="module")
def built(
    postgres_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The small demo on DuckDB (the whole pipeline), its marts as exported, then the same
    lake transformed and exported on PostgreSQL."""
    work = tmp_path_factory.mktemp("pg-equality")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PGPASSWORD", postgres_server.test_password)
        env.setenv("XDG_CACHE_HOME", str(work / "cache"))
        duck = Settings(lake_url=str(work / "lake"), warehouse_url=str(work / "wh.duckdb"))
        pipeline.run(duck, SCALES["small"], command="demo")
        lake = open_lake(duck)
        duck_marts = {table: read_mart(lake, table) for table in USER_TABLES}
        pg = pg_test_settings(postgres_server, "equality", work)
        report = pipeline.run(pg, SCALES["small"], steps=("transform", "export"))
        pg_marts = {table: read_mart(lake, table) for table in USER_TABLES}
        yield {
            "duck": duck,
            "pg": pg,
            "report": report,
            "duck_marts": duck_marts,
            "pg_marts": pg_marts,
        }


def test_the_demo_passes_every_check_on_postgresql(built: dict[str, Any]) -> None:
    assert_every_check_passed(built["report"], "PostgreSQL")


@pytest.mark.parametrize("table", [*USER_TABLES, *OTHER, *STAGING])
def test_a_postgresql_build_equals_a_duckdb_build_of_the_same_lake(
    built: dict[str, Any], table: str
) -> None:
    engine = open_engine(built["pg"])
    assert isinstance(engine, PostgresEngine)
    schema = engine.staging_schema if table in STAGING else engine.schema
    on_pg = pg_table(engine, schema, table)
    on_duckdb = duckdb_table(built["duck"], table)
    assert on_pg.num_rows == on_duckdb.num_rows > 0
    assert differences(on_pg, on_duckdb) == []


@pytest.mark.parametrize("table", USER_TABLES)
def test_the_export_writes_the_same_marts_from_either_engine(
    built: dict[str, Any], table: str
) -> None:
    pg, duck = built["pg_marts"][table], built["duck_marts"][table]
    assert pg.column_names == duck.column_names
    assert differences(pg, duck) == []


# ---- readers -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def analyst(built: dict[str, Any], postgres_server: Any) -> Iterator[psycopg.Connection[Any]]:
    """An analyst's login, a member of the reader role and nothing else."""
    postgres_server.create_login("analyst", "analyst-pw")
    postgres_server.sql("grant cryptopulse_reader to analyst")
    engine = open_engine(built["pg"])
    assert isinstance(engine, PostgresEngine)
    with psycopg.connect(
        f"host=127.0.0.1 port={postgres_server.port} dbname={engine.address.database} "
        "user=analyst password=analyst-pw",
        autocommit=True,
    ) as con:
        yield con


@pytest.mark.parametrize("table", [*USER_TABLES, *OTHER])
def test_the_reader_role_reads_every_mart(analyst: psycopg.Connection[Any], table: str) -> None:
    row = analyst.execute(f"select count(*) from cryptopulse.{table}").fetchone()
    assert row is not None and row[0] > 0


@pytest.mark.parametrize(
    "statement",
    [
        "insert into cryptopulse.dim_coin (coin_key, coin_id) values ('x', 'x')",
        "update cryptopulse.dim_coin set name = 'x'",
        "delete from cryptopulse.fct_posts",
        "drop table cryptopulse.mart_coin_social_hourly",
        "create table cryptopulse.mine (a int)",
        "create schema mine",
        "truncate cryptopulse.fct_posts",
        "select count(*) from cryptopulse_raw.posts",
        "select count(*) from cryptopulse_staging.stg_posts",
        "select count(*) from cryptopulse_staging.int_coin_social_hourly",
        "create table public.mine (a int)",
    ],
)
def test_the_reader_role_is_refused_writes_and_raw_and_staging(
    analyst: psycopg.Connection[Any], statement: str
) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        analyst.execute(statement)


def test_marts_carry_indexes_by_coin_and_time(built: dict[str, Any]) -> None:
    engine = open_engine(built["pg"])
    assert isinstance(engine, PostgresEngine)
    with engine.connect() as con:
        rows = con.execute(
            "select tablename, indexdef from pg_indexes where schemaname = 'cryptopulse'"
        ).fetchall()
    defs = {(t, d.split("USING btree ")[1]) for t, d in rows}
    assert ("mart_coin_social_hourly", "(coin_id, hour_ts)") in defs
    assert ("fct_coin_stats_hourly", "(coin_id, hour_ts)") in defs
    assert ("agg_coin_stats_monthly", "(coin_id, month_start)") in defs


def test_the_engine_reader_reads_as_the_reader_role_and_cannot_write(
    built: dict[str, Any],
) -> None:
    engine = open_engine(built["pg"])
    with engine.reader() as reader:
        assert set(USER_TABLES) <= set(reader.tables())
        assert not any(t.startswith("stg_") for t in reader.tables())
        assert reader.rows("select current_user")[0][0] == "cryptopulse_reader"
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reader.rows("create table cryptopulse.scratch (a int)")
    assert engine.describe() == f"PostgreSQL {engine.location()} (schema cryptopulse)"
    assert PG_USER in engine.location()


def test_status_lists_the_readers_tables(built: dict[str, Any], tmp_path: Path) -> None:
    rows = open_engine(built["pg"]).table_rows()
    assert rows["dim_coin"] == 30
    assert set(USER_TABLES) <= set(rows)
