"""The lead-lag statistics (warehouse/leadlag_stats.py, the formulas of the SQL marts) on
series whose answer is known: i.i.d. data, shared volatility, persistence, a planted lead."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from cryptopulse.warehouse.granger import granger_table
from cryptopulse.warehouse.leadlag_stats import (
    GRANGER_ORDERS,
    GRANGER_REPLICATES,
    best_lag,
    bootstrap_multipliers,
    granger_rejects,
    granger_tests,
    lag_stat,
    lagged_correlations,
    newey_west_bandwidth,
    sentiment_change,
)


def test_sentiment_change_is_the_hour_minus_the_previous_24_hours_mean() -> None:
    s = np.array([1.0, np.nan, 3.0] + [0.0] * 30)
    x = sentiment_change(s)
    assert math.isnan(x[0])  # nothing before it
    assert math.isnan(x[1])  # no sentiment in the hour
    assert x[2] == pytest.approx(3.0 - 1.0)  # the hour before without a value is skipped
    assert x[26] == pytest.approx(0.0 - 3.0 / 24)  # hour 1 (nan) and hour 2 (3.0) in 24 back
    assert x[27] == pytest.approx(0.0)  # hour 2 has left the window


def test_bandwidth_follows_the_newey_west_rule() -> None:
    assert newey_west_bandwidth(336) == 5  # two weeks of hours
    assert newey_west_bandwidth(8760) == 10  # a year
    assert newey_west_bandwidth(10**9) == 12  # capped


def _long_run_variance(x: np.ndarray, y: np.ndarray, k: int = 0) -> float:
    stat = lag_stat(x, y, k)
    assert stat.hac_se is not None
    return (stat.hac_se * math.sqrt(stat.n_observations)) ** 2


def test_independent_series_give_the_iid_variance() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(20_000), rng.standard_normal(20_000)
    assert _long_run_variance(x, y) == pytest.approx(1.0, abs=0.1)
    stat = lag_stat(x, y, 0)
    assert stat.z_score == pytest.approx(stat.iid_z_score, abs=0.2)


def _clustered_volatility(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.exp(_ar1(0.99, 0.1 * rng.standard_normal(n)))


def _ar1(phi: float, shocks: np.ndarray) -> np.ndarray:
    """z_t = phi z_(t-1) + shock_t."""
    from scipy.signal import lfilter

    return np.asarray(lfilter([1.0], [1.0, -phi], shocks))


def test_shared_volatility_inflates_the_variance_the_iid_error_ignores() -> None:
    # Sentiment dispersion and return volatility rise and fall together: the products are
    # heteroskedastic, var(r) is E[v^4] / E[v^2]^2 / n, not 1 / n.
    rng = np.random.default_rng(2)
    n = 20_000
    vol = _clustered_volatility(rng, n)
    x, y = vol * rng.standard_normal(n), vol * rng.standard_normal(n)
    expected = np.mean(vol**4) / np.mean(vol**2) ** 2
    assert expected > 1.5
    assert _long_run_variance(x, y) == pytest.approx(expected, rel=0.25)


def test_persistent_series_inflate_the_variance_as_bartlett_says() -> None:
    # Two independent AR(1) series: var(r) = (1 + phi_x phi_y) / (1 - phi_x phi_y) / n.
    rng = np.random.default_rng(3)
    n, phi_x, phi_y = 40_000, 0.8, 0.5
    x, y = _ar1(phi_x, rng.standard_normal(n)), _ar1(phi_y, rng.standard_normal(n))
    product = phi_x * phi_y
    expected = (1 + product) / (1 - product)
    assert _long_run_variance(x, y) == pytest.approx(expected, rel=0.2)


def test_a_planted_lead_is_the_best_lag_and_nothing_is_found_without_one() -> None:
    rng = np.random.default_rng(4)
    n = 2_000
    news = rng.standard_normal(n + 3)
    y = news[:n] * 0.01  # returns
    x = 0.6 * news[3:] + 0.8 * rng.standard_normal(n)  # x_t moves with y_(t+3): a 3 h lead
    assert best_lag(lagged_correlations(x, y)) == 3
    assert best_lag(lagged_correlations(rng.standard_normal(n), y)) is None


def test_granger_rejects_in_the_planted_direction_only() -> None:
    rng = np.random.default_rng(5)
    n = 1_500
    sentiment = rng.standard_normal(n)
    returns = np.zeros(n)
    returns[3:] = 0.4 * sentiment[:-3]
    returns += rng.standard_normal(n)
    returns[10] = np.nan  # a missing hour drops the rows that need it
    forward = granger_tests(returns, sentiment, orders=(1, 3, 6))
    backward = granger_tests(sentiment, returns, orders=(1, 3, 6))
    assert granger_rejects(forward) and not granger_rejects(backward)
    by_order = {t.lag_order: t for t in forward}
    assert by_order[1].p_value is not None and by_order[1].p_value > 0.01  # lag 3 unseen
    # no replicate of the bootstrap reaches the statistic: the smallest p-value it gives
    assert by_order[3].p_value == pytest.approx(1 / (GRANGER_REPLICATES + 1))
    assert by_order[3].lm_statistic is not None and by_order[3].lm_statistic > 100
    assert by_order[3].n_observations == n - 3 - 4  # the first 3 hours and the gap's 4 rows


def _shared_volatility_hours(rng: np.random.Generator, n: int, lead: float) -> tuple:
    """(sentiment, returns): returns with Student-t(4) shocks and a daily volatility regime;
    sentiment's dispersion follows the squared volatility (the hard case that made a
    Newey-West Wald test reject 5-10 % at the long orders); with ``lead`` > 0 sentiment
    carries the news of 3 hours later."""
    days = n // 24 + 1
    regime = np.repeat(_ar1(0.92, 0.2 * rng.standard_normal(days)), 24)[:n]
    vol = np.exp(regime - regime.var())
    shocks = rng.standard_t(4, n + 3) / np.sqrt(2.0)
    returns = 0.01 * vol * shocks[:n]
    mood = 0.5 * vol**2 * rng.standard_normal(n)
    sentiment = lead * shocks[3:] + np.sqrt(1.0 - lead**2) * rng.standard_normal(n) + mood
    return sentiment, returns


def test_granger_rejects_no_causality_at_about_the_nominal_rate_when_there_is_none() -> None:
    # 400 coin-sized series without any causality: at family-wise 1 % about 4 rejections
    # per direction are expected (more than 10 has probability 0.001); an oversized test at
    # 5 % would give about 20.
    rng = np.random.default_rng(8)
    trials, orders = 400, (1, 6, 12)
    rejected = {"forward": 0, "backward": 0}
    at_five = 0
    multipliers = bootstrap_multipliers(720)  # the same for every series of 720 hours
    for _ in range(trials):
        sentiment, returns = _shared_volatility_hours(rng, 720, lead=0.0)
        forward = granger_tests(returns, sentiment, orders, multipliers)
        backward = granger_tests(sentiment, returns, orders, multipliers)
        rejected["forward"] += granger_rejects(forward)
        rejected["backward"] += granger_rejects(backward)
        at_five += sum(t.p_value is not None and t.p_value < 0.05 for t in forward)
    assert rejected["forward"] <= 10 and rejected["backward"] <= 10, rejected
    assert 0.03 <= at_five / (trials * len(orders)) <= 0.07  # p-values uniform, not just small


def test_granger_finds_a_planted_lead_in_every_series() -> None:
    rng = np.random.default_rng(9)
    for _ in range(20):
        sentiment, returns = _shared_volatility_hours(rng, 720, lead=0.6)
        assert granger_rejects(granger_tests(returns, sentiment, orders=(1, 6, 12)))


def test_granger_needs_enough_hours_per_parameter() -> None:
    rng = np.random.default_rng(6)
    short = granger_tests(rng.standard_normal(300), rng.standard_normal(300), orders=(24,))
    assert short[0].p_value is None and short[0].lm_statistic is None


def test_the_granger_mart_has_rows_per_coin_direction_and_order() -> None:
    rng = np.random.default_rng(7)
    n = 600
    sentiment = rng.standard_normal(n)
    led = np.r_[0.0, 0.0, 0.8 * sentiment[:-2]] + rng.standard_normal(n)  # 2 h after sentiment
    hourly = pa.table(
        {
            "coin_key": ["k1"] * n + ["k2"] * n,
            "coin_id": ["a"] * n + ["b"] * n,
            "mean_sentiment": np.concatenate([sentiment, rng.standard_normal(n)]),
            "hourly_return": np.concatenate([led, rng.standard_normal(n)]),
        }
    )
    table = granger_table(hourly)
    assert table.num_rows == 2 * 2 * len(GRANGER_ORDERS)
    rejected = {
        (row["coin_id"], row["direction"])
        for row in table.to_pylist()
        if row["direction_is_significant"]
    }
    assert rejected == {("a", "sentiment_to_return")}
    assert granger_table(hourly).equals(table)  # fixed multipliers: the same mart every run
    assert granger_table(hourly.slice(0, 0)).num_rows == 0  # an empty warehouse


def test_a_coin_with_fewer_hours_than_the_longest_order_gets_no_test_not_an_error() -> None:
    from cryptopulse.warehouse.leadlag_stats import GRANGER_ORDERS, granger_tests

    short = np.linspace(-1.0, 1.0, 22)  # fewer hours than the order-24 test shifts
    tests = granger_tests(short, short[::-1].copy())
    assert [t.lag_order for t in tests] == list(GRANGER_ORDERS)
    assert all(t.p_value is None for t in tests)  # too few hours for any test
