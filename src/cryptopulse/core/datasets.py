"""The dataset contracts: each dataset's columns, types and natural key, declared once.

The raw layer's record schemas are what every source lands, whatever it came from.

Each dataset has one Arrow schema, its natural key, and the checks a record must pass to
land in ``raw/``; records that fail go to ``quarantine/`` with the reason (see
``lake.conform``). Timestamps are UTC, microsecond precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")

# Longest post text we accept; anything longer is not a post but a paste or an attack.
MAX_TEXT_CHARS = 10_000
# Longest identifier-like string (ids, symbols, names, authors, urls).
MAX_SHORT_CHARS = 512


@dataclass(frozen=True)
class Range:
    """An accepted numeric range; a bound of None is open."""

    min: float | None = None
    max: float | None = None
    min_inclusive: bool = True


@dataclass(frozen=True)
class Dataset:
    """A raw dataset: its schema, natural key and record checks."""

    name: str
    schema: pa.Schema
    key: tuple[str, ...]
    required: tuple[str, ...]
    ranges: dict[str, Range] = field(default_factory=dict)
    max_chars: dict[str, int] = field(default_factory=dict)
    # Timestamp columns that must not lie in the future.
    not_future: tuple[str, ...] = ()


COINS = Dataset(
    name="coins",
    schema=pa.schema(
        [
            pa.field("coin_id", pa.string()),  # CoinGecko id, e.g. "bitcoin"
            pa.field("symbol", pa.string()),  # lower case, e.g. "btc"
            pa.field("name", pa.string()),  # e.g. "Bitcoin"
        ]
    ),
    key=("coin_id",),
    required=("coin_id", "symbol", "name"),
    max_chars={"coin_id": MAX_SHORT_CHARS, "symbol": MAX_SHORT_CHARS, "name": MAX_SHORT_CHARS},
)

COIN_HOURLY = Dataset(
    name="coin_hourly",
    schema=pa.schema(
        [
            pa.field("coin_id", pa.string()),
            pa.field("ts", UTC_TS),  # the UTC hour the figures belong to
            pa.field("price", pa.float64()),  # USD
            pa.field("market_cap", pa.float64()),  # USD
            pa.field("total_volume", pa.float64()),  # USD traded over the last 24 h
        ]
    ),
    key=("coin_id", "ts"),
    required=("coin_id", "ts", "price"),
    ranges={
        "price": Range(min=0.0, min_inclusive=False),
        "market_cap": Range(min=0.0),
        "total_volume": Range(min=0.0),
    },
    max_chars={"coin_id": MAX_SHORT_CHARS},
    not_future=("ts",),
)

POSTS = Dataset(
    name="posts",
    schema=pa.schema(
        [
            pa.field("source", pa.string()),  # demo, x, reddit, bluesky, import:<name>
            pa.field("post_id", pa.string()),  # the source's own id, unique per source
            pa.field("created_at", UTC_TS),
            pa.field("author", pa.string()),
            pa.field("text", pa.string()),
            pa.field("language", pa.string()),
            pa.field("likes", pa.int64()),
            pa.field("reposts", pa.int64()),
            pa.field("replies", pa.int64()),
            pa.field("quotes", pa.int64()),
            pa.field("url", pa.string()),
            pa.field("collected_for", pa.string()),  # the query or coin it was collected for
            pa.field("raw", pa.string()),  # the untouched original record (JSON), if any
        ]
    ),
    key=("source", "post_id"),
    required=("source", "post_id", "created_at", "text"),
    ranges={
        "likes": Range(min=0),
        "reposts": Range(min=0),
        "replies": Range(min=0),
        "quotes": Range(min=0),
    },
    max_chars={
        "text": MAX_TEXT_CHARS,
        "post_id": MAX_SHORT_CHARS,
        "author": MAX_SHORT_CHARS,
        "url": 2_048,
        "collected_for": MAX_SHORT_CHARS,
    },
    not_future=("created_at",),
)

# The raw datasets sources land (raw/<source>/<dataset>/date=YYYY-MM-DD/).
DATASETS: dict[str, Dataset] = {d.name: d for d in (COINS, COIN_HOURLY, POSTS)}

# How a post named a coin (the ``match_kind`` of the mentions), strongest first; see
# docs/enrich.md#mention-resolution. The dbt models' accepted_values list the same kinds.
MATCH_KINDS: tuple[str, ...] = (
    "cashtag",  # $BTC, $bitcoin
    "hashtag",  # #bitcoin, #BTC, #BitcoinCash, "#Bitcoin Cash"
    "name",  # Bitcoin, Bitcoin Cash, Bitcoin-based, ビットコイン
    "symbol",  # a bare BTC
    "derived",  # bitcoins, Bitcoiners, Bitcoinize
    "hashtag_compound",  # #BitcoinPizzaDay, #bitcoin-friendly, #BTCUSD
    "handle",  # @Bitcoin, an official account (@solana, @0xPolygon)
    "handle_contains",  # @BitcoinMagazine: a handle containing a coin's name
)

# What the enrich step writes back to the lake (enrich/<dataset>/<version>/date=…/), one
# row per post (and coin): the same contracts shape the warehouse's staging of them.
MENTIONS = Dataset(
    name="mentions",
    schema=pa.schema(
        [
            pa.field("source", pa.string()),
            pa.field("post_id", pa.string()),
            pa.field("coin_id", pa.string()),  # null: the post names no coin
            pa.field("match_kind", pa.string()),  # one of MATCH_KINDS
            pa.field("resolver_version", pa.string()),
        ]
    ),
    key=("source", "post_id", "coin_id"),
    required=("source", "post_id", "resolver_version"),
)

SENTIMENT = Dataset(
    name="sentiment",
    schema=pa.schema(
        [
            pa.field("source", pa.string()),
            pa.field("post_id", pa.string()),
            pa.field("model_name", pa.string()),
            pa.field("model_version", pa.string()),
            pa.field("compound", pa.float64()),
            pa.field("pos", pa.float64()),
            pa.field("neu", pa.float64()),
            pa.field("neg", pa.float64()),
        ]
    ),
    key=("source", "post_id", "model_name", "model_version"),
    required=("source", "post_id", "model_name", "model_version"),
)

ENRICH_DATASETS: dict[str, Dataset] = {d.name: d for d in (MENTIONS, SENTIMENT)}
# Every dataset the warehouse reads from the lake.
LAKE_DATASETS: dict[str, Dataset] = {**DATASETS, **ENRICH_DATASETS}
