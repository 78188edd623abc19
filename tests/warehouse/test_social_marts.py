"""The analysis marts on demo data: the lead-lag mart finds the planted lead, and only it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout
from cryptopulse.orchestrate import pipeline
from cryptopulse.serve.export import read_mart
from cryptopulse.sources.demo import SCALES
from cryptopulse.warehouse.leadlag_stats import lagged_correlations, sentiment_change

pytestmark = pytest.mark.slow

BIG_COINS = ("bitcoin", "ethereum", "solana", "ripple", "dogecoin", "cardano")


def _demo(work: Path, signal: float = 0.6) -> Settings:
    config = Settings(
        lake_url=str(work / "lake"),
        warehouse_url=str(work / "warehouse.duckdb"),
        demo_signal=signal,
    )
    pipeline.run(config, SCALES["small"], command="demo")
    return config


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _demo(tmp_path_factory.mktemp("planted"))  # the default: lead 3 h, signal 0.6


@pytest.fixture(scope="module")
def unplanted(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _demo(tmp_path_factory.mktemp("unplanted"), signal=0.0)


def _best_lags(settings: Settings) -> dict[str, int | None]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "select distinct coin_id, best_lag_hours from mart_sentiment_price_leadlag"
        ).fetchall()
    return {coin: lag for coin, lag in rows}


def test_leadlag_recovers_the_planted_lead(planted: Settings) -> None:
    truth = Lake(planted.lake_url).read_json("raw/demo/ground_truth.json")
    best = _best_lags(planted)
    assert len(best) == 30
    for coin in BIG_COINS:
        assert best[coin] == truth["lead_hours"] == 3, coin
    found = sum(1 for lag in best.values() if lag == truth["lead_hours"])
    assert found >= 27, best  # nearly every coin, even those with few posts
    assert all(lag in (None, 3) for lag in best.values()), best


def test_leadlag_finds_nothing_when_nothing_is_planted(unplanted: Settings) -> None:
    best = _best_lags(unplanted)
    assert len(best) == 30
    assert sum(1 for lag in best.values() if lag is not None) <= 1, best


def test_leadlag_rows_have_intervals_around_the_correlation(planted: Settings) -> None:
    with duckdb.connect(str(planted.warehouse_path), read_only=True) as con:
        rows = con.execute(
            """select lag_hours, n_observations, correlation, ci_low, ci_high
               from mart_sentiment_price_leadlag where coin_id = 'bitcoin' order by lag_hours"""
        ).fetchall()
    assert [r[0] for r in rows] == list(range(-24, 25))
    for _, n, r, low, high in rows:
        assert n > 250 and low < r < high
    lag3 = rows[24 + 3]
    assert lag3[3] > 0.5  # the planted lead is strong and its interval excludes zero


def test_social_mart_counts_mentions_and_shares(planted: Settings) -> None:
    with duckdb.connect(str(planted.warehouse_path), read_only=True) as con:
        volume, mentions = con.execute(
            """select (select sum(social_volume) from mart_coin_social_hourly),
                      (select count(*) from fct_post_coin)"""
        ).fetchall()[0]
        assert volume == mentions
        dominance = con.execute(
            """select min(s), max(s) from (select date_key, sum(social_dominance) s
               from mart_coin_social_hourly group by date_key)"""
        ).fetchall()[0]
        assert dominance == pytest.approx((1.0, 1.0))
        hours = con.execute(
            "select count(*) from mart_coin_social_hourly where coin_id = 'bitcoin'"
        ).fetchall()[0][0]
        assert hours == 14 * 24
        z = con.execute(
            """select count(weighted_sentiment_zscore), count(hourly_return)
               from mart_coin_social_hourly where coin_id = 'bitcoin'"""
        ).fetchall()[0]
        # z-scores from the 25th hour on; returns wherever this and the previous price exist
        # (a few prices are quarantined by design)
        assert z[0] >= 14 * 24 - 25 and 14 * 24 - 12 < z[1] < 14 * 24
    lake = Lake(planted.lake_url)
    assert lake.exists(layout.mart_file("mart_sentiment_price_leadlag"))
    assert read_mart(lake, "mart_coin_social_hourly").num_rows > 0


def _hourly_series(con: duckdb.DuckDBPyConnection, coin: str) -> tuple[np.ndarray, np.ndarray]:
    rows = con.execute(
        """select mean_sentiment, hourly_return from mart_coin_social_hourly
           where coin_id = ? order by hour_ts""",
        [coin],
    ).fetchall()
    as_float = np.array([[np.nan if v is None else v for v in row] for row in rows], float)
    return as_float[:, 0], as_float[:, 1]


def test_leadlag_sql_agrees_with_the_numpy_formulas(planted: Settings) -> None:
    # The mart's Newey-West standard errors, z-scores and bandwidths are the documented
    # formulas (warehouse/leadlag_stats.py, which the false-positive benchmark uses).
    with duckdb.connect(str(planted.warehouse_path), read_only=True) as con:
        for coin in ("bitcoin", "harmony", "tether"):  # many posts, few, a stablecoin
            sentiment, returns = _hourly_series(con, coin)
            expected = {
                s.lag_hours: s for s in lagged_correlations(sentiment_change(sentiment), returns)
            }
            rows = con.execute(
                """select lag_hours, n_observations, correlation, hac_se, hac_lags, z_score,
                          iid_z_score, is_significant
                   from mart_sentiment_price_leadlag where coin_id = ? order by lag_hours""",
                [coin],
            ).fetchall()
            assert len(rows) == 49
            for lag, n, r, se, bandwidth, z, iid_z, significant in rows:
                want = expected[lag]
                assert (n, bandwidth) == (want.n_observations, want.hac_lags), (coin, lag)
                assert r == pytest.approx(want.correlation, rel=1e-6), (coin, lag)
                assert se == pytest.approx(want.hac_se, rel=1e-6), (coin, lag)
                assert z == pytest.approx(want.z_score, rel=1e-6), (coin, lag)
                assert iid_z == pytest.approx(want.iid_z_score, rel=1e-6), (coin, lag)
                assert significant == want.is_significant, (coin, lag)


def _granger(settings: Settings) -> dict[str, set[str]]:
    """direction -> the coins where "no causality" is rejected."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            """select distinct direction, coin_id, direction_is_significant
               from mart_sentiment_granger"""
        ).fetchall()
    found: dict[str, set[str]] = {"sentiment_to_return": set(), "return_to_sentiment": set()}
    for direction, coin, rejected in rows:
        if rejected:
            found[direction].add(coin)
    assert len({coin for _, coin, _ in rows}) == 30
    return found


def test_granger_rejects_in_the_planted_direction_only(planted: Settings) -> None:
    found = _granger(planted)
    assert set(BIG_COINS) <= found["sentiment_to_return"]
    assert len(found["sentiment_to_return"]) >= 27, found
    assert len(found["return_to_sentiment"]) <= 1, found
    lake = Lake(planted.lake_url)
    assert read_mart(lake, "mart_sentiment_granger").num_rows == 30 * 2 * 6


def test_granger_finds_nothing_when_nothing_is_planted(unplanted: Settings) -> None:
    found = _granger(unplanted)
    assert len(found["sentiment_to_return"]) <= 1 and len(found["return_to_sentiment"]) <= 1
