"""False leads: how often the lead-lag mart flags a coin when nothing is planted.

    .venv/bin/python benchmarks/leadlag_false_positives.py [--seeds 20] [--days 365]
        [--granger-seeds 2] [--planted-seeds 3]

For each case, each seed and each of the demo's 30 coins, a coin-``--days`` of hourly data
from the demo generator (sources/demo: ``MarketModel`` for the returns, ``draw_tones`` for
the posts' tones, exactly as the demo draws them; the hour's sentiment is the mean tone of
its posts, -1/0/+1, instead of VADER's score of the text, which would cost minutes per
seed), then the mart's statistics in numpy (warehouse/leadlag_stats.py, the formulas of
mart_sentiment_price_leadlag; tests/warehouse/test_leadlag_statistics.py checks they
equal the SQL's):

* ``before``: a coin is flagged when any lag's i.i.d. Fisher z, atanh(r) sqrt(n - 3), passes
  the Bonferroni cut (|z| > 3.71 over 49 lags, family-wise 1 %): the old mart;
* ``after``: the same with the Newey-West z, r / se_HAC: the mart now.

Cases (no planted signal): ``independent`` (the demo's default returns and tones),
``shared volatility`` (an hourly mood whose spread follows the coin's return variance:
volatile hours bring more extreme posts; CRYPTOPULSE_DEMO_MOOD=0.5,
CRYPTOPULSE_DEMO_MOOD_FOLLOWS_VOLATILITY=true) and ``persistent`` (AR(1) 0.5 returns and a
mood that persists hour to hour; CRYPTOPULSE_DEMO_RETURN_PERSISTENCE=0.5,
CRYPTOPULSE_DEMO_MOOD=1, CRYPTOPULSE_DEMO_MOOD_PERSISTENCE=0.9). Then with the planted
signal (lead 3 h, strength 0.6) on each case: the share of coins whose best lag is the
planted one, and the Granger tests (mart_sentiment_granger's) in both directions.
"""

from __future__ import annotations

import argparse
import platform
import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from cryptopulse.sources.demo.market import EPOCH_DAY, MarketModel
from cryptopulse.sources.demo.posts import POSTS_STREAM, Mood, draw_tones
from cryptopulse.warehouse.leadlag_stats import (
    best_lag,
    granger_rejects,
    granger_tests,
    lagged_correlations,
    sentiment_change,
)

POSTS_PER_DAY = 4400
LEAD_HOURS = 3


@dataclass(frozen=True)
class Case:
    name: str
    return_persistence: float
    mood: Mood


CASES = (
    Case("independent", 0.0, Mood()),
    Case("shared volatility", 0.0, Mood(strength=0.5, follows_volatility=True)),
    Case("persistent", 0.5, Mood(strength=1.0, persistence=0.9)),
)


def hourly_series(case: Case, seed: int, days: int, signal: float) -> tuple[np.ndarray, np.ndarray]:
    """(mean tone, log return), each (n_coins, days * 24), as the demo would land them."""
    market = MarketModel(seed, return_persistence=case.return_persistence)
    n_coins = market.n_coins
    total = np.zeros((n_coins, days * 24))
    count = np.zeros((n_coins, days * 24))
    for offset in range(days):
        day = EPOCH_DAY + timedelta(days=offset)
        rng = np.random.default_rng([seed, POSTS_STREAM, day.toordinal()])
        tones = draw_tones(
            rng,
            day,
            market,
            seed=seed,
            lead_hours=LEAD_HOURS,
            signal=signal,
            posts_per_day=POSTS_PER_DAY,
            mood=case.mood,
        )
        cell = tones.coin * (days * 24) + offset * 24 + tones.hour
        np.add.at(total.reshape(-1), cell, tones.tone - 1.0)
        np.add.at(count.reshape(-1), cell, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sentiment = np.where(count > 0, total / np.maximum(count, 1.0), np.nan)
    returns = np.array(market.window(EPOCH_DAY, days * 24).log_return)
    returns[:, 0] = np.nan  # the first hour has no previous price in the warehouse
    return sentiment, returns


def run_case(
    case: Case, seeds: range, days: int, signal: float, granger_seeds: int
) -> dict[str, float]:
    flagged_iid = flagged_hac = planted_found = coins = 0
    granger_forward = granger_backward = granger_coins = 0
    for seed in seeds:
        sentiment, returns = hourly_series(case, seed, days, signal)
        for c in range(sentiment.shape[0]):
            stats = lagged_correlations(sentiment_change(sentiment[c]), returns[c])
            coins += 1
            hac, iid = best_lag(stats), best_lag(stats, iid=True)
            flagged_hac += hac is not None
            flagged_iid += iid is not None
            planted_found += hac == LEAD_HOURS
            if seed - seeds.start < granger_seeds:
                granger_coins += 1
                granger_forward += granger_rejects(granger_tests(returns[c], sentiment[c]))
                granger_backward += granger_rejects(granger_tests(sentiment[c], returns[c]))
    return {
        "coins": coins,
        "before": flagged_iid / coins,
        "after": flagged_hac / coins,
        "planted": planted_found / coins,
        "granger_coins": granger_coins,
        "granger_forward": granger_forward / granger_coins if granger_coins else float("nan"),
        "granger_backward": granger_backward / granger_coins if granger_coins else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--granger-seeds", type=int, default=2)
    parser.add_argument("--planted-seeds", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    print(
        f"{args.days} days of hourly data per coin, 30 coins, Bonferroni over 49 lags "
        f"(family-wise 1 %); {platform.machine()}, Python {platform.python_version()}"
    )
    print("\nNo planted signal: share of coins with a significant best lag")
    print(
        "| case | coins | before (i.i.d. Fisher z) | after (Newey-West) "
        "| Granger sentiment→return | Granger return→sentiment |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for case in CASES:
        row = run_case(case, range(args.seeds), args.days, 0.0, args.granger_seeds)
        print(
            f"| {case.name} | {row['coins']} | {row['before']:.1%} | {row['after']:.1%} "
            f"| {row['granger_forward']:.1%} | {row['granger_backward']:.1%} "
            f"({row['granger_coins']} coins) |"
        )
    print(f"\nPlanted signal (lead {LEAD_HOURS} h, strength 0.6)")
    print(
        "| case | coins | best lag = planted (Newey-West) "
        "| Granger sentiment→return rejects | Granger return→sentiment rejects |"
    )
    print("|---|---:|---:|---:|---:|")
    seeds = range(1000, 1000 + args.planted_seeds)
    for case in CASES:
        row = run_case(case, seeds, args.days, 0.6, args.planted_seeds)
        print(
            f"| {case.name} | {row['coins']} | {row['planted']:.1%} "
            f"| {row['granger_forward']:.1%} | {row['granger_backward']:.1%} |"
        )
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
