"""The dashboard's pages in Streamlit's AppTest, on the small demo: they render, and what
they show is what the warehouse holds (asked independently here, in SQL of our own)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout
from cryptopulse.serve.dashboard import APP
from cryptopulse.serve.dashboard.source import EXPORTED, WAREHOUSE, locate
from dashboard_helpers import axis_titles, figures, metric, trace, values

pytestmark = pytest.mark.slow

PAGES = ("pages/market.py", "pages/social.py", "pages/price_sentiment.py", "pages/health.py")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Each test starts with nothing cached (the cache is per process, like a server's)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def _app(monkeypatch: pytest.MonkeyPatch, settings: Settings, page: str | None = None) -> AppTest:
    monkeypatch.setenv("CRYPTOPULSE_LAKE_URL", settings.lake_url)
    monkeypatch.setenv("CRYPTOPULSE_WAREHOUSE_URL", settings.warehouse_url)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    if page is not None and page != PAGES[0]:
        at.switch_page(page)
        at.run()
    return at


def _sql(settings: Settings, query: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(query).fetchall()


def _sidebar_text(at: AppTest) -> str:
    return " ".join(str(c.value) for c in at.sidebar.caption)


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


# ---- every page renders ------------------------------------------------------------------
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_from_the_warehouse(
    small_demo: Settings, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    at = _app(monkeypatch, small_demo, page)
    _no_errors(at)
    assert at.title, "the page has a title"
    assert figures(at), "the page draws at least one chart"
    assert "(read-only)" in _sidebar_text(at)
    assert str(small_demo.warehouse_path) in _sidebar_text(at)


@pytest.mark.parametrize("page", PAGES)
def test_without_a_warehouse_every_page_reads_the_exported_marts(
    small_demo: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, page: str
) -> None:
    no_warehouse = Settings(
        lake_url=small_demo.lake_url, warehouse_url=str(tmp_path / "not-built.duckdb")
    )
    at = _app(monkeypatch, no_warehouse, page)
    _no_errors(at)
    assert figures(at)
    assert "exported marts" in _sidebar_text(at)
    assert "not-built.duckdb" in _sidebar_text(at)  # and says why the warehouse is not read
    assert not (tmp_path / "not-built.duckdb").exists()  # looking did not create it


@pytest.mark.parametrize("page", PAGES)
def test_an_empty_lake_shows_what_to_run(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    at = _app(monkeypatch, settings, page)
    _no_errors(at)
    guidance = " ".join(str(i.value) for i in at.info)
    assert "make demo" in guidance
    assert not figures(at)


# ---- the numbers are the warehouse's -----------------------------------------------------
def test_market_shows_the_coins_monthly_max_and_follows_the_coin_and_days(
    small_demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(monkeypatch, small_demo)
    _no_errors(at)
    assert at.title[0].value == "Market · Bitcoin (BTC)"  # the largest coin first

    def monthly_max(coin: str) -> float:
        return _sql(
            small_demo,
            f"select max(price) from fct_coin_stats_hourly where coin_id = '{coin}' "
            "and hour_ts >= TIMESTAMP '2024-12-01' and hour_ts < TIMESTAMP '2025-01-01'",
        )[0][0]

    table = at.dataframe[0].value
    assert list(table["coin_id"]) == ["bitcoin"]
    assert table.loc[0, "month"] == "2024-12"
    assert table.loc[0, "max_price"] == pytest.approx(monthly_max("bitcoin"), rel=1e-12)

    at.sidebar.selectbox(key="coin").set_value("ethereum").run()
    _no_errors(at)
    assert at.title[0].value == "Market · Ethereum (ETH)"
    table = at.dataframe[0].value
    assert list(table["coin_id"]) == ["ethereum"]
    assert table.loc[0, "max_price"] == pytest.approx(monthly_max("ethereum"), rel=1e-12)

    at.sidebar.date_input(key="days").set_value((date(2024, 12, 20), date(2024, 12, 22))).run()
    _no_errors(at)
    hours, high = _sql(
        small_demo,
        "select count(*), max(price) from fct_coin_stats_hourly where coin_id = 'ethereum' "
        "and hour_ts >= TIMESTAMP '2024-12-20' and hour_ts < TIMESTAMP '2024-12-23'",
    )[0]
    assert metric(at, "Hours with prices") == f"{hours:,}"
    assert metric(at, "High (USD)") == f"{high:,.2f}"
    price = trace(figures(at)[0], "Price")
    stamps = values(price["x"])
    assert len(stamps) == hours
    assert min(stamps).startswith("2024-12-20") and max(stamps).startswith("2024-12-22")

    at.toggle(key="monthly_every_coin").set_value(True).run()
    every = at.dataframe[0].value
    assert len(every) == _sql(small_demo, "select count(*) from agg_coin_stats_monthly")[0][0]
    assert at.get("download_button"), "the table can be downloaded"


def test_market_charts_have_their_axis_titles(
    small_demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    titles = axis_titles(figures(_app(monkeypatch, small_demo))[0])
    assert {"Price (USD)", "Market cap (USD)", "24 h volume (USD)", "Hour (UTC)"} <= set(titles)


def test_social_shows_the_days_post_volume(
    small_demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(monkeypatch, small_demo, "pages/social.py")
    _no_errors(at)
    at.sidebar.selectbox(key="coin").set_value("solana").run()
    at.radio(key="social_grain").set_value("day").run()
    _no_errors(at)
    chart = figures(at)[0]
    posts = trace(chart, "Posts")
    per_day = dict(zip((x[:10] for x in values(posts["x"])), values(posts["y"]), strict=True))
    # The warehouse's own count: posts mentioning the coin, by their UTC day.
    counted = dict(
        _sql(
            small_demo,
            "select strftime(p.created_at, '%Y-%m-%d') as day, count(*) from fct_post_coin pc "
            "join fct_posts p on p.post_key = pc.post_key where pc.coin_id = 'solana' "
            "group by day",
        )
    )
    assert per_day == {day: float(n) for day, n in counted.items()}
    assert metric(at, "Posts") == f"{sum(counted.values()):,}"

    # Per hour, the same posts: the day's hours add up to the day.
    at.radio(key="social_grain").set_value("hour").run()
    hourly = trace(figures(at)[0], "Posts")
    day = "2024-12-24"
    in_day = [
        y for x, y in zip(values(hourly["x"]), values(hourly["y"]), strict=True) if x[:10] == day
    ]
    assert len(in_day) == 24
    assert sum(in_day) == counted[day]

    # A narrower range shows only its days.
    at.sidebar.date_input(key="days").set_value((date(2024, 12, 24), date(2024, 12, 25))).run()
    at.radio(key="social_grain").set_value("day").run()
    shown = [x[:10] for x in values(trace(figures(at)[0], "Posts")["x"])]
    assert shown == ["2024-12-24", "2024-12-25"]


def test_social_marks_the_z_score_extremes_and_lists_the_hours_top_posts(
    small_demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(monkeypatch, small_demo, "pages/social.py")
    _no_errors(at)
    at.slider(key="z_threshold").set_value(2.5).run()
    marked = trace(figures(at)[1], "|z| ≥ 2.5")
    expected = _sql(
        small_demo,
        "select count(*) from mart_coin_social_hourly where coin_id = 'bitcoin' "
        "and abs(weighted_sentiment_zscore) >= 2.5",
    )[0][0]
    assert expected > 0
    assert len(values(marked["y"])) == expected
    assert all(abs(z) >= 2.5 for z in values(marked["y"]))

    picked = "bitcoin:2024-12-18:2024-12-31"  # the hour pickers follow the coin and days
    at.date_input(key=f"post_day:{picked}").set_value(date(2024, 12, 21))
    at.number_input(key=f"post_hour:{picked}").set_value(14).run()
    _no_errors(at)
    posts = at.dataframe[-1].value
    in_hour = _sql(
        small_demo,
        "select p.author, p.likes from fct_post_coin pc join fct_posts p "
        "on p.post_key = pc.post_key where pc.coin_id = 'bitcoin' "
        "and p.created_at >= TIMESTAMP '2024-12-21 14:00:00' "
        "and p.created_at < TIMESTAMP '2024-12-21 15:00:00' order by p.likes desc",
    )
    assert 0 < len(posts) <= 20
    assert list(posts["likes"]) == [likes for _, likes in in_hour[: len(posts)]]
    assert {"text", "author", "likes", "sentiment"} <= set(posts.columns)
    assert all(
        datetime(2024, 12, 21, 14) <= t < datetime(2024, 12, 21, 15) for t in posts["created_at"]
    )


def test_price_and_sentiment_shows_the_best_lag_and_ranks_the_coins(
    small_demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(monkeypatch, small_demo, "pages/price_sentiment.py")
    _no_errors(at)
    at.sidebar.selectbox(key="coin").set_value("cardano").run()
    # The warehouse's best lag: the significant lag with the largest |correlation|.
    lag, r = _sql(
        small_demo,
        "select lag_hours, correlation from mart_sentiment_price_leadlag "
        "where coin_id = 'cardano' and is_significant "
        "order by abs(correlation) desc limit 1",
    )[0]
    assert metric(at, "Best lag") == f"{lag:+d} h"
    assert metric(at, "Correlation at the best lag") == f"{r:+.3f}"
    twin, curve = figures(at)[:2]
    assert {"Price (USD)", "Weighted sentiment (posts × mean)"} <= set(axis_titles(twin))
    assert twin["layout"]["yaxis2"]["overlaying"] == "y"  # the second axis is the twin
    lags = values(trace(curve, "Correlation")["x"])
    assert lags == list(range(-24, 25))
    assert values(trace(curve, f"Best lag: {lag:+d} h")["x"]) == [lag]

    ranking = at.dataframe[0].value
    leads = _sql(
        small_demo,
        "select coin_id, max(abs(correlation)) as strength from mart_sentiment_price_leadlag "
        "where is_significant and lag_hours > 0 group by coin_id order by strength desc",
    )
    assert list(ranking["coin_id"][: len(leads)]) == [coin for coin, _ in leads]
    assert list(ranking["rank"]) == list(range(1, len(ranking) + 1))


def test_health_shows_the_runs_and_the_quarantines_causes(
    small_demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(monkeypatch, small_demo, "pages/health.py")
    _no_errors(at)
    lake = Lake(small_demo.lake_url)
    record = lake.read_json(layout.LAST_RUN)
    landed = sum(item["rows_landed"] for item in record["landings"])
    assert metric(at, "Rows landed") == f"{landed:,}"
    assert metric(at, "Checks passed") == f"{record['tests']['passed']}/{record['tests']['run']}"
    runs, freshness, causes = (frame.value for frame in at.dataframe)
    assert list(runs["run id"]) == [record["run_id"]]
    assert runs.loc[0, "transform s"] == record["stage_seconds"]["transform"]
    assert set(freshness["dataset"]) == {"coins", "coin_hourly", "posts"}
    assert str(freshness.loc[freshness["dataset"] == "posts", "last day"].iloc[0]) == "2024-12-31"
    quarantined = sum(
        pq.read_metadata(lake.path(rel)).num_rows for rel in lake.glob("quarantine/*/*/*/*.parquet")
    )
    assert causes["rows"].sum() == quarantined
    assert list(causes["rows"]) == sorted(causes["rows"], reverse=True)


# ---- read-only, cached, refreshed by a new run -------------------------------------------
def test_the_dashboards_connections_cannot_write(small_demo: Settings, tmp_path: Path) -> None:
    marts = locate(small_demo)
    assert marts.kind == WAREHOUSE
    with marts.reader() as reader, pytest.raises(Exception, match="read-only"):
        reader.rows("create table written_by_the_dashboard (x integer)")
    assert not _sql(
        small_demo, "select * from duckdb_tables() where table_name = 'written_by_the_dashboard'"
    )
    exported = locate(
        Settings(lake_url=small_demo.lake_url, warehouse_url=str(tmp_path / "none.duckdb"))
    )
    assert exported.kind == EXPORTED
    target = tmp_path / "copied.csv"
    with exported.reader() as reader, pytest.raises(Exception, match="disabled"):
        reader.rows(f"copy (select * from dim_coin) to '{target}'")
    assert not target.exists()


def test_a_locked_warehouse_falls_back_to_the_exported_marts(
    small_demo: Settings, tmp_path: Path
) -> None:
    """A writer holding the DuckDB file (a transform) does not stop the dashboard."""
    copy = _copy_demo(small_demo, tmp_path)
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(60)",
            str(copy.warehouse_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        marts = locate(copy)
        assert marts.kind == EXPORTED
        assert marts.note is not None and "locked" in marts.note
    finally:
        holder.kill()
        holder.wait()


def _copy_demo(demo: Settings, work: Path) -> Settings:
    shutil.copytree(Path(demo.lake_url), work / "lake")
    shutil.copyfile(demo.warehouse_path, work / "warehouse.duckdb")
    return Settings(lake_url=str(work / "lake"), warehouse_url=str(work / "warehouse.duckdb"))


def test_results_are_cached_until_a_new_run_lands(
    small_demo: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    copy = _copy_demo(small_demo, tmp_path)
    at = _app(monkeypatch, copy)
    before = at.dataframe[0].value.loc[0, "max_price"]
    # The warehouse changes (as a run would change it) but no run has landed yet.
    with duckdb.connect(str(copy.warehouse_path)) as con:
        con.execute(
            "update agg_coin_stats_monthly set max_price = max_price * 2 where coin_id = 'bitcoin'"
        )
    at.run()
    assert at.dataframe[0].value.loc[0, "max_price"] == before  # served from the cache
    # The run lands: its record replaces state/last_run.json.
    lake = Lake(copy.lake_url)
    record = lake.read_json(layout.LAST_RUN)
    record.update(run_id="20991231T000000Z-newrun", finished_at="2099-12-31T00:00:00+00:00")
    lake.write_json(layout.LAST_RUN, record)
    at.run()
    assert at.dataframe[0].value.loc[0, "max_price"] == pytest.approx(before * 2)
    assert "20991231T000000Z-newrun" in _sidebar_text(at)
