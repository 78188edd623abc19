"""``DemoSource``: the offline default source, deterministic for a given seed.

It yields the coin list, hourly market stats and tweet-like posts, with a known relation
planted between post tone and later returns (see ``ground_truth``) so the pipeline's
analysis has something real to find.

Like an API, it never returns the future: a day that has fully passed is generated whole
(its bytes do not depend on when it is fetched), the day containing "now" (the ``clock``,
read once per ``fetch``) is cut at now, and later days are empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from cryptopulse.core.batch import Batch
from cryptopulse.core.datasets import COIN_HOURLY, COINS, POSTS
from cryptopulse.core.errors import UserError
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import SettingsError
from cryptopulse.sources.base import Source
from cryptopulse.sources.demo.coins import DEMO_COINS, DemoCoin
from cryptopulse.sources.demo.market import DEMO_EPOCH, EPOCH_DAY, MarketModel
from cryptopulse.sources.demo.posts import (
    NEGATIVE_THRESHOLD,
    NO_MOOD,
    POSITIVE_THRESHOLD,
    Mood,
    posts_table,
)
from cryptopulse.sources.social import utcnow

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


def _as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _until(table: pa.Table, column: str, day: date, now: datetime) -> pa.Table:
    """``table`` (one day's records) without the rows stamped after ``now``.

    A day already over comes back untouched (the very same table, so its bytes never depend
    on the clock), a day not yet begun comes back empty, the day containing ``now`` cut at it.
    """
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if now >= start + timedelta(days=1):
        return table
    if now < start:
        return table.schema.empty_table()
    field = table.schema.field(column)
    return table.filter(pc.less_equal(table[column], pa.scalar(now, type=field.type)))


class DemoSource(Source):
    """Seeded synthetic coins, market stats and posts; implements ``Source``."""

    name = "demo"

    def __init__(
        self,
        seed: int = 42,
        lead_hours: int = 3,
        signal: float = 0.6,
        posts_per_day: int = 4400,
        bad_record_rate: float = 0.001,
        clock: Callable[[], datetime] = utcnow,
        return_persistence: float = 0.0,
        mood: Mood = NO_MOOD,
        coins: tuple[DemoCoin, ...] = DEMO_COINS,
    ) -> None:
        # The values come from CRYPTOPULSE_DEMO_*, whose bounds are looser than these: a
        # value refused here is the user's to fix (a SettingsError, one line in the CLI).
        if not _is_int(seed) or seed < 0:
            raise SettingsError(f"seed must be a non-negative integer, got {seed!r}")
        if not _is_int(lead_hours) or not 0 <= lead_hours <= MAX_LEAD_HOURS:
            raise SettingsError(
                f"lead_hours must be an integer in [0, {MAX_LEAD_HOURS}], got {lead_hours!r}"
            )
        if isinstance(signal, bool) or not isinstance(signal, int | float):
            raise SettingsError(f"signal must be a number in [-1, 1], got {signal!r}")
        if not -1.0 <= signal <= 1.0:
            raise SettingsError(f"signal must be in [-1, 1], got {signal!r}")
        if not _is_int(posts_per_day) or not 0 <= posts_per_day <= MAX_POSTS_PER_DAY:
            raise SettingsError(
                f"posts_per_day must be an integer in [0, {MAX_POSTS_PER_DAY}], "
                f"got {posts_per_day!r}"
            )
        if isinstance(bad_record_rate, bool) or not isinstance(bad_record_rate, int | float):
            raise SettingsError(
                f"bad_record_rate must be a number in [0, 1], got {bad_record_rate!r}"
            )
        if not 0.0 <= bad_record_rate <= 1.0:
            raise SettingsError(f"bad_record_rate must be in [0, 1], got {bad_record_rate!r}")
        self.seed = seed
        self.lead_hours = lead_hours
        self.signal = float(signal)
        self.posts_per_day = posts_per_day
        self.bad_record_rate = float(bad_record_rate)
        self.clock = clock  # "now" for fetch (tests pass their own)
        if not 0.0 <= return_persistence < 1.0:
            raise SettingsError(f"return_persistence must be in [0, 1), got {return_persistence!r}")
        if mood.strength < 0.0 or not 0.0 <= mood.persistence < 1.0:
            raise SettingsError(
                f"mood strength must be >= 0 and its persistence in [0, 1), got {mood!r}"
            )
        self.return_persistence = float(return_persistence)
        self.mood = mood
        self.market = MarketModel(seed, coins, return_persistence=self.return_persistence)

    def datasets(self) -> tuple[str, ...]:
        return ("coins", "coin_hourly", "posts")

    def fetch(self, interval: Interval) -> Iterator[Batch]:
        """The coin list (as of the interval's last day, or today if that is later), then
        each day's stats and posts, none of them dated after now (``clock``)."""
        if interval.start < EPOCH_DAY:
            raise UserError(
                f"the demo source starts at {EPOCH_DAY.isoformat()}; "
                f"interval {interval} begins before it"
            )
        now = _as_utc(self.clock())
        last = min(interval.end - timedelta(days=1), now.date())
        yield Batch("coins", max(last, interval.start), self.coins_table())
        for day in interval.days():
            if day > now.date():  # not begun: nothing to generate, as an API has nothing yet
                yield Batch("coin_hourly", day, COIN_HOURLY.schema.empty_table())
                yield Batch("posts", day, POSTS.schema.empty_table())
                continue
            hourly = self.market.day_table(day, self.bad_record_rate)
            yield Batch("coin_hourly", day, _until(hourly, "ts", day, now))
            yield Batch("posts", day, _until(self.posts(day), "created_at", day, now))

    def coins_table(self) -> pa.Table:
        return pa.table(
            {
                "coin_id": [c.coin_id for c in self.market.coins],
                "symbol": [c.symbol for c in self.market.coins],
                "name": [c.name for c in self.market.coins],
            },
            schema=COINS.schema,
        )

    def posts(self, day: date) -> pa.Table:
        """One whole day of posts (POSTS schema), whatever the clock: ``fetch`` cuts at now."""
        return posts_table(
            day,
            self.market,
            seed=self.seed,
            lead_hours=self.lead_hours,
            signal=self.signal,
            posts_per_day=self.posts_per_day,
            bad_record_rate=self.bad_record_rate,
            mood=self.mood,
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
            # the hard cases of lead-lag statistics (no relation, but dependence): off = 0
            "return_persistence": self.return_persistence,
            "mood": {
                "strength": self.mood.strength,
                "persistence": self.mood.persistence,
                "follows_volatility": self.mood.follows_volatility,
            },
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
            "coins": [c.to_dict() for c in self.market.coins],
        }
