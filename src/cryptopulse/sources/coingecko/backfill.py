"""Resumable CoinGecko backfills: land history window by window, then advance the watermark.

Per coin, the days of the interval not yet in the coin's watermark (all of them with
``refresh``) are split into windows of at most 90 days. Each window is fetched, its day
files are written, and only then is the window added to the watermark. After a crash, a
Ctrl-C or a ``kill -9``, running the same command again skips the finished windows; a window
that was cut short is fetched again and its files are overwritten (they are deterministic
per day and coin), so no row is ever duplicated. An already landed range costs one or two
calls (the coin list), nothing more.

Why this lands windows itself, through ``lake.land.land_batch``, rather than handing the
source to ``lake.land.land``: ``land`` writes batches on worker threads and the source has
no way to know when a window's files are on disk, yet the watermark must not advance before
they are. Here the order is explicit: write the window's files (on a small thread pool,
waiting for all of them), then record the window. Calls are rate-limited to seconds apart,
so landing a window's few dozen small files is never the bottleneck.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from cryptopulse.core.batch import Batch
from cryptopulse.core.interval import Interval
from cryptopulse.lake import Lake
from cryptopulse.lake.land import Landing, land_batch
from cryptopulse.sources.coingecko.history import Window
from cryptopulse.sources.coingecko.source import Coin, CoinGeckoSource, skip_reason
from cryptopulse.sources.coingecko.watermark import Watermarks, complete_until
from cryptopulse.sources.http import (
    NotFoundError,
    PlanLimitError,
    RateLimitedError,
    UnavailableError,
)

# After this many coins in a row fail for transient reasons, stop: CoinGecko is down for us.
MAX_CONSECUTIVE_FAILURES = 3


@dataclass
class CoinOutcome:
    """What the backfill did for one coin."""

    coin_id: str
    status: str = "pending"  # landed | up to date | skipped | failed
    reason: str | None = None
    windows_total: int = 0  # windows this run had to fetch
    windows_done: int = 0
    days_already_landed: int = 0  # days of the interval the watermark already had
    rows_landed: int = 0
    rows_quarantined: int = 0
    empty_windows: int = 0


class BackfillListener:
    """Progress hooks (no-ops here); the CLI draws its progress bars from them."""

    def coins_resolved(self, coins: Sequence[Coin], windows_total: int) -> None:
        return None

    def coin_started(self, outcome: CoinOutcome, index: int, total: int) -> None:
        return None

    def window_done(self, outcome: CoinOutcome, window: Window) -> None:
        return None

    def batch_landed(self, batch: Batch) -> None:
        return None

    def coin_finished(self, outcome: CoinOutcome) -> None:
        return None


@dataclass
class BackfillReport:
    """Everything a backfill did, for the summary and the run record."""

    interval: str
    refresh: bool
    coins: list[CoinOutcome] = field(default_factory=list)
    landings: dict[str, Landing] = field(default_factory=dict)
    calls: dict[str, Any] = field(default_factory=dict)
    points: dict[str, Any] = field(default_factory=dict)

    @property
    def skipped(self) -> list[CoinOutcome]:
        return [c for c in self.coins if c.status == "skipped"]

    @property
    def failed(self) -> list[CoinOutcome]:
        return [c for c in self.coins if c.status == "failed"]

    @property
    def rows_landed(self) -> int:
        return sum(c.rows_landed for c in self.coins)

    def add(self, landing: Landing) -> None:
        total = self.landings.setdefault(landing.dataset, Landing(landing.source, landing.dataset))
        total.rows_in += landing.rows_in
        total.rows_landed += landing.rows_landed
        total.rows_quarantined += landing.rows_quarantined
        total.files += landing.files
        total.reasons.update(landing.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "interval": self.interval,
            "refresh": self.refresh,
            "coins": [asdict(c) for c in self.coins],
            "calls": self.calls,
            "points": self.points,
            "windows_fetched": sum(c.windows_done for c in self.coins),
            "rows_landed": self.rows_landed,
            "rows_quarantined": sum(c.rows_quarantined for c in self.coins),
        }


def backfill(
    lake: Lake,
    source: CoinGeckoSource,
    interval: Interval,
    *,
    refresh: bool = False,
    listener: BackfillListener | None = None,
    workers: int = 2,
) -> BackfillReport:
    """Land ``interval`` of every selected coin, skipping windows already landed (unless
    ``refresh``), advancing each coin's watermark window by window."""
    listener = listener or BackfillListener()
    now = source.clock()
    marks = Watermarks(lake, source.name)
    report = BackfillReport(interval=str(interval), refresh=refresh)

    coins = source.resolve_coins()
    report.add(land_batch(lake, source.name, source.coins_batch(coins, interval), now))
    today_end = now.date() + timedelta(days=1)
    days_in_reach = max(0, (min(interval.end, today_end) - interval.start).days)
    plans = []
    for coin in coins:
        windows = source.plan(interval, [] if refresh else marks.landed(coin.id))
        already = days_in_reach - sum(w.days for w in windows)
        plans.append((coin, windows, already))
    listener.coins_resolved(coins, sum(len(w) for _, w, _ in plans))

    complete = complete_until(now)
    failures_in_a_row = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="land") as pool:

        def land_all(batches: list[Batch]) -> list[Landing]:
            return list(pool.map(lambda b: land_batch(lake, source.name, b, now), batches))

        for index, (coin, windows, already) in enumerate(plans):
            outcome = CoinOutcome(coin.id, windows_total=len(windows), days_already_landed=already)
            report.coins.append(outcome)
            if failures_in_a_row >= MAX_CONSECUTIVE_FAILURES:
                outcome.status = "failed"
                outcome.reason = "not attempted: CoinGecko kept failing for the coins before it"
                continue
            listener.coin_started(outcome, index, len(plans))
            try:
                for window in windows:
                    result = source.fetch_window(coin.id, window)
                    for landing, batch in zip(
                        land_all(result.batches), result.batches, strict=True
                    ):
                        listener.batch_landed(batch)
                        report.add(landing)
                        outcome.rows_landed += landing.rows_landed
                        outcome.rows_quarantined += landing.rows_quarantined
                    # Only now, with every file of the window written, move the watermark.
                    marks.record(coin.id, window.start, min(window.end, complete))
                    outcome.windows_done += 1
                    outcome.empty_windows += int(result.empty)
                    listener.window_done(outcome, window)
                outcome.status = "landed" if windows else "up to date"
                failures_in_a_row = 0
            except (PlanLimitError, NotFoundError) as exc:
                outcome.status = "skipped"
                outcome.reason = skip_reason(exc, now.date())
            except (RateLimitedError, UnavailableError) as exc:
                outcome.status = "failed"
                outcome.reason = f"{exc}; what landed is kept: run the same command to resume"
                failures_in_a_row += 1
            finally:
                report.calls = source.client.stats.to_dict()
                report.points = {**source.snap.to_dict(), "empty_windows": source.empty_windows}
            listener.coin_finished(outcome)
    report.calls = source.client.stats.to_dict()
    report.points = {**source.snap.to_dict(), "empty_windows": source.empty_windows}
    return report
