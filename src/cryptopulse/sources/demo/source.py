"""``DemoSource``: the offline default source, deterministic for a given seed.

It yields the coin list, hourly market stats and tweet-like posts, with a known relation
planted between post tone and later returns (see ``ground_truth``) so the pipeline's
analysis has something real to find.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pyarrow as pa

from cryptopulse.lake.schemas import COINS
from cryptopulse.sources.base import Batch, Interval
from cryptopulse.sources.demo.coins import DEMO_COINS
from cryptopulse.sources.demo.market import DEMO_EPOCH, EPOCH_DAY, MarketModel
from cryptopulse.sources.demo.posts import (
    NEGATIVE_THRESHOLD,
    POSITIVE_THRESHOLD,
    posts_table,
)

GENERATOR = "cryptopulse.sources.demo"
GENERATOR_VERSION = "1.0"
MAX_LEAD_HOURS = 24
MAX_POSTS_PER_DAY = 1_000_000  # the snowflake ids leave 22 bits for a day's row number

# Named extraction intervals for the demo.
SCALES: dict[str, Interval] = {
    "small": Interval(date(2024, 12, 18), date(2025, 1, 1)),
    "seed": Interval(date(2024, 1, 1), date(2025, 1, 1)),
}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class DemoSource:
    """Seeded synthetic coins, market stats and posts; implements ``Source``."""

    name = "demo"

    def __init__(
        self,
        seed: int = 42,
        lead_hours: int = 3,
        signal: float = 0.6,
        posts_per_day: int = 4400,
        bad_record_rate: float = 0.001,
    ) -> None:
        if not _is_int(seed) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if not _is_int(lead_hours) or not 0 <= lead_hours <= MAX_LEAD_HOURS:
            raise ValueError(
                f"lead_hours must be an integer in [0, {MAX_LEAD_HOURS}], got {lead_hours!r}"
            )
        if isinstance(signal, bool) or not isinstance(signal, int | float):
            raise ValueError(f"signal must be a number in [-1, 1], got {signal!r}")
        if not -1.0 <= signal <= 1.0:
            raise ValueError(f"signal must be in [-1, 1], got {signal!r}")
        if not _is_int(posts_per_day) or not 0 <= posts_per_day <= MAX_POSTS_PER_DAY:
            raise ValueError(
                f"posts_per_day must be an integer in [0, {MAX_POSTS_PER_DAY}], "
                f"got {posts_per_day!r}"
            )
        if isinstance(bad_record_rate, bool) or not isinstance(bad_record_rate, int | float):
            raise ValueError(f"bad_record_rate must be a number in [0, 1], got {bad_record_rate!r}")
        if not 0.0 <= bad_record_rate <= 1.0:
            raise ValueError(f"bad_record_rate must be in [0, 1], got {bad_record_rate!r}")
        self.seed = seed
        self.lead_hours = lead_hours
        self.signal = float(signal)
        self.posts_per_day = posts_per_day
        self.bad_record_rate = float(bad_record_rate)
        self.market = MarketModel(seed)

    def datasets(self) -> tuple[str, ...]:
        return ("coins", "coin_hourly", "posts")

    def fetch(self, interval: Interval) -> Iterator[Batch]:
        """The coin list (as of the interval's last day), then each day's stats and posts."""
        if interval.start < EPOCH_DAY:
            raise ValueError(
                f"the demo source starts at {EPOCH_DAY.isoformat()}; "
                f"interval {interval} begins before it"
            )
        yield Batch("coins", interval.end - timedelta(days=1), self.coins_table())
        for day in interval.days():
            yield Batch("coin_hourly", day, self.market.day_table(day, self.bad_record_rate))
            yield Batch("posts", day, self.posts(day))

    def coins_table(self) -> pa.Table:
        return pa.table(
            {
                "coin_id": [c.coin_id for c in DEMO_COINS],
                "symbol": [c.symbol for c in DEMO_COINS],
                "name": [c.name for c in DEMO_COINS],
            },
            schema=COINS.schema,
        )

    def posts(self, day: date) -> pa.Table:
        """One day of posts (POSTS schema)."""
        return posts_table(
            day,
            self.market,
            seed=self.seed,
            lead_hours=self.lead_hours,
            signal=self.signal,
            posts_per_day=self.posts_per_day,
            bad_record_rate=self.bad_record_rate,
        )

    def ground_truth(self) -> dict[str, Any]:
        """What was planted, JSON-serialisable, for checking what the pipeline finds."""
        return {
            "generator": GENERATOR,
            "version": GENERATOR_VERSION,
            "seed": self.seed,
            "epoch": DEMO_EPOCH.isoformat(),
            "lead_hours": self.lead_hours,
            "signal": self.signal,
            "posts_per_day": self.posts_per_day,
            "bad_record_rate": self.bad_record_rate,
            "relation": (
                "Sentiment leads returns by lead_hours hours. For a post collected for coin c "
                "(collected_for) created in UTC hour h, latent = signal * z + "
                "sqrt(1 - signal^2) * noise, where z is the standardised shock of c's hourly "
                "log-return log(price[h + lead_hours] / price[h + lead_hours - 1]) and noise "
                "is standard normal; the post is positive if latent > "
                f"{POSITIVE_THRESHOLD}, negative if latent < {NEGATIVE_THRESHOLD}, neutral "
                "otherwise. Retweets copy an earlier post's text (and its coin). With "
                "signal = 0 tone is unrelated to returns."
            ),
            "tone_thresholds": {"positive": POSITIVE_THRESHOLD, "negative": NEGATIVE_THRESHOLD},
            "coins": [c.to_dict() for c in DEMO_COINS],
        }
