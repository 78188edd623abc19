"""The CoinGecko source against a fake CoinGecko API on loopback (``coingecko_fake.py``).

Real parts throughout: the real client, source, backfill and lake, and the real CLI in
subprocesses; only CoinGecko itself is replaced, by a local HTTP server that also injects
the faults the real one shows (429 bursts, 5xx, slow and truncated answers, resets, empty
arrays, the 10012 plan limit, refused keys).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from coingecko_fake import FAKE_COINS, FakeCoin, FakeCoinGecko
from conftest import CLI, cli_env, run_cli
from cryptopulse.core.errors import ServiceError
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings, SettingsError, load_settings
from cryptopulse.lake import Lake
from cryptopulse.orchestrate import pipeline
from cryptopulse.sources import build_source
from cryptopulse.sources.coingecko.backfill import BackfillReport, backfill
from cryptopulse.sources.coingecko.client import PRO_BASE_URL, PUBLIC_BASE_URL, CoinGeckoClient
from cryptopulse.sources.coingecko.history import (
    MAX_WINDOW_DAYS,
    SnapStats,
    Window,
    hourly_table,
    split_windows,
)
from cryptopulse.sources.coingecko.ratelimit import HEADROOM, RateLimiter
from cryptopulse.sources.coingecko.selection import CoinSelection, parse_coins
from cryptopulse.sources.coingecko.source import CoinGeckoSource
from cryptopulse.sources.coingecko.watermark import Watermarks, complete_until
from cryptopulse.sources.http import AuthError, HttpPolicy, RateLimitedError, UnavailableError

TODAY = datetime.now(UTC).date()
HOUR_MS = 3_600_000
DEMO_KEY = "CG-demo-s3cr3t-key-4242"
FAST = {  # settings that make the CLI quick against the fake
    "CRYPTOPULSE_COINGECKO_CALLS_PER_MINUTE": "60000",
    "CRYPTOPULSE_COINGECKO_TIMEOUT_SECONDS": "0.5",
    "CRYPTOPULSE_COINGECKO_BACKOFF_SECONDS": "0.01",
    "CRYPTOPULSE_COINGECKO_MAX_RETRIES": "10",
}


def fast_client(fake: FakeCoinGecko, **kwargs: object) -> CoinGeckoClient:
    """A client of ``fake`` with tiny waits; ``kwargs`` are the policy's fields or the
    client's own options."""
    policy: dict[str, object] = {
        "timeout_seconds": 0.5,
        "max_retries": 10,
        "backoff_seconds": 0.01,
        "backoff_max_seconds": 0.05,
    }
    policy.update({name: kwargs.pop(name) for name in list(kwargs) if name in policy})
    options: dict[str, object] = {"base_url": fake.url, "calls_per_minute": 60_000, **kwargs}
    return CoinGeckoClient(policy=HttpPolicy(**policy), **options)  # type: ignore[arg-type]


def source_for(fake: FakeCoinGecko, coins: str, **kwargs: object) -> CoinGeckoSource:
    window_days = int(kwargs.pop("window_days", MAX_WINDOW_DAYS))  # type: ignore[call-overload]
    return CoinGeckoSource(fast_client(fake, **kwargs), parse_coins(coins), window_days)


def hour_of(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) // 3600


def raw_files(lake_dir: Path, zone: str = "raw") -> list[Path]:
    return sorted((lake_dir / zone / "coingecko" / "coin_hourly").glob("date=*/*.parquet"))


def read_hours(lake_dir: Path, zone: str = "raw") -> dict[str, list[int]]:
    """coin -> every landed hour (since the epoch), repeats included."""
    out: dict[str, list[int]] = {}
    for path in raw_files(lake_dir, zone):
        table = pq.read_table(path)
        ts = table.column("ts")
        if zone == "quarantine":  # quarantined values are kept as text
            hours = [int(datetime.fromisoformat(v).timestamp()) // 3600 for v in ts.to_pylist()]
        else:
            hours = [v // 3_600_000_000 for v in ts.cast(pa.int64()).to_pylist()]
        for coin, hour in zip(table.column("coin_id").to_pylist(), hours, strict=True):
            out.setdefault(coin, []).append(hour)
    return out


def lake_content(lake_dir: Path) -> dict[str, object]:
    """Every visible raw and quarantine file: Parquet as rows, CSV as bytes."""
    content: dict[str, object] = {}
    for zone in ("raw", "quarantine"):
        for path in sorted((lake_dir / zone).rglob("*")):
            rel = str(path.relative_to(lake_dir))
            if path.name.startswith(".") or not path.is_file():
                continue
            if path.suffix == ".parquet":
                content[rel] = pq.read_table(path).to_pylist()
            else:
                content[rel] = path.read_bytes()
    return content


# ---- history: windows, snapping, joining ----------------------------------------------------
def test_history_is_asked_for_in_windows_of_at_most_90_days() -> None:
    start, end = date(2024, 1, 1), date(2025, 1, 1)
    windows = split_windows(start, end)
    assert [w.days for w in windows] == [90, 90, 90, 90, 6]
    assert windows[0].start == start and windows[-1].end == end
    assert all(a.end == b.start for a, b in itertools.pairwise(windows))
    for window in windows:
        frm, to = window.request_range()
        assert to - frm == window.days * 86_400 <= 90 * 86_400
    with pytest.raises(ValueError, match="window_days"):
        split_windows(start, end, 91)


def test_points_snap_to_the_nearest_hour_with_duplicates_off_grid_and_gaps_handled() -> None:
    day = date(2025, 3, 1)
    h0 = hour_of(day) * HOUR_MS
    now = datetime(2025, 3, 1, 3, 40, tzinfo=UTC)  # the window reaches "now"
    payload = {
        "prices": [
            [h0 + 41_000, 10.0],  # hour 0, 41 s late
            [h0 + HOUR_MS - 30_000, 11.0],  # hour 1, 30 s early
            [h0 + HOUR_MS + 95_000, 11.5],  # hour 1 again, farther: dropped as duplicate
            [h0 + 2 * HOUR_MS + 5_000, 12.0],  # hour 2
            [h0 + 2 * HOUR_MS + 5_000, 12.0],  # the same timestamp twice
            [h0 + 2 * HOUR_MS + 30 * 60_000, 12.2],  # half past two: off the grid
            [h0 + 3 * HOUR_MS + 20_000, 13.0],  # hour 3
            [int(now.timestamp() * 1000), 13.3],  # the trailing "now" point (3:40)
            [h0 + 4 * HOUR_MS - 60_000, 14.0],  # snaps to 4:00, still ahead of now
            ["not a time", 1.0],  # malformed
        ],
        "market_caps": [[h0 + 41_000, 100.0], [h0 + 2 * HOUR_MS + 5_000, 120.0]],
        "total_volumes": [[h0 + 41_000, 5.0], [h0 + HOUR_MS - 30_000, None]],
    }
    stats = SnapStats()
    table = hourly_table("bitcoin", payload, Window(day, day + timedelta(days=1)), now, stats)
    rows = table.to_pylist()
    assert [r["ts"].hour for r in rows] == [0, 1, 2, 3]
    assert all(r["ts"].tzinfo is not None and r["ts"].minute == 0 for r in rows)
    assert [r["price"] for r in rows] == [10.0, 11.0, 12.0, 13.0]
    # Gaps: the rows stay, with nulls where a series has no value.
    assert [r["market_cap"] for r in rows] == [100.0, None, 120.0, None]
    assert [r["total_volume"] for r in rows] == [5.0, None, None, None]
    assert stats.duplicates == 2
    assert stats.off_grid == 3  # half past two, the "now" point, the 4:00 point ahead of now
    assert stats.malformed == 1
    assert table.schema.equals(
        pa.schema(
            [
                ("coin_id", pa.string()),
                ("ts", pa.timestamp("us", tz="UTC")),
                ("price", pa.float64()),
                ("market_cap", pa.float64()),
                ("total_volume", pa.float64()),
            ]
        )
    )


def test_a_point_just_before_a_window_edge_is_not_lost_between_windows() -> None:
    """The 00:00 point of a window's first day may arrive at 23:59:30 the day before."""
    fake = FakeCoinGecko()
    ci = 0
    edge_hour = next(h for h in range(hour_of(date(2025, 3, 1)), 10**7) if (h + ci) % 53 == 0)
    edge_day = date(1970, 1, 1) + timedelta(hours=edge_hour)
    assert fake.point_ms(ci, edge_hour) < edge_hour * HOUR_MS  # it does arrive early
    stats = SnapStats()
    windows = split_windows(edge_day - timedelta(days=3), edge_day + timedelta(days=3), 3)
    now = datetime.now(UTC)
    hours = []
    for window in windows:
        frm, to = window.request_range()
        payload = fake.market_chart(ci, frm * 1000, to * 1000)
        table = hourly_table("bitcoin", payload, window, now, stats)
        hours += [v // 3_600_000_000 for v in table.column("ts").cast(pa.int64()).to_pylist()]
    assert edge_hour in hours
    assert len(hours) == len(set(hours)) == 6 * 24


# ---- the client: retries, Retry-After, typed errors, rate limit -----------------------------
def test_retry_after_is_honoured_and_429_without_it_backs_off_briefly() -> None:
    with FakeCoinGecko(retry_after="1") as fake:
        client = fast_client(fake)
        fake.script("429-retry-after", path_contains="/coins/list")
        started = time.monotonic()
        assert client.coins_list()
        assert time.monotonic() - started >= 1.0
        fake.script("429", "429", "429", path_contains="/coins/list")
        started = time.monotonic()
        assert client.coins_list()
        assert time.monotonic() - started < 0.9
        assert client.stats.rate_limited == 4
        assert client.stats.retries == 4
        assert client.stats.calls == 6


def test_timeouts_server_errors_truncated_json_and_resets_are_retried() -> None:
    with FakeCoinGecko(slow_seconds=0.8) as fake:
        client = fast_client(fake, timeout_seconds=0.3)
        fake.script("slow", "500", "503", "truncated", "reset", path_contains="/coins/list")
        ids = {c["id"] for c in client.coins_list()}
        assert {c.id for c in FAKE_COINS} <= ids
        reasons = client.stats.retry_reasons
        assert reasons["timeout"] == 1
        assert reasons["HTTP 500"] == reasons["HTTP 503"] == 1
        assert reasons["invalid JSON"] == 1
        assert sum(n for kind, n in reasons.items() if kind.startswith("connection error")) == 1


def test_retries_end_in_a_typed_error() -> None:
    with FakeCoinGecko(retry_after="0") as fake:
        client = fast_client(fake, max_retries=2)
        fake.script("429-retry-after", "429", "429", path_contains="/coins/list")
        message = r"gave up after 3 attempts \(last: HTTP 429\); lower CRYPTOPULSE_COINGECKO_CALLS"
        with pytest.raises(RateLimitedError, match=message):
            client.coins_list()
        fake.script("503", "500", "503", path_contains="/coins/list")
        with pytest.raises(UnavailableError, match=r"last: HTTP 503") as info:
            client.coins_list()
        assert info.value.service == "CoinGecko"


def test_the_rate_limiter_spaces_calls_evenly_just_under_the_rate() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(120, clock=lambda: clock[0], sleep=sleep)
    for _ in range(121):
        limiter.acquire()
    # 121 calls take 120 intervals: just over a minute, so never more than 120 in any minute.
    assert clock[0] == pytest.approx(120 * 60 / (120 * HEADROOM))
    assert 60.0 < clock[0] < 60.0 / 0.9
    assert len(slept) == 120


def test_plans_pick_their_base_url_and_key_header() -> None:
    with FakeCoinGecko(demo_keys=(DEMO_KEY,), pro_keys=("pro-key-1",)) as fake:
        assert fast_client(fake, plan="demo", api_key=DEMO_KEY).coins_list()
        assert fast_client(fake, plan="pro", api_key="pro-key-1").coins_list()
        assert fast_client(fake).coins_list()
        assert [r.key for r in fake.requests] == [DEMO_KEY, "pro-key-1", None]
    assert CoinGeckoClient().base_url == PUBLIC_BASE_URL
    assert CoinGeckoClient(plan="demo", api_key="k").base_url == PUBLIC_BASE_URL
    assert CoinGeckoClient(plan="pro", api_key="k").base_url == PRO_BASE_URL
    assert CoinGeckoClient(plan="pro", api_key="k", base_url="http://proxy/v3").base_url == (
        "http://proxy/v3"
    )
    with pytest.raises(ValueError, match="needs a key"):
        CoinGeckoClient(plan="demo")
    with pytest.raises(ValueError, match="PLAN is public"):
        CoinGeckoClient(api_key="k")


def test_coingecko_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CRYPTOPULSE_SOURCES", "demo,coingecko")
    monkeypatch.setenv("CRYPTOPULSE_COINGECKO_PLAN", "pro")
    monkeypatch.setenv("CRYPTOPULSE_COINGECKO_API_KEY", DEMO_KEY)
    monkeypatch.setenv("CRYPTOPULSE_COINGECKO_CALLS_PER_MINUTE", "400")
    monkeypatch.setenv("CRYPTOPULSE_COINGECKO_COINS", "bitcoin,ethereum")
    settings = load_settings()
    assert settings.sources == ["demo", "coingecko"]
    assert DEMO_KEY not in repr(settings) and DEMO_KEY not in str(settings.model_dump())
    source = build_source("coingecko", settings)
    assert isinstance(source, CoinGeckoSource)
    assert source.selection == CoinSelection(ids=("bitcoin", "ethereum"))
    assert source.client.base_url == PRO_BASE_URL and source.client.calls_per_minute == 400
    assert DEMO_KEY not in repr(source)
    # A key in a config file is refused: keys come from the environment (or a local .env).
    monkeypatch.delenv("CRYPTOPULSE_COINGECKO_API_KEY")
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "cryptopulse.toml"
    config.write_text(f'coingecko_api_key = "{DEMO_KEY}"\n')
    with pytest.raises(SettingsError, match="not in a config file") as info:
        load_settings()
    assert DEMO_KEY not in str(info.value)
    config.unlink()
    (tmp_path / ".env").write_text(f"CRYPTOPULSE_COINGECKO_API_KEY={DEMO_KEY}\n")
    from_dotenv = load_settings().coingecko_api_key
    assert from_dotenv is not None and from_dotenv.get_secret_value() == DEMO_KEY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("top:20", CoinSelection(top=20)),
        (" Bitcoin, ethereum ,bitcoin", CoinSelection(ids=("bitcoin", "ethereum"))),
    ],
)
def test_coin_selection_parses(text: str, expected: CoinSelection) -> None:
    assert parse_coins(text) == expected


@pytest.mark.parametrize("text", ["top:0", "top:x", "top:5000", "", " , ", "bit coin", "$btc"])
def test_a_bad_coin_selection_is_one_clear_message(text: str) -> None:
    with pytest.raises(ValueError, match=r"^--coins: accepted: top:N"):
        parse_coins(text)


# ---- backfills ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_year_of_five_coins_lands_every_hour_exactly_once_despite_30pct_of_calls_failing(
    tmp_path: Path,
) -> None:
    interval = Interval(TODAY - timedelta(days=367), TODAY - timedelta(days=2))
    with FakeCoinGecko(fault_rate=0.3, retry_after="0", slow_seconds=0.7, seed=7) as fake:
        source = source_for(fake, "top:5")
        report = backfill(Lake(str(tmp_path / "lake")), source, interval)
        faults = fake.faults()
        windows = fake.chart_requests(status=None)
    top5 = [c.id for c in FAKE_COINS[:5]]  # the fake ranks them by market cap in list order
    assert [c.coin_id for c in report.coins] == top5
    assert all(c.status == "landed" and c.windows_done == 5 for c in report.coins)
    # Faults of every kind happened, and were retried.
    assert set(faults) == {
        "429",
        "429-retry-after",
        "500",
        "503",
        "slow",
        "truncated",
        "reset",
        "empty",
    }
    calls = report.calls
    assert calls["retries"] >= sum(faults.values()) - faults["empty"]
    assert calls["rate_limited"] == faults["429"] + faults["429-retry-after"]
    # Every window asked for spans at most 90 days.
    assert all(to - frm <= 90 * 86_400 for _, frm, to in windows)

    landed = read_hours(tmp_path / "lake")
    quarantined = read_hours(tmp_path / "lake", "quarantine")
    for coin in top5:
        expected = fake.expected_raw_hours(coin, interval.start, interval.end)
        assert len(expected) == 365 * 24 - len(fake.missing_price_hours(coin, *_days(interval)))
        assert sorted(landed[coin]) == expected  # every hour, exactly once
        assert sorted(quarantined.get(coin, [])) == fake.missing_price_hours(
            coin, interval.start, interval.end
        )
    assert quarantined["tether"]  # the coin whose price series has gaps
    reasons = report.landings["coin_hourly"].reasons
    assert reasons == Counter({"missing price": len(quarantined["tether"])})
    # One file per (day, coin), named after both, holding only that day and coin.
    files = raw_files(tmp_path / "lake")
    assert len(files) == 365 * 5
    sample = files[0]
    day, coin = sample.parent.name.removeprefix("date="), sample.stem.split("_")[-1]
    assert sample.name == f"coingecko_coin_hourly_{day}_{coin}.parquet"
    rows = pq.read_table(sample).to_pylist()
    assert {r["coin_id"] for r in rows} == {coin}
    assert {r["ts"].date().isoformat() for r in rows} == {day}


def _days(interval: Interval) -> tuple[date, date]:
    return interval.start, interval.end


def test_a_plan_limit_skips_that_coin_with_the_reason_and_the_others_land(
    tmp_path: Path,
) -> None:
    # The fake's history limit is 30 days here (CoinGecko's is 365): same error, less data.
    interval = Interval(TODAY - timedelta(days=40), TODAY - timedelta(days=1))
    limited = frozenset({"ethereum"})
    with FakeCoinGecko(history_limit_days=30, history_limit_coins=limited) as fake:
        lake = Lake(str(tmp_path / "lake"))
        report = backfill(lake, source_for(fake, "bitcoin,ethereum,solana"), interval)
        refused = [r for r in fake.requests if r.status == 401]
    status = {c.coin_id: c.status for c in report.coins}
    assert status == {"bitcoin": "landed", "ethereum": "skipped", "solana": "landed"}
    (skipped,) = report.skipped
    assert skipped.reason is not None
    assert "plan limit (error 10012)" in skipped.reason
    assert "Pro key" in skipped.reason
    earliest = TODAY - timedelta(days=364)
    assert f"--start {earliest.isoformat()} or later" in skipped.reason
    assert len(refused) == 1  # the first refusal ends that coin's backfill
    landed = read_hours(tmp_path / "lake")
    assert set(landed) == {"bitcoin", "solana"}
    assert len(landed["bitcoin"]) == 39 * 24
    assert Watermarks(lake, "coingecko").landed("ethereum") == []


def test_a_coin_failing_after_every_retry_is_reported_and_the_others_land(
    tmp_path: Path,
) -> None:
    interval = Interval(TODAY - timedelta(days=5), TODAY - timedelta(days=1))
    lake = Lake(str(tmp_path / "lake"))
    with FakeCoinGecko() as fake:
        fake.script("503", "500", "503", path_contains="/coins/ethereum/")
        source = source_for(fake, "bitcoin,ethereum,solana", max_retries=2)
        report = backfill(lake, source, interval)
        assert [c.status for c in report.coins] == ["landed", "failed", "landed"]
        (failed,) = report.failed
        assert failed.reason is not None
        assert "gave up after 3 attempts (last: HTTP 503)" in failed.reason
        assert "run the same command to resume" in failed.reason
        # Run again: only the failed coin is fetched.
        n = len(fake.chart_requests())
        again = backfill(lake, source_for(fake, "bitcoin,ethereum,solana"), interval)
        assert [c.status for c in again.coins] == ["up to date", "landed", "up to date"]
        assert [coin for coin, _, _ in fake.chart_requests()[n:]] == ["ethereum"]


@pytest.mark.slow
def test_a_landed_range_is_not_fetched_again_unless_refreshed(tmp_path: Path) -> None:
    interval = Interval(TODAY - timedelta(days=41), TODAY - timedelta(days=1))
    lake = Lake(str(tmp_path / "lake"))
    with FakeCoinGecko() as fake:

        def run(interval: Interval, refresh: bool = False) -> BackfillReport:
            source = source_for(fake, "bitcoin,solana", window_days=20)
            return backfill(lake, source, interval, refresh=refresh)

        first = run(interval)
        before = lake_content(tmp_path / "lake")
        n = len(fake.chart_requests())
        again = run(interval)
        assert len(fake.chart_requests()) == n  # nothing fetched: one /coins/list call
        assert again.calls["calls"] == 1
        assert [c.status for c in again.coins] == ["up to date", "up to date"]
        assert all(c.days_already_landed == 40 for c in again.coins)
        run(Interval(interval.start - timedelta(days=5), interval.end))
        extra = fake.chart_requests()[n:]
        assert len(extra) == 2  # only the 5 new days of each coin
        assert all(to - frm == 5 * 86_400 for _, frm, to in extra)
        refreshed = run(interval, refresh=True)
        assert [c.windows_done for c in refreshed.coins] == [2, 2]
    after = lake_content(tmp_path / "lake")
    assert {k: v for k, v in after.items() if k in before} == before
    assert first.rows_landed == refreshed.rows_landed == 2 * 40 * 24


def test_run_and_the_dag_resume_from_the_watermarks_as_the_backfill_does(tmp_path: Path) -> None:
    """One extraction path: the pipeline's extract (`cryptopulse run`, the daily DAG) lands
    CoinGecko through the backfill, so a second run fetches no history it already has."""
    interval = Interval(TODAY - timedelta(days=10), TODAY - timedelta(days=1))
    with FakeCoinGecko() as fake:
        settings = Settings(
            lake_url=str(tmp_path / "lake"),
            warehouse_url=str(tmp_path / "wh.duckdb"),
            sources=["coingecko"],
            coingecko_base_url=fake.url,
            coingecko_calls_per_minute=60_000,
            coingecko_backoff_seconds=0.01,
            coingecko_coins="bitcoin,solana",
        )
        summaries: dict[str, Any] = {}
        shown: list[str] = []

        def progress(stage: str, done: int, total: int, detail: str) -> None:
            shown.append(detail)

        (coins, hourly) = pipeline.extract(
            settings, interval, summaries=summaries, progress=progress
        )
        assert f"coin_hourly {interval.start}" in shown  # progress while it lands
        assert (coins.rows_landed, hourly.rows_landed) == (2, 2 * 9 * 24)
        assert summaries["coingecko"]["rows_landed"] == 2 * 9 * 24
        n = len(fake.chart_requests())
        pipeline.extract(settings, interval)
        assert len(fake.chart_requests()) == n  # every day already landed: none fetched
    assert set(_windows_landed(tmp_path / "lake")) == {"bitcoin", "solana"}


def test_a_run_where_one_coin_fails_records_what_the_others_landed(tmp_path: Path) -> None:
    interval = Interval(TODAY - timedelta(days=4), TODAY - timedelta(days=1))
    with FakeCoinGecko() as fake:
        fake.script(*["503"] * 10, path_contains="/coins/ethereum/")
        settings = Settings(
            lake_url=str(tmp_path / "lake"),
            warehouse_url=str(tmp_path / "wh.duckdb"),
            sources=["coingecko"],
            coingecko_base_url=fake.url,
            coingecko_calls_per_minute=60_000,
            coingecko_backoff_seconds=0.01,
            coingecko_max_retries=1,
            coingecko_coins="bitcoin,ethereum",
        )
        with pytest.raises(ServiceError, match="1 coins failed") as failed:
            pipeline.run(settings, interval, steps=("extract",))
    assert failed.value.service == "CoinGecko"
    record = pipeline.last_run(settings)
    assert record is not None and record["status"] == "failed"
    hourly = {x["dataset"]: x["rows_landed"] for x in record["landings"]}
    assert hourly["coin_hourly"] == 3 * 24  # bitcoin's days, though ethereum failed


def test_a_day_in_progress_is_landed_but_fetched_again_next_time(tmp_path: Path) -> None:
    # A clock 25 minutes past an hour (in the past), for the fake and the source alike: the
    # range's trailing "now" point is then off the hour grid whatever the time of the run.
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    now = hour - timedelta(hours=1) + timedelta(minutes=25)
    today = now.date()
    interval = Interval(today - timedelta(days=3), today + timedelta(days=2))
    lake = Lake(str(tmp_path / "lake"))

    def source(fake: FakeCoinGecko) -> CoinGeckoSource:
        coins = parse_coins("bitcoin")
        return CoinGeckoSource(fast_client(fake), coins, MAX_WINDOW_DAYS, clock=lambda: now)

    with FakeCoinGecko(now=now) as fake:
        report = backfill(lake, source(fake), interval)
        marks = Watermarks(lake, "coingecko").landed("bitcoin")
        assert marks == [(interval.start, complete_until(now))]
        hours = read_hours(tmp_path / "lake")["bitcoin"]
        assert max(hours) <= int(now.timestamp()) // 3600  # nothing from the future
        assert report.points["off_grid_dropped"] >= 1  # the trailing "now" point
        (frm, to) = fake.chart_requests()[0][1:]
        assert to - frm <= 90 * 86_400
        backfill(lake, source(fake), interval)
        (_, frm2, _) = fake.chart_requests()[-1]
        refetched_from = datetime.fromtimestamp(frm2 + 900, UTC).date()
        assert refetched_from == complete_until(now)


def test_no_history_yet_is_asked_twice_then_believed(tmp_path: Path) -> None:
    listed = TODAY - timedelta(days=30)
    coins = (*FAKE_COINS[:2], FakeCoin("newcoin", "new", "New Coin", 2.0, 1e9, 1e7, listed))
    interval = Interval(TODAY - timedelta(days=100), TODAY - timedelta(days=1))
    lake = Lake(str(tmp_path / "lake"))
    with FakeCoinGecko(coins) as fake:
        report = backfill(lake, source_for(fake, "newcoin", window_days=25), interval)
        requests = fake.chart_requests()
    (outcome,) = report.coins
    assert outcome.status == "landed" and outcome.empty_windows == 2
    assert len(requests) == 2 * 2 + 2  # the two empty windows were asked for twice
    hours = read_hours(tmp_path / "lake")["newcoin"]
    assert min(hours) == hour_of(listed)
    assert Watermarks(lake, "coingecko").landed("newcoin") == [(interval.start, interval.end)]


def test_the_key_never_appears_in_logs_errors_reprs_or_the_lake(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    interval = Interval(TODAY - timedelta(days=10), TODAY - timedelta(days=1))
    with FakeCoinGecko(demo_keys=(DEMO_KEY,), fault_rate=0.3, retry_after="0") as fake:
        client = fast_client(fake, plan="demo", api_key=DEMO_KEY)
        source = CoinGeckoSource(client, parse_coins("top:3"))
        lake = Lake(str(tmp_path / "lake"))
        backfill(lake, source, interval)
        assert fake.requests[0].key == DEMO_KEY  # it was sent
        wrong = "CG-wrong-key-0000"
        bad = fast_client(fake, plan="demo", api_key=wrong)
        with pytest.raises(AuthError) as info:
            bad.coins_list()
        assert fake.requests[-1].key == wrong  # the fake echoes it in its answer...
    assert wrong not in str(info.value) and "***" in str(info.value)  # ...we do not
    assert "CRYPTOPULSE_COINGECKO_API_KEY" in str(info.value)
    assert (info.value.service, info.value.status) == ("CoinGecko", 401)  # the one ApiError tree
    seen = [caplog.text, repr(client), repr(source), repr(bad), str(info.value)]
    assert not any(DEMO_KEY in text or wrong in text for text in seen)
    for path in (tmp_path / "lake").rglob("*"):
        if path.is_file():
            assert DEMO_KEY.encode() not in path.read_bytes(), path


# ---- the command line ------------------------------------------------------------------------
def _cli_settings(tmp_path: Path, name: str = "lake") -> Settings:
    return Settings(lake_url=str(tmp_path / name), warehouse_url=str(tmp_path / "wh.duckdb"))


@pytest.mark.slow
def test_cli_backfill_with_a_demo_key_skips_a_plan_limited_coin_with_one_message(
    tmp_path: Path,
) -> None:
    settings = _cli_settings(tmp_path)
    start = (TODAY - timedelta(days=40)).isoformat()
    limited = frozenset({"ethereum", "solana"})
    with FakeCoinGecko(
        demo_keys=(DEMO_KEY,), history_limit_days=30, history_limit_coins=limited
    ) as fake:
        env = {
            **FAST,
            "CRYPTOPULSE_COINGECKO_BASE_URL": fake.url,
            "CRYPTOPULSE_COINGECKO_PLAN": "demo",
            "CRYPTOPULSE_COINGECKO_API_KEY": DEMO_KEY,
        }
        args = ["extract", "coingecko", "--coins", "bitcoin,ethereum,solana", "--start", start]
        done = run_cli(args, settings, tmp_path, **env)
        assert done.returncode == 0, done.stdout + done.stderr
        out = done.stdout
        assert out.count("plan limit (error 10012)") == 1
        assert "Skipped 2 coins (ethereum, solana)" in " ".join(out.split())
        for heading in ("Landed in the lake", "CoinGecko", "calls", "rows"):
            assert heading in out
        record = json.loads((tmp_path / "lake" / "state" / "last_run.json").read_text())
        assert record["status"] == "ok" and record["command"].startswith("extract coingecko")
        assert record["coingecko"]["rows_landed"] == 40 * 24
        assert record["coingecko"]["calls"]["calls"] == len(fake.requests)

        wrong = run_cli(
            ["extract", "coingecko", "--coins", "bitcoin"],
            settings,
            tmp_path,
            **{**env, "CRYPTOPULSE_COINGECKO_API_KEY": "CG-not-my-key"},
        )
    assert wrong.returncode == 1
    assert "HTTP 401" in wrong.stderr and "Traceback" not in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) <= 3  # one message (wrapped by the console)
    assert "CG-not-my-key" not in wrong.stderr + wrong.stdout
    assert DEMO_KEY not in done.stdout + done.stderr
    for path in (tmp_path / "lake").rglob("*"):
        if path.is_file():
            assert DEMO_KEY.encode() not in path.read_bytes(), path


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["extract", "coingecko", "--coins", "top:abc"], "--coins: accepted: top:N"),
        (["extract", "coingecko", "--coins", "bitconi,btc"], "unknown CoinGecko coin ids"),
        (["extract", "--coins", "top:5"], "apply to the coingecko source only"),
        (
            ["extract", "nope"],
            "unknown source 'nope'; accepted: demo, bluesky, coingecko, reddit, x",
        ),
    ],
)
def test_cli_mistakes_are_one_clear_message(tmp_path: Path, args: list[str], message: str) -> None:
    with FakeCoinGecko() as fake:
        done = run_cli(
            args, _cli_settings(tmp_path), tmp_path, CRYPTOPULSE_COINGECKO_BASE_URL=fake.url, **FAST
        )
    assert done.returncode == 1
    assert message in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


def _windows_landed(lake_dir: Path) -> dict[str, list[tuple[date, date]]]:
    marks = {}
    for path in sorted((lake_dir / "state" / "watermarks" / "coingecko").glob("*.json")):
        data = json.loads(path.read_text())
        marks[data["coin_id"]] = [
            (date.fromisoformat(r["start"]), date.fromisoformat(r["end"])) for r in data["landed"]
        ]
    return marks


@pytest.mark.slow
def test_a_killed_backfill_resumes_without_refetching_or_duplicating(tmp_path: Path) -> None:
    """kill -9 in the middle of a backfill, run the same command again: the lake ends up
    exactly as after an uninterrupted run, and no finished window is fetched twice."""
    start, end = TODAY - timedelta(days=61), TODAY - timedelta(days=1)  # 60 days
    args = ["extract", "coingecko", "--coins", "bitcoin,ethereum,tether", "--start"]
    args += [start.isoformat(), "--end", end.isoformat()]
    interrupted, clean = _cli_settings(tmp_path, "lake-a"), _cli_settings(tmp_path, "lake-b")
    with FakeCoinGecko(chart_latency=0.12) as fake:
        env = {**FAST, "CRYPTOPULSE_COINGECKO_BASE_URL": fake.url}
        env["CRYPTOPULSE_COINGECKO_WINDOW_DAYS"] = "10"  # 6 windows per coin, 18 in all
        proc = subprocess.Popen(
            [CLI, *args],
            env=cli_env(interrupted, **env),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            marks = _windows_landed(tmp_path / "lake-a")
            done_days = sum((b - a).days for ranges in marks.values() for a, b in ranges)
            if done_days >= 50 or proc.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, "the backfill ended before it was killed"
        finished = _windows_landed(tmp_path / "lake-a")
        assert 50 <= sum((b - a).days for r in finished.values() for a, b in r) < 180
        requests_before = len(fake.chart_requests())

        rerun = run_cli(args, interrupted, tmp_path, **env)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        rerun_windows = fake.chart_requests()[requests_before:]
        all_windows = fake.chart_requests()

        uninterrupted = run_cli(args, clean, tmp_path, **env)
        assert uninterrupted.returncode == 0, uninterrupted.stdout + uninterrupted.stderr

    # No finished window was fetched again...
    for coin, frm, _ in rerun_windows:
        first_day = datetime.fromtimestamp(frm + 15 * 60, UTC).date()
        assert not any(a <= first_day < b for a, b in finished.get(coin, [])), (coin, first_day)
    # ...at most the one cut short by the kill was fetched twice, and all 18 were fetched.
    repeats = Counter(all_windows)
    assert len(repeats) == 18
    assert sum(n - 1 for n in repeats.values()) <= 1
    # The same lake as an uninterrupted run: same files, same rows, no duplicates.
    content_a, content_b = lake_content(tmp_path / "lake-a"), lake_content(tmp_path / "lake-b")
    assert content_a.keys() == content_b.keys()
    assert content_a == content_b
    hours = read_hours(tmp_path / "lake-a")
    assert all(len(h) == len(set(h)) for h in hours.values())
    assert _windows_landed(tmp_path / "lake-a") == {
        coin: [(start, end)] for coin in ("bitcoin", "ethereum", "tether")
    }
