"""The enrich step: landed posts → coin mentions and sentiment scores, back in the lake.

For every raw posts file of the window (every one when the window is None) it brings two
result files up to date (see ``store``): the mentions (resolver version, coin list with
market caps from the lake) and the default model's scores. Posts already done for that
version are skipped, so a rerun costs only what is new.
"""

from __future__ import annotations

import hashlib
import posixpath
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from cryptopulse.enrich import store
from cryptopulse.enrich.mentions import RESOLVER_VERSION, Coin, MentionResolver
from cryptopulse.enrich.sentiment import BatchScorer, VaderScorer, default_scorer
from cryptopulse.lake import Lake, layout
from cryptopulse.settings import Settings
from cryptopulse.sources.base import Interval

Progress = Callable[[str, int, int, str], None]  # (stage, done, total, detail)

SENTIMENT_SCHEMA = pa.schema(
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
)
POST_COLUMNS = ["source", "post_id", "text"]


def _quiet(stage: str, done: int, total: int, detail: str) -> None:
    return None


@dataclass
class EnrichReport:
    files: int = 0
    posts_seen: int = 0
    posts_resolved: int = 0  # mention resolution run on these posts
    posts_scored: int = 0  # sentiment computed for these posts (the rest were done before)
    texts_scored: int = 0  # distinct texts run through the scorer
    mention_rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def versions(scorer: VaderScorer | None = None) -> dict[str, str]:
    """The lake folders the warehouse reads: mentions and sentiment versions."""
    return {
        store.MENTIONS: RESOLVER_VERSION,
        store.SENTIMENT: (scorer or default_scorer()).key,
    }


def lake_coins(lake: Lake) -> list[Coin]:
    """The lake's coin list (the greatest file wins per coin) with the latest market caps."""
    coin_files = lake.glob(layout.dataset_glob(layout.RAW, "coins"))
    coins: dict[str, Coin] = {}
    for rel in coin_files:  # sorted: later files override earlier ones
        for row in store.read_columns(lake, rel, ["coin_id", "symbol", "name"]).to_pylist():
            coins[row["coin_id"]] = Coin(row["coin_id"], row["symbol"] or "", row["name"] or "")
    caps: dict[str, tuple[int, float]] = {}
    hourly = lake.glob(layout.dataset_glob(layout.RAW, "coin_hourly"))
    if hourly:
        # The last two days of partitions hold every coin's latest hour in a daily pipeline.
        days = sorted({_partition_day(rel) for rel in hourly})[-2:]
        for rel in (r for r in hourly if _partition_day(r) in days):
            table = store.read_columns(lake, rel, ["coin_id", "ts", "market_cap"])
            table = table.filter(pc.is_valid(table["market_cap"]))
            ts = table["ts"].cast(pa.int64()).to_pylist()
            for coin_id, when, cap in zip(
                table["coin_id"].to_pylist(), ts, table["market_cap"].to_pylist(), strict=True
            ):
                if coin_id not in caps or when >= caps[coin_id][0]:
                    caps[coin_id] = (when, cap)
    return [
        Coin(c.coin_id, c.symbol, c.name, caps[c.coin_id][1] if c.coin_id in caps else None)
        for c in coins.values()
    ]


def coins_fingerprint(coins: list[Coin]) -> str:
    """Changes when the coin list or the order of market caps changes (mentions must too)."""
    ranked = sorted(coins, key=lambda c: (-(c.market_cap or 0.0), c.coin_id))
    text = "\n".join(f"{c.coin_id}\t{c.symbol}\t{c.name}" for c in ranked)
    return RESOLVER_VERSION + ":" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _partition_day(rel: str) -> date:
    return date.fromisoformat(posixpath.basename(posixpath.dirname(rel)).removeprefix("date="))


def enrich(
    settings: Settings,
    window: Interval | None = None,
    progress: Progress = _quiet,
    *,
    scorer: VaderScorer | None = None,
    workers: int | None = None,
) -> EnrichReport:
    """Resolve mentions and score sentiment for the raw posts of ``window`` (all if None)."""
    lake = Lake(settings.lake_url, s3_endpoint_url=settings.s3_endpoint_url)
    scorer = scorer or default_scorer()
    report = EnrichReport()
    files = store.raw_posts_files(lake)
    if window is not None:
        files = [f for f in files if window.start <= _partition_day(f) < window.end]
    report.files = len(files)
    if not files:
        return report
    coins = lake_coins(lake)
    resolver = MentionResolver(coins)
    fingerprint = coins_fingerprint(coins)
    resolve_seconds = score_seconds = 0.0

    def resolve(posts: pa.Table) -> pa.Table:
        nonlocal resolve_seconds
        start = time.perf_counter()
        table = resolver.resolve_table(posts)
        resolve_seconds += time.perf_counter() - start
        report.mention_rows += table.num_rows
        return table

    with BatchScorer(scorer, workers=workers) as batch_scorer:

        def score(posts: pa.Table) -> pa.Table:
            nonlocal score_seconds
            start = time.perf_counter()
            scores = batch_scorer.score_texts(posts["text"])
            n = posts.num_rows
            table = pa.table(
                {
                    "source": posts["source"],
                    "post_id": posts["post_id"],
                    "model_name": pa.repeat(pa.scalar(scorer.model_name), n),
                    "model_version": pa.repeat(pa.scalar(scorer.model_version), n),
                    **{name: scores[name] for name in ("compound", "pos", "neu", "neg")},
                }
            ).cast(SENTIMENT_SCHEMA)
            score_seconds += time.perf_counter() - start
            return table

        for done, rel in enumerate(files, start=1):
            posts = store.read_columns(lake, rel, POST_COLUMNS)
            report.posts_seen += posts.num_rows
            resolved, _ = store.update_partition(
                lake,
                store.result_file(store.MENTIONS, RESOLVER_VERSION, rel),
                posts,
                resolve,
                fingerprint,
            )
            scored, _ = store.update_partition(
                lake, store.result_file(store.SENTIMENT, scorer.key, rel), posts, score
            )
            report.posts_resolved += resolved
            report.posts_scored += scored
            progress("enrich", done, len(files), posixpath.basename(rel))
        report.texts_scored = batch_scorer.texts_scored
    report.seconds = {"mentions": round(resolve_seconds, 2), "sentiment": round(score_seconds, 2)}
    return report
