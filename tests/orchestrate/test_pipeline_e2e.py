"""End to end through the real CLI: demo data → lake → DuckDB star schema → checks → marts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout
from cryptopulse.serve.export import read_mart
from cryptopulse.warehouse.dbt_runner import USER_TABLES


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str]:
    """`cryptopulse demo` at its default (small) scale, once for this module."""
    work = tmp_path_factory.mktemp("demo")
    settings = Settings(lake_url=str(work / "lake"), warehouse_url=str(work / "warehouse.duckdb"))
    done = run_cli(["demo"], settings, cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    return settings, done.stdout


def _warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


@pytest.mark.slow
def test_demo_ends_with_the_summary(demo_run: tuple[Settings, str]) -> None:
    _, out = demo_run
    for heading in (
        "Landed in the lake",
        "Warehouse tables",
        "Time per stage",
        "Where the outputs are",
        "checks passed",
        "quarantine",
    ):
        assert heading in out


@pytest.mark.slow
def test_every_table_is_built_with_rows_and_exported(demo_run: tuple[Settings, str]) -> None:
    settings, _ = demo_run
    lake = Lake(settings.lake_url)
    with _warehouse(settings) as con:
        for table in USER_TABLES:
            rows = _count(con, f"select count(*) from {table}")
            assert rows > 0, table
            assert read_mart(lake, table).num_rows == rows, table
            # What users open: lake/marts/<table>.parquet, a file or (large tables) a folder
            # of monthly files, read as one table by DuckDB and pyarrow alike.
            path = Path(settings.lake_url) / layout.mart_file(table)
            assert pq.read_table(path).num_rows == rows, table
            assert _count(con, f"select count(*) from read_parquet('{path}')") == rows, table
    csv = Path(settings.lake_url) / layout.mart_file("agg_coin_stats_monthly", "csv")
    assert (
        len(csv.read_text().splitlines())
        == lake.read_parquet(layout.mart_file("agg_coin_stats_monthly")).num_rows + 1
    )


@pytest.mark.slow
def test_dim_date_has_exactly_one_row_per_hour(demo_run: tuple[Settings, str]) -> None:
    settings, _ = demo_run
    with _warehouse(settings) as con:
        rows, distinct, span = con.execute(
            """select count(*), count(distinct hour_ts),
                      date_diff('hour', min(hour_ts), max(hour_ts)) + 1 from dim_date"""
        ).fetchall()[0]
    assert rows == distinct == span
    assert rows == 14 * 24  # the small scale: 14 days of hourly data and posts


@pytest.mark.slow
def test_facts_do_not_fan_out(demo_run: tuple[Settings, str]) -> None:
    """Fact rows = distinct natural keys landed in the lake, however often they repeat."""
    settings, _ = demo_run
    raw = f"{settings.lake_url}/raw/*"
    with _warehouse(settings) as con:
        landed_posts = _count(
            con,
            f"select count(*) from (select distinct source, post_id "
            f"from read_parquet('{raw}/posts/*/*.parquet'))",
        )
        landed_hours = _count(
            con,
            f"select count(*) from (select distinct coin_id, ts "
            f"from read_parquet('{raw}/coin_hourly/*/*.parquet'))",
        )
        assert _count(con, "select count(*) from fct_posts") == landed_posts
        assert _count(con, "select count(*) from fct_coin_stats_hourly") == landed_hours
        retweets = _count(con, "select count(*) from fct_posts where text like 'RT @%'")
        assert retweets > 0  # retweets are posts in their own right, kept


@pytest.mark.slow
def test_monthly_aggregate_equals_a_recomputation_from_the_fact(
    demo_run: tuple[Settings, str],
) -> None:
    settings, _ = demo_run
    with _warehouse(settings) as con:
        recomputed = con.execute(
            """select coin_key, year(hour_ts) y, month(hour_ts) m,
                      min(price), max(price), min(market_cap), max(market_cap),
                      min(total_volume), max(total_volume), count(*)
               from fct_coin_stats_hourly group by all order by all"""
        ).fetchall()
        aggregate = con.execute(
            """select coin_key, year, month, min_price, max_price, min_market_cap,
                      max_market_cap, min_total_volume, max_total_volume, hours_observed
               from agg_coin_stats_monthly order by all"""
        ).fetchall()
    assert aggregate == recomputed
    assert len(aggregate) == 30 * 1  # 30 coins, 2024-12-18..31 is one month


@pytest.mark.slow
def test_every_generated_record_is_landed_or_quarantined_and_counted(
    demo_run: tuple[Settings, str],
) -> None:
    settings, _ = demo_run
    lake = Lake(settings.lake_url)
    run = lake.read_json(layout.LAST_RUN)
    assert run["status"] == "ok"
    for item in run["landings"]:
        assert item["rows_in"] == item["rows_landed"] + item["rows_quarantined"]
        quarantined = lake.glob(layout.dataset_glob(layout.QUARANTINE, item["dataset"]))
        assert lake.count_rows(quarantined) == item["rows_quarantined"]
        assert sum(item["reasons"].values()) == item["rows_quarantined"]
    posts = next(i for i in run["landings"] if i["dataset"] == "posts")
    assert posts["rows_quarantined"] > 0
    table = pq.read_table(
        Path(settings.lake_url) / lake.glob(layout.dataset_glob(layout.QUARANTINE, "posts"))[0]
    )
    assert "reason" in table.column_names
    assert all(table["reason"].to_pylist())


@pytest.mark.slow
def test_status_shows_lake_warehouse_and_last_run(
    demo_run: tuple[Settings, str], tmp_path: Path
) -> None:
    settings, _ = demo_run
    done = run_cli(["status"], settings, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for text in ("raw", "quarantine", "marts", "fct_posts", "Last run: demo --scale small · ok"):
        assert text in done.stdout
    with _warehouse(settings) as con:
        posts = _count(con, "select count(*) from fct_posts")
    # Every exported table is listed with its rows, the monthly folders too.
    [line] = [ln for ln in done.stdout.splitlines() if "fct_posts.parquet" in ln]
    assert f"{posts:,}" in line
    # The enrich results too: the sentiment rows are one per post.
    [line] = [ln for ln in done.stdout.splitlines() if "enrich" in ln and "sentiment" in ln]
    assert f"{posts:,}" in line


@pytest.mark.slow
def test_a_failing_check_stops_the_run_naming_table_check_and_rows(
    settings: Settings, tmp_path: Path
) -> None:
    days = ["--start", "2024-06-01", "--end", "2024-06-02"]
    done = run_cli(["extract", *days], settings, tmp_path, CRYPTOPULSE_DEMO_POSTS_PER_DAY="50")
    assert done.returncode == 0, done.stderr
    # Something wrote a bad price straight into the raw layer, past the landing checks.
    lake = Lake(settings.lake_url)
    rel = layout.raw_file("demo", "coin_hourly", date(2024, 6, 1))
    table = lake.read_parquet(rel)
    prices = table["price"].to_pylist()
    prices[0] = -1.0
    lake.write_parquet(rel, table.set_column(2, "price", pa.array(prices)))

    done = run_cli(["transform"], settings, tmp_path)
    assert done.returncode == 1
    message = done.stderr
    assert "data quality checks failed" in message
    assert "fct_coin_stats_hourly · price is positive: Prices are greater than zero." in message
    assert "1 failing row" in message
    assert "Traceback" not in message + done.stdout
    # Printed once, as the last word (the run summary above it leaves it out).
    assert message.startswith("error: Stopped: data quality checks failed (1):")
    assert (done.stdout + message).count("price is positive") == 1
    assert "✘ cryptopulse transform" in done.stdout
    run = lake.read_json(layout.LAST_RUN)
    assert run["status"] == "failed" and "1 failing row" in run["error"]
    assert not lake.glob(f"{layout.MARTS}/*")  # nothing exported from a failed build


@pytest.mark.slow
def test_a_daily_run_checks_the_rows_it_merged(settings: Settings, tmp_path: Path) -> None:
    # History first, then a bad price arrives with the next day: the incremental run's checks
    # (scoped to the rows it wrote) must see it.
    posts = {"CRYPTOPULSE_DEMO_POSTS_PER_DAY": "50"}
    done = run_cli(
        ["run", "--start", "2024-06-01", "--end", "2024-06-03"], settings, tmp_path, **posts
    )
    assert done.returncode == 0, done.stderr
    lake = Lake(settings.lake_url)
    good = lake.read_parquet(layout.raw_file("demo", "coin_hourly", date(2024, 6, 2)))
    bad = good.slice(0, 1).set_column(2, "price", pa.array([-1.0]))
    bad = bad.set_column(1, "ts", pa.array([datetime(2024, 6, 3, 5, tzinfo=UTC)], good["ts"].type))
    # Another source's file in the new day's partition, past the landing checks.
    lake.write_parquet(layout.raw_file("planted", "coin_hourly", date(2024, 6, 3)), bad)

    done = run_cli(
        ["run", "--start", "2024-06-03", "--end", "2024-06-04"], settings, tmp_path, **posts
    )
    assert done.returncode == 1, done.stdout
    assert "fct_coin_stats_hourly · price is positive: Prices are greater than zero." in done.stderr
    assert "1 failing row" in done.stderr


def test_user_mistakes_get_one_clear_line_not_a_traceback(
    settings: Settings, tmp_path: Path
) -> None:
    done = run_cli(["run", "--start", "2024-06-05", "--end", "2024-06-01"], settings, tmp_path)
    assert done.returncode == 1
    assert "--end (2024-06-01) must be after --start (2024-06-05)" in done.stderr
    done = run_cli(["status"], settings, tmp_path, CRYPTOPULSE_LAKE_URL="gs://bucket")
    assert done.returncode == 2
    assert "CRYPTOPULSE_LAKE_URL" in done.stderr and "s3://" in done.stderr
    done = run_cli(["export"], settings, tmp_path)
    assert done.returncode == 1
    assert "run `cryptopulse transform`" in done.stderr
    for result in (done,):
        assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("command", ["demo", "run", "extract", "transform", "export", "status"])
def test_every_command_explains_itself(command: str, settings: Settings, tmp_path: Path) -> None:
    done = run_cli([command, "--help"], settings, tmp_path)
    assert done.returncode == 0
    assert "Usage" in done.stdout and len(done.stdout.splitlines()) > 5


@pytest.mark.slow
def test_s3_lake_end_to_end(
    settings: Settings, tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> None:
    s3 = Settings(
        lake_url=f"s3://{s3_bucket}/lake",
        warehouse_url=str(tmp_path / "s3-warehouse.duckdb"),
        s3_endpoint_url=s3_endpoint,
    )

    def run_days(start: str, end: str) -> None:
        args = ["run", "--start", start, "--end", end]
        done = run_cli(args, s3, tmp_path, CRYPTOPULSE_DEMO_POSTS_PER_DAY="300")
        assert done.returncode == 0, done.stdout + done.stderr

    run_days("2024-06-01", "2024-06-03")
    lake = Lake(s3.lake_url, s3_endpoint_url=s3_endpoint)
    assert len(lake.glob(layout.dataset_glob(layout.RAW, "posts"))) == 2
    with duckdb.connect(str(s3.warehouse_path), read_only=True) as con:
        for table in USER_TABLES:
            rows = _count(con, f"select count(*) from {table}")
            assert rows > 0
            assert read_mart(lake, table).num_rows == rows
    run = lake.read_json(layout.LAST_RUN)
    assert run["lake"] == f"s3://{s3_bucket}/lake"
    assert json.dumps(run).count("testing-secret") == 0  # no credential in the run record

    # The next day merges into it: the incremental models list the window's S3 files.
    with duckdb.connect(str(s3.warehouse_path), read_only=True) as con:
        posts_before = _count(con, "select count(*) from fct_posts")
    run_days("2024-06-03", "2024-06-04")
    with duckdb.connect(str(s3.warehouse_path), read_only=True) as con:
        days = con.execute("select distinct cast(created_at as date) from fct_posts").fetchall()
        posts_after = _count(con, "select count(*) from fct_posts")
    new_day = lake.count_rows(lake.glob("raw/*/posts/date=2024-06-03/*.parquet"))
    assert len(days) == 3
    assert new_day > 0 and posts_after == posts_before + new_day
    assert read_mart(lake, "fct_posts").num_rows == posts_after
