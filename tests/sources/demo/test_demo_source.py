"""The demo source: determinism, schemas, realism checks and the planted lead."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from cryptopulse.core.batch import Batch
from cryptopulse.core.datasets import COIN_HOURLY, DATASETS, MAX_TEXT_CHARS
from cryptopulse.core.errors import UserError
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake
from cryptopulse.lake.land import land
from cryptopulse.sources.base import Source
from cryptopulse.sources.demo import SCALES, DemoSource, Mood, build_demo_source
from cryptopulse.sources.demo.coins import DEMO_COINS
from cryptopulse.sources.demo.market import DEMO_EPOCH, EPOCH_DAY, MarketModel
from cryptopulse.sources.demo.posts import POSTS_STREAM, draw_tones

DAY = date(2024, 3, 14)
N_COINS = len(DEMO_COINS)
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
STABLECOINS = ("tether", "usd-coin")
# Independent word lists (not the generator's phrase tables): what a lexicon would score.
POSITIVE = r"\b(love|loving|great|amazing|happy|win|bullish|moon)\b"
NEGATIVE = r"\b(terrible|crash|crashing|panic|scared|hate|loss|awful|rekt)\b"


def micros(column: pa.ChunkedArray) -> np.ndarray:
    """A timestamp column as integer microseconds since the Unix epoch."""
    return np.asarray(pc.cast(column, pa.int64()).to_numpy())


def days_of(column: pa.ChunkedArray) -> list[date]:
    return [date(1970, 1, 1) + timedelta(days=int(d)) for d in np.unique(micros(column) // DAY_US)]


def text_lengths(posts: pa.Table) -> np.ndarray:
    """Characters per text; 0 for a null text."""
    lengths = pc.utf8_length(posts["text"]).to_numpy(zero_copy_only=False)
    return np.nan_to_num(np.asarray(lengths, dtype=np.float64))


def batches(source: DemoSource, start: date, days: int) -> list[Batch]:
    return list(source.fetch(Interval(start, start + timedelta(days=days))))


def one(found: list[Batch], dataset: str, day: date | None = None) -> pa.Table:
    tables = [b.records for b in found if b.dataset == dataset and (day is None or b.day == day)]
    assert len(tables) == 1
    return tables[0]


def concat(found: list[Batch], dataset: str) -> pa.Table:
    return pa.concat_tables([b.records for b in found if b.dataset == dataset])


def test_is_a_source() -> None:
    source: Source = DemoSource()
    assert source.name == "demo"
    assert source.datasets() == ("coins", "coin_hourly", "posts")


def test_same_seed_gives_byte_identical_parquet(tmp_path: Path) -> None:
    paths: dict[str, list[bytes]] = {}
    for run in ("a", "b"):
        for i, batch in enumerate(batches(DemoSource(seed=7), DAY, 2)):
            path = tmp_path / f"{run}-{i}-{batch.dataset}.parquet"
            pq.write_table(batch.records, path)
            paths.setdefault(f"{i}-{batch.dataset}", []).append(path.read_bytes())
    assert len(paths) == 5
    for key, (a, b) in paths.items():
        assert a == b, key


def test_a_day_does_not_depend_on_the_interval() -> None:
    alone = batches(DemoSource(seed=3), DAY, 1)
    longer = batches(DemoSource(seed=3), DAY - timedelta(days=4), 7)
    # The same instance after its cache has run past the day must agree too.
    warmed = DemoSource(seed=3)
    batches(warmed, DAY + timedelta(days=10), 1)
    again = batches(warmed, DAY, 1)
    for dataset in ("coin_hourly", "posts"):
        reference = one(alone, dataset, DAY)
        assert one(longer, dataset, DAY).equals(reference)
        assert one(again, dataset, DAY).equals(reference)


def test_nothing_is_dated_after_now() -> None:
    """The day containing "now" is cut at now, later days are empty, earlier ones whole."""
    now = datetime(2024, 3, 14, 13, 30, 15, tzinfo=UTC)  # DAY, 13:30:15 UTC
    found = batches(DemoSource(seed=3, clock=lambda: now), DAY - timedelta(days=1), 3)
    whole = batches(DemoSource(seed=3), DAY - timedelta(days=1), 3)  # the real clock: later

    # The coin list is as of today, not as of a day still to come.
    assert (found[0].dataset, found[0].day) == ("coins", DAY)
    # The day before is whole, byte for byte what a fetch long after gives.
    for dataset in ("coin_hourly", "posts"):
        assert one(found, dataset, DAY - timedelta(days=1)).equals(
            one(whole, dataset, DAY - timedelta(days=1))
        )
    # Today: the hours reached so far (00:00 .. 13:00), the posts up to now, and each is
    # exactly the whole day's rows that were not in the future.
    now_us = int(now.timestamp()) * 1_000_000
    hourly, full_hourly = one(found, "coin_hourly", DAY), one(whole, "coin_hourly", DAY)
    assert hourly.num_rows == 14 * N_COINS
    assert micros(hourly["ts"]).max() == now_us - 30 * 60_000_000 - 15_000_000
    assert hourly.equals(full_hourly.filter(pc.less_equal(micros(full_hourly["ts"]), now_us)))
    posts, full_posts = one(found, "posts", DAY), one(whole, "posts", DAY)
    assert 0 < posts.num_rows < full_posts.num_rows
    assert now_us - 10 * 60_000_000 < micros(posts["created_at"]).max() <= now_us
    assert posts.equals(full_posts.filter(pc.less_equal(micros(full_posts["created_at"]), now_us)))
    # Tomorrow: nothing yet, still one (empty, typed) batch per dataset.
    for dataset in ("coin_hourly", "posts"):
        later = one(found, dataset, DAY + timedelta(days=1))
        assert later.num_rows == 0
        assert later.schema.equals(DATASETS[dataset].schema)


def test_landing_today_quarantines_nothing_as_future(tmp_path: Path) -> None:
    now = datetime(2024, 3, 14, 9, 5, tzinfo=UTC)
    source = DemoSource(posts_per_day=2000, clock=lambda: now)
    landed = land(
        Lake(str(tmp_path / "lake")), source, Interval(DAY, DAY + timedelta(days=2)), now=now
    )
    assert {x.dataset for x in landed} == {"coins", "coin_hourly", "posts"}
    for item in landed:
        assert not [r for r in item.reasons if "in the future" in r], item
    by_dataset = {x.dataset: x for x in landed}
    assert by_dataset["coin_hourly"].rows_in == 10 * N_COINS  # 00:00 .. 09:00
    assert by_dataset["posts"].rows_landed > 0


def test_different_seeds_differ() -> None:
    a, b = batches(DemoSource(seed=1), DAY, 1), batches(DemoSource(seed=2), DAY, 1)
    assert not one(a, "coin_hourly").equals(one(b, "coin_hourly"))
    assert not one(a, "posts").equals(one(b, "posts"))
    texts_a, texts_b = one(a, "posts")["text"], one(b, "posts")["text"]
    assert texts_a.slice(0, 50) != texts_b.slice(0, 50)


def test_batches_order_days_and_schemas() -> None:
    found = batches(DemoSource(), DAY, 2)
    assert [(b.dataset, b.day) for b in found] == [
        ("coins", DAY + timedelta(days=1)),
        ("coin_hourly", DAY),
        ("posts", DAY),
        ("coin_hourly", DAY + timedelta(days=1)),
        ("posts", DAY + timedelta(days=1)),
    ]
    for batch in found:
        assert batch.records.schema.equals(DATASETS[batch.dataset].schema), batch.dataset


def test_coins_are_real_coingecko_ids() -> None:
    coins = one(batches(DemoSource(), DAY, 1), "coins").to_pylist()
    assert len(coins) == N_COINS >= 30
    by_id = {c["coin_id"]: c for c in coins}
    assert len(by_id) == len(coins)
    assert by_id["bitcoin"] == {"coin_id": "bitcoin", "symbol": "btc", "name": "Bitcoin"}
    assert by_id["avalanche-2"]["symbol"] == "avax"
    assert by_id["matic-network"]["name"] == "Polygon"
    assert {by_id[i]["symbol"] for i in ("near", "harmony", "the-sandbox")} == {
        "near",
        "one",
        "sand",
    }
    assert all(c["symbol"] == c["symbol"].lower() for c in coins)
    weights = {c.coin_id: c.social_weight for c in DEMO_COINS}
    assert max(weights, key=lambda k: weights[k]) == "bitcoin"


def test_coin_hourly_rows_and_values() -> None:
    found = batches(DemoSource(bad_record_rate=0.0), DAY, 3)
    for day in (DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)):
        table = one(found, "coin_hourly", day)
        assert table.num_rows == 24 * N_COINS
        ts = micros(table["ts"])
        assert np.all(ts % HOUR_US == 0)
        assert set(days_of(table["ts"])) == {day}
        per_coin = table.group_by("coin_id").aggregate([("ts", "count_distinct")])
        assert set(per_coin["ts_count_distinct"].to_pylist()) == {24}
        for column in ("price", "market_cap", "total_volume"):
            assert np.all(table[column].to_numpy() > 0), column
    hourly = concat(found, "coin_hourly")
    stable = hourly.filter(pc.is_in(hourly["coin_id"], pa.array(STABLECOINS)))
    assert stable.num_rows == 2 * 24 * 3
    prices = stable["price"].to_numpy()
    assert np.all(np.abs(prices - 1.0) < 0.01)
    btc = hourly.filter(pc.field("coin_id") == "bitcoin")["price"].to_numpy()
    assert btc.min() > 1_000 and btc.max() < 1_000_000
    assert np.std(np.diff(np.log(btc))) > 0.001  # it moves


def test_market_model_is_vectorised_and_cached() -> None:
    model = MarketModel(seed=5)
    window = model.window(date(2023, 3, 1), 48)
    assert window.price.shape == window.z.shape == (N_COINS, 48)
    assert window.start == DEMO_EPOCH.replace(month=3)
    assert not window.price.flags.writeable
    later = MarketModel(seed=5).window(date(2023, 3, 2), 24)
    np.testing.assert_array_equal(later.price, window.price[:, 24:])
    # Volume spikes come with big moves.
    z = np.abs(model.window(DEMO_EPOCH.date(), 60 * 24).z)
    volume = model.window(DEMO_EPOCH.date(), 60 * 24).total_volume
    hourly_change = np.diff(volume, axis=1)
    assert np.corrcoef(z[:, 1:].ravel() ** 2, (hourly_change / volume[:, 1:]).ravel())[0, 1] > 0.1


def test_before_the_epoch_is_refused() -> None:
    with pytest.raises(UserError, match="2023-01-01"):  # a --start the user can change
        list(DemoSource().fetch(Interval(date(2022, 12, 31), date(2023, 1, 2))))
    with pytest.raises(ValueError, match="2023-01-01"):
        MarketModel(seed=1).day_table(date(2022, 6, 1))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"seed": -1},
        {"lead_hours": -1},
        {"lead_hours": 25},
        {"signal": 1.5},
        {"signal": float("nan")},
        {"posts_per_day": -5},
        {"posts_per_day": 10_000_000},
        {"bad_record_rate": 2.0},
    ],
)
def test_invalid_arguments(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        DemoSource(**kwargs)  # type: ignore[arg-type]


def test_posts_content() -> None:
    found = batches(DemoSource(bad_record_rate=0.0), DAY, 3)
    for day in (DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)):
        posts = one(found, "posts", day)
        assert 4400 * 0.85 < posts.num_rows < 4400 * 1.15
        assert set(days_of(posts["created_at"])) == {day}
    posts = concat(found, "posts")
    rows = posts.to_pylist()
    assert {r["source"] for r in rows} == {"demo"}
    assert all(len(r["post_id"]) == 19 and r["post_id"].isdigit() for r in rows)
    assert all(r["url"] == f"https://x.com/{r['author']}/status/{r['post_id']}" for r in rows)
    assert all(r["raw"] is None for r in rows)
    assert min(min(r["likes"], r["reposts"], r["replies"], r["quotes"]) for r in rows) >= 0
    likes = np.array([r["likes"] for r in rows])
    assert np.percentile(likes, 50) < 10 < 1000 < likes.max()  # heavy-tailed
    languages = [r["language"] for r in rows]
    assert languages.count("en") / len(languages) > 0.9
    assert {r["collected_for"] for r in rows} <= {c.coin_id for c in DEMO_COINS}
    counts = {c.coin_id: 0 for c in DEMO_COINS}
    for r in rows:
        counts[r["collected_for"]] += 1
    assert max(counts, key=lambda k: counts[k]) == "bitcoin"
    texts = " ".join(r["text"] for r in rows)
    for piece in ("$BTC", "#Bitcoin", "Bitcoin Cash", "#crypto", "🚀", "📉", "https://t.co/"):
        assert piece in texts, piece

    # Exact duplicates: the same record twice; everything else has a unique id.
    ids = Counter(r["post_id"] for r in rows)
    repeated = {i for i, n in ids.items() if n > 1}
    assert 0.001 < len(repeated) / len(rows) < 0.01
    assert all(ids[i] == 2 for i in repeated)
    twins = [r for r in rows if r["post_id"] in repeated]
    by_id: dict[str, list[dict[str, object]]] = {}
    for r in twins:
        by_id.setdefault(str(r["post_id"]), []).append(r)
    assert all(a == b for a, b in by_id.values())

    # Retweets quote an earlier post of the same day, by its author.
    retweets = [r for r in rows if r["text"].startswith("RT @")]
    assert 0.05 < len(retweets) / len(rows) < 0.2
    originals: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        originals.setdefault((r["author"], r["text"]), []).append(r)
    for rt in retweets[:300]:
        author, text = rt["text"][4:].split(": ", 1)
        assert any(
            o["created_at"] <= rt["created_at"]
            and o["created_at"].date() == rt["created_at"].date()
            and o["collected_for"] == rt["collected_for"]
            for o in originals[(author, text)]
        ), rt


def test_malformed_records_are_planted_deterministically() -> None:
    def bad_counts(rate: float) -> tuple[int, int, int, int]:
        found = batches(DemoSource(seed=9, bad_record_rate=rate), DAY, 2)
        posts, hourly = concat(found, "posts"), concat(found, "coin_hourly")
        return (
            posts["text"].null_count,
            int(np.sum(posts["likes"].to_numpy() < 0)),
            int(np.sum(text_lengths(posts) > MAX_TEXT_CHARS)),
            int(np.sum(hourly["price"].to_numpy() <= 0)),
        )

    assert bad_counts(0.0) == (0, 0, 0, 0)
    planted = bad_counts(0.02)
    assert all(n > 0 for n in planted), planted
    assert bad_counts(0.02) == planted
    # The default rate is small but not zero over a longer stretch.
    default = DemoSource()
    assert default.bad_record_rate == 0.001
    hourly = pa.concat_tables(
        default.market.day_table(DAY + timedelta(days=i), 0.001) for i in range(10)
    )
    assert hourly.schema.equals(COIN_HOURLY.schema)
    assert 0 < np.sum(hourly["price"].to_numpy() <= 0) < 30


def tone_by_coin_hour(source: DemoSource, start: date, days: int) -> dict[str, np.ndarray]:
    """(positive share - negative share) per hour from ``start``, for bitcoin and ethereum."""
    scores = {name: np.full(days * 24, np.nan) for name in ("bitcoin", "ethereum")}
    posts = pa.concat_tables(source.posts(start + timedelta(days=d)) for d in range(days))
    text = pc.utf8_lower(posts["text"])  # no null texts: generated with bad_record_rate=0
    tone = pc.subtract(
        pc.cast(pc.match_substring_regex(text, POSITIVE), pa.int64()),
        pc.cast(pc.match_substring_regex(text, NEGATIVE), pa.int64()),
    ).to_numpy()
    start_us = int(np.datetime64(start.isoformat(), "us").astype(np.int64))
    hour = (micros(posts["created_at"]) - start_us) // HOUR_US
    collected_for = np.asarray(posts["collected_for"].to_pylist())
    for name, score in scores.items():
        mask = collected_for == name
        total = np.bincount(hour[mask], minlength=days * 24)
        net = np.bincount(hour[mask], weights=tone[mask], minlength=days * 24)
        score[:] = net / np.maximum(total, 1)
    return scores


def lagged_correlations(signal: float, lags: tuple[int, ...]) -> dict[int, float]:
    source = DemoSource(seed=11, signal=signal, bad_record_rate=0.0)
    start, days = date(2024, 6, 1), 30
    scores = tone_by_coin_hour(source, start, days)
    # Returns from the source's own output, with a margin for the lags at both ends.
    window = source.market.window(start - timedelta(days=1), (days + 2) * 24)
    ids = [c.coin_id for c in DEMO_COINS]
    result = {}
    for lag in lags:
        xs, ys = [], []
        for name, score in scores.items():
            price = np.asarray(window.price[ids.index(name)])
            log_return = np.diff(np.log(price))  # log_return[k] is hour k + 1 of the window
            hours = np.arange(days * 24)
            ret = log_return[24 + hours + lag - 1]
            xs.append(score)
            ys.append(ret / ret.std())
        result[lag] = float(np.corrcoef(np.concatenate(xs), np.concatenate(ys))[0, 1])
    return result


def test_the_planted_lead_is_found() -> None:
    lead = DemoSource().lead_hours
    corr = lagged_correlations(0.6, (lead, 0, -lead))
    assert corr[lead] > 0.5, corr
    assert corr[lead] > corr[0] + 0.3, corr
    assert corr[lead] > corr[-lead] + 0.3, corr


def test_no_signal_means_no_lead() -> None:
    corr = lagged_correlations(0.0, (3,))
    assert abs(corr[3]) < 0.08, corr


def test_ground_truth_and_scales() -> None:
    source = DemoSource(seed=5, lead_hours=6, signal=0.4)
    truth = json.loads(json.dumps(source.ground_truth()))
    assert truth["seed"] == 5 and truth["lead_hours"] == 6 and truth["signal"] == 0.4
    assert truth["generator"] and truth["version"] and "lead" in truth["relation"]
    assert [c["coin_id"] for c in truth["coins"]] == [c.coin_id for c in DEMO_COINS]
    assert SCALES["small"] == Interval(date(2024, 12, 18), date(2025, 1, 1))
    assert SCALES["seed"] == Interval(date(2024, 1, 1), date(2025, 1, 1))
    assert len(SCALES["seed"].days()) == 366


# ---- the no-signal hard cases of lead-lag statistics (off by default) ---------------------
def _hourly_mean_tone(mood: Mood, days: int = 30, coin: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(bitcoin's mean tone per hour, its relative volatility per hour) over ``days``."""
    market = MarketModel(7)
    means, vols = [], []
    for offset in range(days):
        day = date(2023, 3, 1) + timedelta(days=offset)
        rng = np.random.default_rng([7, POSTS_STREAM, day.toordinal()])
        tones = draw_tones(
            rng, day, market, seed=7, lead_hours=3, signal=0.0, posts_per_day=4400, mood=mood
        )
        mine = tones.coin == coin
        total = np.bincount(tones.hour[mine], weights=tones.tone[mine] - 1.0, minlength=24)
        count = np.bincount(tones.hour[mine], minlength=24)
        means.append(total / np.maximum(count, 1))
        vols.append(market.window(day, 24).vol[coin])
    return np.concatenate(means), np.concatenate(vols)


def _autocorrelation(values: np.ndarray) -> float:
    return float(np.corrcoef(values[1:], values[:-1])[0, 1])


def test_persistent_returns_are_an_ar1_of_unit_variance() -> None:
    walking = [i for i, coin in enumerate(DEMO_COINS) if not coin.stable]  # not pegged
    plain = MarketModel(3).window(EPOCH_DAY, 24 * 60).z[walking]
    persistent = MarketModel(3, return_persistence=0.5).window(EPOCH_DAY, 24 * 60).z[walking]
    assert abs(np.mean([_autocorrelation(z) for z in plain])) < 0.05
    assert np.mean([_autocorrelation(z) for z in persistent]) == pytest.approx(0.5, abs=0.05)
    assert np.var(persistent) == pytest.approx(1.0, abs=0.1)


def test_a_mood_can_persist_and_follow_the_return_volatility() -> None:
    plain, vol = _hourly_mean_tone(Mood())
    persistent, _ = _hourly_mean_tone(Mood(strength=1.0, persistence=0.9))
    volatile, _ = _hourly_mean_tone(Mood(strength=0.5, follows_volatility=True))
    assert abs(_autocorrelation(plain)) < 0.1
    assert _autocorrelation(persistent) > 0.6
    # with the mood following volatility, volatile hours have the most extreme sentiment
    # (without it they have slightly the least: more posts in them average out more)
    extreme = np.corrcoef(np.abs(volatile - volatile.mean()), vol**2)[0, 1]
    usual = np.corrcoef(np.abs(plain - plain.mean()), vol**2)[0, 1]
    assert extreme > 0.3 and extreme > usual + 0.3, (extreme, usual)


def test_the_hard_cases_are_switched_by_settings() -> None:
    settings = Settings(
        demo_return_persistence=0.5,
        demo_mood=1.0,
        demo_mood_persistence=0.8,
        demo_mood_follows_volatility=True,
    )
    source = build_demo_source(settings)
    assert source.market.return_persistence == 0.5
    assert source.mood == Mood(strength=1.0, persistence=0.8, follows_volatility=True)
    truth = source.ground_truth()
    assert truth["return_persistence"] == 0.5 and truth["mood"]["follows_volatility"] is True
    default = build_demo_source(Settings())
    assert default.market.return_persistence == 0.0 and default.mood == Mood()


def test_copies_of_the_coin_universe_multiply_coins_and_hourly_rows(settings: Settings) -> None:
    """CRYPTOPULSE_DEMO_COIN_COPIES (benchmarks at 10x): numbered copies of every coin, each
    with its own hourly rows and posts naming it; one copy is the default universe exactly."""
    plain = build_demo_source(settings)
    tripled = build_demo_source(settings.model_copy(update={"demo_coin_copies": 3}))
    coins = tripled.coins_table()
    assert coins.num_rows == 3 * N_COINS == len(set(coins["coin_id"].to_pylist()))
    assert {"bitcoin-2", "bitcoin-3"} <= set(coins["coin_id"].to_pylist())
    assert plain.coins_table().equals(DemoSource().coins_table())
    hourly = tripled.market.day_table(DAY, 0.0)
    assert hourly.num_rows == 3 * plain.market.day_table(DAY, 0.0).num_rows == 3 * N_COINS * 24
    texts = " ".join(t for t in tripled.posts(DAY)["text"].to_pylist() if t)
    assert "$BTC2" in texts or "Bitcoin 2" in texts or "#Bitcoin2" in texts
