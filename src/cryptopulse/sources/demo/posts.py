"""Tweet-like posts for one day, built without a Python loop per post.

Every piece of a post (tone phrase, coin mention, second coin, emoji, hashtag, link) is an
index into a small vocabulary array; the texts are then assembled column-wise with
``pyarrow.compute.binary_join_element_wise``. All draws for a day come from
``default_rng([seed, POSTS_STREAM, day.toordinal()])``.

The planted signal: the tone of a post collected for coin c in hour h is driven by that
coin's news ``news[c, h + lead_hours]`` (``market.MarketWindow.news``: the return's shock):
``latent = signal * z + sqrt(1 - signal^2) * noise``, and the tone is positive above
``POSITIVE_THRESHOLD``, negative below ``NEGATIVE_THRESHOLD``, neutral in between. So
sentiment *leads* returns by ``lead_hours`` hours. A ``Mood`` (off by default, its own random
stream) adds a per-coin hourly term shared by the hour's posts, which may persist from hour
to hour and follow the return variance: the hard cases of lead-lag statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from cryptopulse.core.datasets import MAX_TEXT_CHARS, POSTS, UTC_TS
from cryptopulse.sources.demo.market import MarketModel, day_start_us
from cryptopulse.sources.demo.vocabulary import (
    ADJECTIVES,
    BASE62,
    CONNECTORS,
    EMOJIS,
    HASHTAGS,
    LANGUAGE_P,
    LANGUAGES,
    LEADS,
    MENTION_FORM_P,
    NOUNS,
    SUFFIXES,
    TAILS,
)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

POSTS_STREAM = 2
MOOD_STREAM = 4  # the hard cases' mood: its own stream, so the default draws never move
SOURCE_NAME = "demo"

POSITIVE_THRESHOLD = 0.45  # a slight bullish tilt, as on crypto social media
NEGATIVE_THRESHOLD = -0.55
RETWEET_RATE = 0.12
DUPLICATE_RATE = 0.005
SECOND_COIN_RATE = 0.15
EMOJI_RATE = 0.5
HASHTAG_RATE = 0.4
URL_RATE = 0.2
AUTHOR_POOL_SIZE = 50_000
URL_POOL_SIZE = 4_096
TWITTER_EPOCH_MS = 1_288_834_974_657  # snowflake ids count milliseconds from here

# Posting activity by UTC hour: busiest 13-21 UTC (US daytime).
_POST_RHYTHM = 1.0 + 0.6 * np.cos(2.0 * np.pi * (np.arange(24) - 17) / 24.0)
_WEEKDAY_FACTOR = (1.04, 1.04, 1.04, 1.04, 1.04, 0.9, 0.9)  # Mon..Sun, mean 1


def join(*parts: pa.Array | str, sep: str, skip_nulls: bool = False) -> pa.StringArray:
    """Element-wise string join; plain strings broadcast, nulls are skipped or propagate."""
    # The pyarrow stubs want all pieces of one type; Arrow itself broadcasts scalars.
    binary_join: Any = pc.binary_join_element_wise
    result: pa.StringArray = binary_join(
        *parts, sep, null_handling="skip" if skip_nulls else "emit_null"
    )
    return result


def _masked_take(
    values: pa.StringArray, idx: IntArray, keep: npt.NDArray[np.bool_]
) -> pa.StringArray:
    """``values[idx]``, null where ``keep`` is False."""
    indices: pa.Int64Array = pa.array(idx, type=pa.int64(), mask=~keep)
    return values.take(indices)


@cache
def author_pool() -> pa.StringArray:
    """~50k synthetic handles (adjective + noun + suffix), in a fixed shuffled order."""
    n_adj, n_noun = len(ADJECTIVES), len(NOUNS)
    i = np.random.default_rng(20230101).permutation(AUTHOR_POOL_SIZE)
    return join(
        pa.array(ADJECTIVES).take(i % n_adj),
        pa.array(NOUNS).take((i // n_adj) % n_noun),
        pa.array(SUFFIXES).take((i // (n_adj * n_noun)) % len(SUFFIXES)),
        sep="",
    )


@cache
def url_pool() -> pa.StringArray:
    """Short-link paths: ``https://t.co/`` + 10 base62 characters."""
    rng = np.random.default_rng(20230102)
    chars = BASE62[rng.integers(0, BASE62.size, size=(URL_POOL_SIZE, 10))]
    paths = pa.array(np.ascontiguousarray(chars).view("S10").ravel(), pa.binary(10))
    return join("https://t.co/", paths.cast(pa.string()), sep="")


def _flat_vocab(groups: tuple[tuple[str, ...], ...]) -> tuple[pa.StringArray, IntArray, IntArray]:
    """Concatenate per-tone vocabularies; return (values, offsets, sizes) indexed by tone."""
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return pa.array([w for g in groups for w in g], pa.string()), offsets, sizes


def _pick_by_tone(
    rng: np.random.Generator,
    groups: tuple[tuple[str, ...], ...],
    tone: IntArray,
    keep: npt.NDArray[np.bool_],
) -> pa.StringArray:
    """One word per post from its tone's vocabulary; null where ``keep`` is False."""
    values, offsets, sizes = _flat_vocab(groups)
    idx = offsets[tone] + (rng.random(tone.size) * sizes[tone]).astype(np.int64)
    return _masked_take(values, idx, keep)


def _pick(
    rng: np.random.Generator, vocab: pa.StringArray, n: int, keep: npt.NDArray[np.bool_]
) -> pa.StringArray:
    return _masked_take(vocab, rng.integers(0, len(vocab), size=n), keep)


@dataclass(frozen=True)
class Mood:
    """A per-coin hourly mood every post of that coin-hour shares (off by default): the
    hard cases of lead-lag statistics. ``strength`` scales it in the tone's latent,
    ``persistence`` is its AR(1) coefficient from hour to hour, and with
    ``follows_volatility`` its spread follows the coin's return variance in that hour
    (volatile hours bring more extreme posts)."""

    strength: float = 0.0
    persistence: float = 0.0
    follows_volatility: bool = False


def _mood(seed: int, day: date, market: MarketModel, mood: Mood) -> FloatArray:
    """The (n_coins, 24) mood of ``day``: its own stream, an AR(1) run in from two days
    before (so a day's mood does not depend on which days were asked for)."""
    n_coins = market.n_coins
    shocks = [
        np.random.default_rng(
            [seed, MOOD_STREAM, (day - timedelta(days=back)).toordinal()]
        ).standard_normal((n_coins, 24))
        for back in (2, 1, 0)
    ]
    innovations = np.concatenate(shocks, axis=1)
    phi = mood.persistence
    level = innovations[:, 0]
    path = np.empty_like(innovations)
    for hour in range(innovations.shape[1]):
        level = phi * level + np.sqrt(1.0 - phi**2) * innovations[:, hour]
        path[:, hour] = level
    today = path[:, 48:]
    if mood.follows_volatility:
        # spread in proportion to the hour's return variance (relative to the coin's usual):
        # calm hours, mild posts; turbulent ones, extreme posts
        today = today * market.window(day, 24).vol ** 2
    return mood.strength * today


NO_MOOD = Mood()


@dataclass(frozen=True)
class Tones:
    """The posts of one day before their text: coin-hour, time of day and tone."""

    coin: IntArray
    hour: IntArray
    ms_in_day: IntArray
    tone: IntArray  # 0 negative, 1 neutral, 2 positive


def draw_tones(
    rng: np.random.Generator,
    day: date,
    market: MarketModel,
    *,
    seed: int,
    lead_hours: int,
    signal: float,
    posts_per_day: int,
    mood: Mood,
) -> Tones:
    """How many posts, which coin-hour each belongs to, and their tones (the planted lead
    and, when on, the mood). The first draws of ``posts_table`` from its day's stream."""
    coins = market.coins
    n_coins = len(coins)
    window = market.window(day, 24 + lead_hours)  # returns of the next day feed the last hours
    z_now, z_lead = window.z[:, :24], window.news[:, lead_hours : lead_hours + 24]

    # How many posts, and which coin-hour each belongs to: coin shares follow the social
    # weights; within a coin, hours follow the daily rhythm and the size of the move.
    expected = posts_per_day * _WEEKDAY_FACTOR[day.weekday()] / (1.0 + DUPLICATE_RATE)
    n = int(rng.poisson(expected))
    weights = np.array([c.social_weight for c in coins])
    weights = weights / weights.sum()
    intensity = _POST_RHYTHM[None, :] * (1.0 + 0.6 * np.minimum(np.abs(z_now), 4.0))
    cell_p = intensity / intensity.sum(axis=1, keepdims=True) * weights[:, None]
    cell = rng.choice(n_coins * 24, size=n, p=cell_p.ravel() / cell_p.sum())
    second = rng.integers(0, 3600, size=n)
    milli = rng.integers(0, 1000, size=n)
    ms_in_day = (cell % 24) * 3_600_000 + second * 1000 + milli
    order = np.argsort(ms_in_day, kind="stable")
    cell, ms_in_day = cell[order], ms_in_day[order]
    coin, hour = cell // 24, cell % 24

    # Tone: the planted lead of sentiment over returns.
    noise = rng.standard_normal(n)
    latent = signal * z_lead[coin, hour] + np.sqrt(1.0 - signal**2) * noise
    if mood.strength > 0.0:  # off: the draws and tones exactly as without it
        latent = latent + _mood(seed, day, market, mood)[coin, hour]
    tone = np.where(latent > POSITIVE_THRESHOLD, 2, np.where(latent < NEGATIVE_THRESHOLD, 0, 1))
    return Tones(coin, hour, ms_in_day, tone)


def posts_table(
    day: date,
    market: MarketModel,
    *,
    seed: int,
    lead_hours: int,
    signal: float,
    posts_per_day: int,
    bad_record_rate: float,
    mood: Mood | None = None,
) -> pa.Table:
    """One day of POSTS records (``source`` = "demo"), ordered by time, duplicates last."""
    coins = market.coins
    n_coins = len(coins)
    rng = np.random.default_rng([seed, POSTS_STREAM, day.toordinal()])
    tones = draw_tones(
        rng,
        day,
        market,
        seed=seed,
        lead_hours=lead_hours,
        signal=signal,
        posts_per_day=posts_per_day,
        mood=mood or NO_MOOD,
    )
    coin, ms_in_day, tone = tones.coin, tones.ms_in_day, tones.tone
    n = coin.size
    weights = np.array([c.social_weight for c in coins])
    weights = weights / weights.sum()

    # Text pieces; nulls are skipped by the join.
    mentions = pa.array(
        [c.cashtag for c in coins] + [c.name for c in coins] + [c.hashtag for c in coins]
    )
    form = rng.choice(3, size=n, p=MENTION_FORM_P)
    mention = mentions.take(form * n_coins + coin)
    use_lead = rng.random(n) < 0.5
    lead = _pick_by_tone(rng, LEADS, tone, use_lead)
    tail = _pick_by_tone(rng, TAILS, tone, ~use_lead)
    coin2 = rng.choice(n_coins, size=n, p=weights)
    coin2 = np.where(coin2 == coin, (coin + 1) % n_coins, coin2)
    form2 = rng.choice(3, size=n, p=MENTION_FORM_P)
    connector = _pick(rng, pa.array(CONNECTORS), n, rng.random(n) < SECOND_COIN_RATE)
    second_coin = join(connector, mentions.take(form2 * n_coins + coin2), sep=" ")
    emoji = _pick_by_tone(rng, EMOJIS, tone, rng.random(n) < EMOJI_RATE)
    hashtag = _pick(rng, pa.array(HASHTAGS), n, rng.random(n) < HASHTAG_RATE)
    link = _pick(rng, url_pool(), n, rng.random(n) < URL_RATE)
    text = join(lead, mention, tail, second_coin, emoji, hashtag, link, sep=" ", skip_nulls=True)

    # Authors: log-uniform rank, i.e. Zipf-like activity (a few very active accounts).
    rank = np.floor(np.exp(rng.random(n) * np.log(AUTHOR_POOL_SIZE))).astype(np.int64) - 1
    author = author_pool().take(rank)

    # Retweets copy the text of an earlier original of the same day and inherit its coin.
    is_rt = rng.random(n) < RETWEET_RATE
    if n:
        is_rt[0] = False  # so every later post has at least one original before it
    original = ~is_rt
    originals_before: IntArray = np.cumsum(original) - original.astype(np.int64)
    pick = (rng.random(n) * originals_before).astype(np.int64)  # < originals_before
    src = np.arange(n)
    src[is_rt] = np.flatnonzero(original)[pick[is_rt]]
    rt_text = join("RT @", author.take(src), ": ", text.take(src), sep="")
    text = pc.if_else(pa.array(is_rt), rt_text, text)
    coin = coin[src]

    # Engagement: heavy-tailed, reposts/replies/quotes a thinning of likes.
    # A lognormal body times a Lomax (Pareto II) factor gives the occasional viral post.
    appeal = np.exp(rng.normal(0.4, 1.4, size=n)) * (1.0 + rng.pareto(1.1, size=n))
    likes = np.floor(np.minimum(appeal, 5e6)).astype(np.int64)
    reposts = rng.binomial(likes, 0.15)
    replies = rng.binomial(likes, 0.08) + rng.poisson(0.3, size=n)
    quotes = rng.binomial(likes, 0.02)
    language = pa.array(LANGUAGES).take(rng.choice(len(LANGUAGES), size=n, p=LANGUAGE_P))

    # Snowflake-like ids: milliseconds since the Twitter epoch in the high bits and a
    # bijective scramble of the day's row number in the low 22 bits -> unique, 19 digits.
    ms = (day_start_us(day) // 1000 + ms_in_day - TWITTER_EPOCH_MS).astype(np.int64)
    low = (np.arange(n, dtype=np.int64) * 2_654_435_761) & 0x3FFFFF
    post_id = pa.array((ms << 22) | low).cast(pa.string())
    created_at = (day_start_us(day) + (ms_in_day // 1000) * 1_000_000).astype(np.int64)

    # A few malformed records for the quarantine: null text, negative likes, giant text.
    bad = rng.random(n) < bad_record_rate
    kind = rng.integers(0, 3, size=n)
    likes = np.where(bad & (kind == 1), -1 - likes, likes)
    filler = "spam " * (MAX_TEXT_CHARS // 5 + 1)
    too_long = bad & (kind == 2)
    giant = join(text.filter(pa.array(too_long)), filler, sep=" ")  # only the few bad rows
    text = pc.replace_with_mask(text, pa.array(too_long), giant)
    text = pc.if_else(pa.array(bad & (kind == 0)), pa.scalar(None, pa.string()), text)

    collected_for = pa.array([c.coin_id for c in coins]).take(coin)
    table = pa.table(
        {
            "source": pa.repeat(pa.scalar(SOURCE_NAME, pa.string()), n),
            "post_id": post_id,
            "created_at": pa.array(created_at, type=UTC_TS),
            "author": author,
            "text": text,
            "language": language,
            "likes": pa.array(likes, pa.int64()),
            "reposts": pa.array(reposts, pa.int64()),
            "replies": pa.array(replies, pa.int64()),
            "quotes": pa.array(quotes, pa.int64()),
            "url": join("https://x.com/", author, "/status/", post_id, sep=""),
            "collected_for": collected_for,
            "raw": pa.nulls(n, pa.string()),
        }
    )
    # Exact duplicates, as if a later page returned them again.
    dup = np.flatnonzero(rng.random(n) < DUPLICATE_RATE)
    table = table.take(np.concatenate([np.arange(n), dup]))
    return table.cast(POSTS.schema)
