"""``CoinGeckoSource``: real market data, landed in the same raw layout as the demo source.

It yields the coin list (``coins``, as of the interval's last day, restricted to the
selected coins) and, per coin and UTC day, that day's hourly price, market cap and volume
(``coin_hourly``, ``part`` = the coin id, so each (day, coin) is its own file and re-lands
alone). History is fetched in windows of at most 90 days (``history.py``).

There is one extraction path: ``land`` (what ``cryptopulse run``, ``extract`` and the daily
DAG call) and ``cryptopulse extract coingecko`` both go through ``backfill.py``, which drives
the same pieces window by window with per-coin watermarks, so every run resumes where the
last one stopped. ``fetch`` yields the whole interval without watermarks (for callers that
land batches themselves).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from cryptopulse.core.batch import Batch
from cryptopulse.core.datasets import COINS
from cryptopulse.core.errors import PartlyLandedError
from cryptopulse.core.interval import Interval
from cryptopulse.sources.base import Source
from cryptopulse.sources.coingecko.client import CoinGeckoClient
from cryptopulse.sources.coingecko.errors import UnknownCoinError
from cryptopulse.sources.coingecko.history import (
    MAX_WINDOW_DAYS,
    SnapStats,
    Window,
    hourly_table,
    is_empty,
    split_days,
    split_windows,
)
from cryptopulse.sources.coingecko.selection import CoinSelection
from cryptopulse.sources.coingecko.watermark import DayRange, missing
from cryptopulse.sources.http import NotFoundError, PlanLimitError

if TYPE_CHECKING:
    from cryptopulse.lake.land import Landing
    from cryptopulse.lake.storage import Lake

log = logging.getLogger(__name__)

MARKETS_PAGE = 250  # the largest page /coins/markets serves
PUBLIC_HISTORY_DAYS = 365  # what the public API and Demo keys may read


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Coin:
    id: str
    symbol: str
    name: str


@dataclass(frozen=True)
class WindowResult:
    """One window of one coin: its day batches (empty days have none)."""

    window: Window
    batches: list[Batch]
    rows: int

    @property
    def empty(self) -> bool:
        return not self.batches


def skip_reason(exc: Exception, today: date) -> str:
    """One line saying why a coin's history stopped and what the user can do."""
    if isinstance(exc, PlanLimitError):
        if exc.code == 10012 or "time range" in str(exc).lower():
            earliest = today - timedelta(days=PUBLIC_HISTORY_DAYS - 1)
            return (
                "CoinGecko plan limit (error 10012): without a paid plan only the last "
                f"{PUBLIC_HISTORY_DAYS} days of history can be read. Use a Pro key "
                "(CRYPTOPULSE_COINGECKO_PLAN=pro and CRYPTOPULSE_COINGECKO_API_KEY) or "
                f"--start {earliest.isoformat()} or later"
            )
        return f"{exc} (this needs a paid CoinGecko plan: CRYPTOPULSE_COINGECKO_PLAN=pro)"
    return str(exc)


class CoinGeckoSource(Source):
    """CoinGecko's coin list and hourly market history; implements ``Source``."""

    name = "coingecko"

    def __init__(
        self,
        client: CoinGeckoClient,
        coins: CoinSelection | None = None,
        window_days: int = MAX_WINDOW_DAYS,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        if not 1 <= window_days <= MAX_WINDOW_DAYS:
            raise ValueError(f"window_days must be in [1, {MAX_WINDOW_DAYS}], got {window_days}")
        self.client = client
        self.selection = coins or CoinSelection(top=20)
        self.window_days = window_days
        self.clock = clock
        self.snap = SnapStats()
        self.empty_windows = 0
        self.skipped: dict[str, str] = {}  # coin id -> why its history stopped (fetch only)
        self.landed: dict[str, Any] | None = None  # what ``land`` did, for the run record

    def __repr__(self) -> str:
        return f"CoinGeckoSource(coins={str(self.selection)!r}, client={self.client!r})"

    def datasets(self) -> tuple[str, ...]:
        return ("coins", "coin_hourly")

    def close(self) -> None:
        self.client.close()

    def summary(self) -> dict[str, Any] | None:
        return self.landed

    def land(
        self,
        lake: Lake,
        interval: Interval,
        datasets: tuple[str, ...],
        on_batch: Callable[[Batch], None] | None = None,
    ) -> list[Landing]:
        """Land ``interval`` resuming from the watermarks, as the backfill command does: days
        already landed are not fetched again. A plan limit skips its coin (see the summary);
        coins that kept failing fail the step once the others are landed."""
        if set(datasets) != set(self.datasets()):  # one of the two: no watermark applies
            return super().land(lake, interval, datasets, on_batch)
        from cryptopulse.sources.coingecko.backfill import BackfillListener, backfill

        class Progress(BackfillListener):
            def batch_landed(self, batch: Batch) -> None:
                if on_batch is not None:
                    on_batch(batch)

        report = backfill(lake, self, interval, listener=Progress())  # it drives this class
        self.landed = report.to_dict()
        for outcome in report.skipped:
            log.warning("CoinGecko: skipped %s: %s", outcome.coin_id, outcome.reason)
        if report.failed:
            reasons = "; ".join(f"{c.coin_id}: {c.reason}" for c in report.failed)
            raise PartlyLandedError(
                f"CoinGecko: {len(report.failed)} coins failed ({reasons})",
                "CoinGecko",
                list(report.landings.values()),
            )
        return list(report.landings.values())

    # ---- coins --------------------------------------------------------------------------
    def resolve_coins(self) -> list[Coin]:
        """The selected coins, checked against ``/coins/list`` (top N via ``/coins/markets``)."""
        listing = self.client.coins_list()
        by_id = {str(item["id"]): item for item in listing}
        if self.selection.top is not None:
            ranked = self._top(self.selection.top)
            ids = [str(item["id"]) for item in ranked]
            extra = {str(item["id"]): item for item in ranked}
        else:
            ids = list(self.selection.ids)
            extra = {}
            unknown = [i for i in ids if i not in by_id]
            if unknown:
                raise UnknownCoinError(_unknown_message(unknown, listing))
        coins = []
        for coin_id in ids:
            item = by_id.get(coin_id) or extra.get(coin_id) or {}
            coins.append(
                Coin(coin_id, str(item.get("symbol") or ""), str(item.get("name") or coin_id))
            )
        return coins

    def _top(self, n: int) -> list[dict[str, Any]]:
        ranked: list[dict[str, Any]] = []
        page = 1
        while len(ranked) < n:
            per_page = min(MARKETS_PAGE, n) if n <= MARKETS_PAGE else MARKETS_PAGE
            items = self.client.coins_markets(per_page=per_page, page=page)
            ranked.extend(items)
            if len(items) < per_page:
                break
            page += 1
        return list({str(item["id"]): item for item in ranked}.values())[:n]

    def coins_batch(self, coins: Sequence[Coin], interval: Interval) -> Batch:
        table = pa.table(
            {
                "coin_id": [c.id for c in coins],
                "symbol": [c.symbol for c in coins],
                "name": [c.name for c in coins],
            },
            schema=COINS.schema,
        )
        return Batch("coins", interval.end - timedelta(days=1), table)

    # ---- history ------------------------------------------------------------------------
    def plan(self, interval: Interval, landed: Sequence[DayRange] = ()) -> list[Window]:
        """The windows still to fetch for ``interval``: days in ``landed`` and days after
        today are left out."""
        today = self.clock().date()
        end = min(interval.end, today + timedelta(days=1))
        gaps = missing(interval.start, end, list(landed)) if interval.start < end else []
        return [w for lo, hi in gaps for w in split_windows(lo, hi, self.window_days)]

    def fetch_window(self, coin_id: str, window: Window) -> WindowResult:
        """One window of ``coin_id``'s history as per-day batches.

        An answer with no point at all is asked for once more before it is believed (the
        coin may not have traded yet, or the answer was a glitch)."""
        start, end = window.request_range()
        payload = self.client.market_chart_range(coin_id, start, end)
        if is_empty(payload):
            payload = self.client.market_chart_range(coin_id, start, end)
            if is_empty(payload):
                self.empty_windows += 1
                return WindowResult(window, [], 0)
        table = hourly_table(coin_id, payload, window, self.clock(), self.snap)
        batches = [Batch("coin_hourly", day, rows, part=coin_id) for day, rows in split_days(table)]
        return WindowResult(window, batches, table.num_rows)

    def fetch(self, interval: Interval) -> Iterator[Batch]:
        """The coin list, then every coin's days, window by window (no watermarks).

        A plan limit or an unknown coin ends that coin's history (see ``skipped``); the
        other coins go on."""
        coins = self.resolve_coins()
        yield self.coins_batch(coins, interval)
        windows = self.plan(interval)
        for coin in coins:
            for window in windows:
                try:
                    result = self.fetch_window(coin.id, window)
                except (PlanLimitError, NotFoundError) as exc:
                    self.skipped[coin.id] = skip_reason(exc, self.clock().date())
                    log.warning("CoinGecko: skipped %s: %s", coin.id, self.skipped[coin.id])
                    break
                yield from result.batches


def _unknown_message(unknown: list[str], listing: list[dict[str, Any]]) -> str:
    """``unknown CoinGecko coin id 'btc' ('btc' is the symbol of bitcoin, ...)``."""
    ids = [str(item["id"]) for item in listing]
    hints = []
    for coin_id in unknown:
        by_symbol = [str(i["id"]) for i in listing if str(i.get("symbol", "")).lower() == coin_id]
        if by_symbol:
            hints.append(f"{coin_id!r} is the symbol of {', '.join(by_symbol[:3])}")
            continue
        close = difflib.get_close_matches(coin_id, ids, n=3, cutoff=0.8)
        if close:
            hints.append(f"did you mean {' or '.join(close)}?")
    word = "id" if len(unknown) == 1 else "ids"
    names = ", ".join(repr(u) for u in unknown)
    hint = f" ({'; '.join(hints)})" if hints else ""
    return (
        f"unknown CoinGecko coin {word} {names}{hint}. Ids are lower case, as on "
        "the coin's CoinGecko page (API id) or in /coins/list; or use --coins top:N"
    )
