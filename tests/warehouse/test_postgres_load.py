"""The loader on a real PostgreSQL (started by the tests): the lake's files into the raw
tables by binary COPY, a window replacing only its days, older files missing a column, and a
load that fails part-way leaving the tables as they were."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pytest

from cryptopulse.core.datasets import COIN_HOURLY, POSTS
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout, open_lake
from cryptopulse.warehouse.engines import open_engine
from cryptopulse.warehouse.engines.postgres import PostgresEngine

DAY1, DAY2 = date(2024, 6, 1), date(2024, 6, 2)


def hourly(day: date, coins: list[str], price: float) -> pa.Table:
    ts = datetime(day.year, day.month, day.day)
    rows = [
        {
            "coin_id": c,
            "ts": ts + timedelta(hours=h),
            "price": price,
            "market_cap": 1.0,
            "total_volume": 2.0,
        }
        for c in coins
        for h in range(24)
    ]
    return pa.Table.from_pylist(rows, schema=COIN_HOURLY.schema)


def land(lake: Lake, day: date, table: pa.Table, dataset: str = "coin_hourly") -> str:
    rel = layout.raw_file("demo", dataset, day)
    lake.write_parquet(rel, table)
    return rel


def raw_rows(engine: PostgresEngine, query: str) -> list[tuple[Any, ...]]:
    with engine.connect() as con:
        return con.execute(query).fetchall()


@pytest.fixture
def engine(pg_settings: Settings) -> PostgresEngine:
    engine = open_engine(pg_settings)
    assert isinstance(engine, PostgresEngine)
    return engine


def test_a_window_replaces_only_its_days_and_unseen_days_are_added(
    engine: PostgresEngine, pg_settings: Settings
) -> None:
    lake = open_lake(pg_settings)
    land(lake, DAY1, hourly(DAY1, ["bitcoin", "ethereum"], 10.0))
    engine.load(lake, ["coin_hourly"], {}, Interval(DAY1, DAY2))
    count = (
        "select lake_date, count(*), min(price) from cryptopulse_raw.coin_hourly "
        "group by 1 order by 1"
    )
    assert raw_rows(engine, count) == [(DAY1, 48, 10.0)]

    # Day 2 lands; day 1 is re-landed with one coin only, but the window is day 2's.
    land(lake, DAY1, hourly(DAY1, ["bitcoin"], 11.0))
    land(lake, DAY2, hourly(DAY2, ["bitcoin"], 12.0))
    engine.load(lake, ["coin_hourly"], {}, Interval(DAY2, DAY2 + timedelta(days=1)))
    assert raw_rows(engine, count) == [(DAY1, 48, 10.0), (DAY2, 24, 12.0)]
    engine.load(lake, ["coin_hourly"], {}, Interval(DAY2, DAY2 + timedelta(days=1)))  # again
    assert raw_rows(engine, count) == [(DAY1, 48, 10.0), (DAY2, 24, 12.0)]

    engine.load(lake, ["coin_hourly"], {}, None)  # no window: the whole lake as it is now
    assert raw_rows(engine, count) == [(DAY1, 24, 11.0), (DAY2, 24, 12.0)]
    (name,) = raw_rows(
        engine,
        "select distinct filename from cryptopulse_raw.coin_hourly where lake_date = '2024-06-02'",
    )
    assert name[0] == lake.uri(layout.raw_file("demo", "coin_hourly", DAY2))


def test_an_older_file_without_a_column_loads_it_as_null(
    engine: PostgresEngine, pg_settings: Settings
) -> None:
    lake = open_lake(pg_settings)
    post = {
        "source": "demo",
        "post_id": "1",
        "created_at": datetime(2024, 6, 1, 3),
        "author": "a",
        "text": "hello $btc",
        "likes": 3,
    }
    older = pa.schema([f for f in POSTS.schema if f.name in post])
    land(lake, DAY1, pa.Table.from_pylist([post], schema=older), "posts")
    engine.load(lake, ["posts"], {}, None)
    rows = raw_rows(
        engine, "select post_id, likes, reposts, url, lake_date from cryptopulse_raw.posts"
    )
    assert rows == [("1", 3, None, None, DAY1)]


def test_a_load_failing_part_way_leaves_the_raw_tables_as_they_were(
    engine: PostgresEngine, pg_settings: Settings
) -> None:
    lake = open_lake(pg_settings)
    land(lake, DAY1, hourly(DAY1, ["bitcoin"], 10.0))
    engine.load(lake, ["coin_hourly"], {}, None)
    land(lake, DAY2, hourly(DAY2, ["bitcoin"], 12.0))
    broken = layout.raw_file("other", "coin_hourly", DAY2)
    lake.write_parquet(broken, hourly(DAY2, ["ethereum"], 1.0))
    path = Path(lake.path(broken))
    path.write_bytes(path.read_bytes()[:-40])  # a truncated file: its footer is gone
    with pytest.raises(Exception, match=r"[Pp]arquet"):
        engine.load(lake, ["coin_hourly"], {}, None)
    assert raw_rows(engine, "select count(*) from cryptopulse_raw.coin_hourly") == [(24,)]


def test_a_python_table_replaces_a_table_in_one_transaction(engine: PostgresEngine) -> None:
    with engine.connect() as con:
        con.execute("create schema if not exists cryptopulse")
    first = pa.table({"coin_id": ["a", "b"], "score": [1.0, 2.0]})
    assert engine.write_arrow("cryptopulse", "scores", first.to_reader()) == 2
    second = pa.table({"coin_id": ["c"], "score": [3.0]})
    assert engine.write_arrow("cryptopulse", "scores", second.to_reader()) == 1
    assert raw_rows(engine, "select * from cryptopulse.scores") == [("c", 3.0)]


def test_a_server_that_refuses_the_password_is_one_line(
    engine: PostgresEngine, pg_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptopulse.warehouse.engine import WarehouseUnavailable

    monkeypatch.setenv("PGPASSWORD", "wrong")
    for attempt in (
        engine.check_writable,
        engine.exists,
        lambda: engine.load(open_lake(pg_settings), [], {}, None),
    ):
        with pytest.raises(WarehouseUnavailable) as raised:
            attempt()
        assert "refused the password for user cryptopulse_test" in str(raised.value)
        assert "wrong" not in str(raised.value)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(engine.conninfo())
