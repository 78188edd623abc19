"""Exporting marts: large tables by month, and a windowed export rewrites only what changed."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest

from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout
from cryptopulse.serve.export import export_marts, read_mart

TABLES = ("fct_posts", "dim_coin")


def _warehouse(settings: Settings, sql: str) -> None:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(sql)


def _table(settings: Settings, table: str) -> pa.Table:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.sql(f"select * from {table} order by all").to_arrow_table()


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([(name, "ascending") for name in table.column_names])


def test_large_tables_export_by_month_and_a_window_rewrites_only_its_months(
    settings: Settings,
) -> None:
    _warehouse(
        settings,
        """
        create table dim_coin as select 'bitcoin' as coin_id;
        create table fct_posts as
        select i as post_id, timestamp '2024-01-01' + i * interval 1 day as created_at
        from range(0, 100) as t(i);  -- 2024-01-01 .. 2024-04-09: four months
        """,
    )
    lake = Lake(settings.lake_url)
    exported = {e.table: e for e in export_marts(settings, lake, tables=TABLES)}
    months = lake.glob(layout.mart_month_glob("fct_posts"))
    assert months == [
        "marts/fct_posts.parquet/fct_posts_2024-01.parquet",
        "marts/fct_posts.parquet/fct_posts_2024-02.parquet",
        "marts/fct_posts.parquet/fct_posts_2024-03.parquet",
        "marts/fct_posts.parquet/fct_posts_2024-04.parquet",
    ]
    assert exported["fct_posts"].rows == 100
    assert _sorted(read_mart(lake, "fct_posts")).equals(_sorted(_table(settings, "fct_posts")))
    assert lake.exists(layout.mart_file("dim_coin"))  # small tables stay one file
    before = {rel: lake.read_parquet(rel) for rel in months}

    # A day of March merged again, with one post gone and one added; January changed too,
    # behind the window's back (a window run must not pick that up: it was not merged).
    _warehouse(
        settings,
        """
        delete from fct_posts where post_id in (5, 70);
        insert into fct_posts values (1000, timestamp '2024-03-15 12:00:00');
        """,
    )
    window = Interval(date(2024, 3, 15), date(2024, 3, 16))
    result = export_marts(settings, lake, tables=TABLES, window=window)
    written = {e.table: e.files for e in result}["fct_posts"]
    # March and the days its changes reach (8 days: still March) are rewritten, nothing else.
    assert written == (layout.mart_month_file("fct_posts", date(2024, 3, 1)),)
    march = lake.read_parquet(layout.mart_month_file("fct_posts", date(2024, 3, 1)))
    assert 1000 in march.column("post_id").to_pylist()
    assert 70 not in march.column("post_id").to_pylist()
    jan = layout.mart_month_file("fct_posts", date(2024, 1, 1))
    assert lake.read_parquet(jan).equals(before[jan])

    # Without a window every month is rewritten and a month no longer in the table removed.
    _warehouse(settings, "delete from fct_posts where created_at >= timestamp '2024-04-01'")
    export_marts(settings, lake, tables=TABLES)
    assert not lake.exists(layout.mart_month_file("fct_posts", date(2024, 4, 1)))
    assert _sorted(read_mart(lake, "fct_posts")).equals(_sorted(_table(settings, "fct_posts")))


def test_a_window_exports_months_never_exported_and_removes_emptied_ones(
    settings: Settings,
) -> None:
    _warehouse(
        settings,
        """
        create table dim_coin as select 'bitcoin' as coin_id;
        create table fct_posts as
        select i as post_id, timestamp '2024-05-30' + i * interval 1 day as created_at
        from range(0, 5) as t(i);  -- 2024-05-30 .. 2024-06-03
        """,
    )
    lake = Lake(settings.lake_url)
    # The first export of all comes with a window (a first `cryptopulse run`): every month
    # the table holds is written, not only the window's.
    export_marts(settings, lake, tables=TABLES, window=Interval(date(2024, 6, 2), date(2024, 6, 3)))
    assert _sorted(read_mart(lake, "fct_posts")).equals(_sorted(_table(settings, "fct_posts")))
    # June's rows all gone after a windowed merge of June: its file goes too.
    _warehouse(settings, "delete from fct_posts where created_at >= timestamp '2024-06-01'")
    export_marts(settings, lake, tables=TABLES, window=Interval(date(2024, 6, 1), date(2024, 6, 2)))
    assert not lake.exists(layout.mart_month_file("fct_posts", date(2024, 6, 1)))
    assert read_mart(lake, "fct_posts").num_rows == 2


@pytest.mark.parametrize("where", ["local", "s3"])
def test_an_export_replaces_what_older_versions_wrote(
    settings: Settings, where: str, request: pytest.FixtureRequest
) -> None:
    """A lake exported by an earlier version holds fct_posts as one file, or as
    marts/fct_posts/month=YYYY-MM/ folders: after the next export (even a windowed one) only
    the current layout is left, so no reader finds a stale second copy; the export after that
    rewrites only the window's month again."""
    _warehouse(
        settings,
        """
        create table dim_coin as select 'bitcoin' as coin_id;
        create table fct_posts as
        select i as post_id, timestamp '2024-01-01' + i * interval 1 day as created_at
        from range(0, 40) as t(i);  -- January and February
        """,
    )
    if where == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        lake = Lake(f"s3://{bucket}/lake", request.getfixturevalue("s3_endpoint"))
    else:
        lake = Lake(settings.lake_url)
    stale = pa.table({"post_id": [-1]})
    lake.write_parquet(layout.mart_file("fct_posts"), stale)
    lake.write_parquet("marts/fct_posts/month=2024-01/fct_posts_2024-01.parquet", stale)
    window = Interval(date(2024, 2, 9), date(2024, 2, 10))
    export_marts(settings, lake, tables=TABLES, window=window)
    assert not lake.exists("marts/fct_posts")
    assert not lake.is_file(layout.mart_file("fct_posts"))
    assert _sorted(read_mart(lake, "fct_posts")).equals(_sorted(_table(settings, "fct_posts")))
    if where == "local":  # what users open: the table's path, read as one table
        path = f"{settings.lake_url}/{layout.mart_file('fct_posts')}"
        with duckdb.connect() as con:
            exported = con.sql(f"select * from read_parquet('{path}') order by all")
            assert exported.to_arrow_table().equals(_table(settings, "fct_posts"))
    again = {e.table: e.files for e in export_marts(settings, lake, tables=TABLES, window=window)}
    assert again["fct_posts"] == (layout.mart_month_file("fct_posts", date(2024, 2, 1)),)
    assert len(lake.glob(layout.mart_month_glob("fct_posts"))) == 2


def test_an_empty_large_table_is_still_at_its_path_with_its_columns(settings: Settings) -> None:
    """A posts-only lake has no market rows: fct_coin_stats_hourly is empty, and users (and
    the dashboard) still open marts/<table>.parquet and get its columns."""
    _warehouse(
        settings,
        """
        create table dim_coin as select 'bitcoin' as coin_id;
        create table fct_posts (post_id integer, created_at timestamp);
        """,
    )
    lake = Lake(settings.lake_url)
    export_marts(settings, lake, tables=TABLES)
    path = f"{settings.lake_url}/{layout.mart_file('fct_posts')}"
    with duckdb.connect() as con:
        exported = con.sql(f"select * from read_parquet('{path}')")
        assert exported.columns == ["post_id", "created_at"]
        assert exported.fetchall() == []
    assert read_mart(lake, "fct_posts").num_rows == 0
    # Rows arrive: the months replace the placeholder.
    _warehouse(settings, "insert into fct_posts values (1, timestamp '2024-02-03 04:00:00')")
    export_marts(settings, lake, tables=TABLES, window=Interval(date(2024, 2, 3), date(2024, 2, 4)))
    assert lake.glob(f"{layout.mart_file('fct_posts')}/*.parquet") == [
        layout.mart_month_file("fct_posts", date(2024, 2, 1))
    ]
