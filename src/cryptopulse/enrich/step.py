"""The enrich step: landed posts → coin mentions and sentiment scores, back in the lake.

For every raw posts file of the window (every one when the window is None) it brings two
result files up to date (see ``store``): the mentions (resolver version, coin list with
market caps from the lake) and the default model's scores. Posts already done for that
version are skipped, so a rerun costs only what is new.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import get_all_start_methods, get_context
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from cryptopulse.core.datasets import SENTIMENT
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.enrich import store
from cryptopulse.enrich.mentions import RESOLVER_VERSION, Coin, MentionResolver
from cryptopulse.enrich.sentiment import BatchScorer, VaderScorer, default_scorer
from cryptopulse.lake import Lake, integrity, layout, open_lake

Progress = Callable[[str, int, int, str], None]  # (stage, done, total, detail)

SENTIMENT_SCHEMA = SENTIMENT.schema
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

    def add(self, result: FileResult) -> None:
        """Count one file's result in (the seconds are summed over every worker)."""
        self.posts_seen += result.posts_seen
        self.posts_resolved += result.posts_resolved
        self.posts_scored += result.posts_scored
        self.mention_rows += result.mention_rows
        self.texts_scored += result.texts_scored
        for stage, spent in (
            ("mentions", result.resolve_seconds),
            ("sentiment", result.score_seconds),
        ):
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + spent, 2)


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
    for row in _rows_by_file(lake, coin_files, ["coin_id", "symbol", "name"]):
        # Files in name order (a daily snapshot a day): later snapshots override earlier ones.
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


def _rows_by_file(lake: Lake, files: list[str], columns: list[str]) -> list[dict[str, Any]]:
    """The rows of ``files``, file by file in the order given, read in one parallel scan
    (a year of daily snapshots is 365 small reads, slow one by one on S3)."""
    if not files:
        return []
    paths = [lake.path(rel) for rel in files]
    batches: dict[str, list[pa.RecordBatch]] = {path: [] for path in paths}
    try:
        dataset = pads.dataset(paths, filesystem=lake.fs, format="parquet")
        for tagged in dataset.scanner(columns=columns).scan_batches():
            batches[tagged.fragment.path].append(tagged.record_batch)
    except (OSError, pa.ArrowException) as exc:
        explained = integrity.explain_read_error(lake, exc, files, check_all=True)
        if explained is None:
            raise
        raise explained from exc
    return [row for path in paths for batch in batches[path] for row in batch.to_pylist()]


def coins_fingerprint(coins: list[Coin]) -> str:
    """Changes when the coin list or the order of market caps changes (mentions must too)."""
    ranked = sorted(coins, key=lambda c: (-(c.market_cap or 0.0), c.coin_id))
    text = "\n".join(f"{c.coin_id}\t{c.symbol}\t{c.name}" for c in ranked)
    return RESOLVER_VERSION + ":" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _partition_day(rel: str) -> date:
    return date.fromisoformat(posixpath.basename(posixpath.dirname(rel)).removeprefix("date="))


@dataclass
class FileResult:
    posts_seen: int
    posts_resolved: int
    posts_scored: int
    mention_rows: int
    texts_scored: int
    resolve_seconds: float
    score_seconds: float


@dataclass
class EnrichJob:
    """What enriching one raw posts file needs; rebuilt in each worker process."""

    lake_url: str
    s3_endpoint_url: str | None
    coins: list[Coin]
    fingerprint: str
    scorer: VaderScorer


class FileEnricher:
    """Brings one raw posts file's mention and sentiment results up to date."""

    def __init__(self, job: EnrichJob, scoring_workers: int = 1) -> None:
        self.job = job
        # A fresh Lake per process: an S3 client does not survive a fork.
        self.lake = Lake(job.lake_url, s3_endpoint_url=job.s3_endpoint_url)
        self.resolver = MentionResolver(job.coins)
        self.batch_scorer = BatchScorer(job.scorer, workers=scoring_workers)

    def close(self) -> None:
        self.batch_scorer.close()

    def __call__(self, rel: str) -> FileResult:
        scorer = self.job.scorer
        timings = {"resolve": 0.0, "score": 0.0}
        mention_rows = 0
        texts_before = self.batch_scorer.texts_scored

        def resolve(posts: pa.Table) -> pa.Table:
            nonlocal mention_rows
            start = time.perf_counter()
            table = self.resolver.resolve_table(posts)
            timings["resolve"] += time.perf_counter() - start
            mention_rows += table.num_rows
            return table

        def score(posts: pa.Table) -> pa.Table:
            start = time.perf_counter()
            scores = self.batch_scorer.score_texts(posts["text"])
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
            timings["score"] += time.perf_counter() - start
            return table

        posts = store.read_columns(self.lake, rel, POST_COLUMNS)
        resolved, _ = store.update_partition(
            self.lake,
            store.result_file(store.MENTIONS, RESOLVER_VERSION, rel),
            posts,
            resolve,
            self.job.fingerprint,
        )
        scored, _ = store.update_partition(
            self.lake, store.result_file(store.SENTIMENT, scorer.key, rel), posts, score
        )
        return FileResult(
            posts_seen=posts.num_rows,
            posts_resolved=resolved,
            posts_scored=scored,
            mention_rows=mention_rows,
            texts_scored=self.batch_scorer.texts_scored - texts_before,
            resolve_seconds=timings["resolve"],
            score_seconds=timings["score"],
        )


def prepare(
    settings: Settings, window: Interval | None, scorer: VaderScorer | None = None
) -> tuple[list[str], EnrichJob | None]:
    """The raw posts files of ``window``'s days (every one when None), in name order, and what
    a worker needs to enrich any of them (None when there is none): the coin list, its
    fingerprint, the scorer, and the lake's absolute address, so that a worker with another
    working folder (a Spark executor) finds the same lake."""
    lake = open_lake(settings)
    files = store.raw_posts_files(lake)
    if window is not None:
        files = [f for f in files if window.start <= _partition_day(f) < window.end]
    if not files:
        return files, None
    coins = lake_coins(lake)
    fingerprint = coins_fingerprint(coins)
    job = EnrichJob(
        lake.uri(), settings.s3_endpoint_url, coins, fingerprint, scorer or default_scorer()
    )
    return files, job


def done_posts(lake: Lake, job: EnrichJob, rel: str) -> int | None:
    """The number of posts of raw posts file ``rel`` when both its result files are already
    up to date (what ``FileEnricher`` would leave unchanged), else None. It reads only the
    key columns and footers, not the texts, and computes nothing."""
    mentions = store.result_file(store.MENTIONS, RESOLVER_VERSION, rel)
    sentiment = store.result_file(store.SENTIMENT, job.scorer.key, rel)
    if not (lake.exists(mentions) and lake.exists(sentiment)):
        return None
    found = store.distinct_post_keys(lake, rel)
    if found is None:
        return None
    keys, rows = found
    if store.is_up_to_date(lake, mentions, keys, job.fingerprint) and store.is_up_to_date(
        lake, sentiment, keys
    ):
        return rows
    return None


def _pending(
    lake: Lake, job: EnrichJob, files: list[str], workers: int
) -> Iterator[tuple[str, int | None]]:
    """Each file with its post count when it is already done (None when it is not), in
    order; checked on threads (the reads release the GIL and may wait on S3)."""
    if len(files) < PARALLEL_MIN_FILES:
        for rel in files:
            yield rel, done_posts(lake, job, rel)
        return
    with ThreadPoolExecutor(max(2, workers)) as pool:
        yield from zip(files, pool.map(lambda rel: done_posts(lake, job, rel), files), strict=True)


# The worker process's enricher, made once per process by _start_worker.
_worker_enricher: FileEnricher | None = None


def _start_worker(job: EnrichJob) -> None:
    global _worker_enricher
    _worker_enricher = FileEnricher(job)


def _enrich_in_worker(rel: str) -> FileResult:
    assert _worker_enricher is not None, "worker not initialised"
    return _worker_enricher(rel)


# Below this many files the pool's start-up costs more than it saves.
PARALLEL_MIN_FILES = 8


def enrich(
    settings: Settings,
    window: Interval | None = None,
    progress: Progress = _quiet,
    *,
    scorer: VaderScorer | None = None,
    workers: int | None = None,
) -> EnrichReport:
    """Resolve mentions and score sentiment for the raw posts of ``window`` (all if None).

    Partition files are independent, so with several files they are enriched in parallel,
    one whole file per worker process at a time.
    """
    files, job = prepare(settings, window, scorer)
    report = EnrichReport(files=len(files))
    if job is None:
        return report
    workers = workers if workers is not None else (os.cpu_count() or 1)
    done = 0

    def add(result: FileResult, rel: str) -> None:
        nonlocal done
        done += 1
        report.add(result)
        progress("enrich", done, len(files), posixpath.basename(rel))

    # Files already enriched are told apart first from their keys alone: a rerun over a
    # year of done files starts no worker and reads no text.
    todo = []
    for rel, seen in _pending(
        Lake(job.lake_url, s3_endpoint_url=job.s3_endpoint_url), job, files, workers
    ):
        if seen is None:
            todo.append(rel)
        else:
            add(FileResult(seen, 0, 0, 0, 0, 0.0, 0.0), rel)
    if not todo:
        return report
    if workers <= 1 or len(todo) < PARALLEL_MIN_FILES:
        # One file's texts may still be scored on several cores (a large import).
        enricher = FileEnricher(job, scoring_workers=workers)
        try:
            for rel in todo:
                add(enricher(rel), rel)
        finally:
            enricher.close()
    else:
        # fork where there is one: a spawned worker would re-import the caller's main
        # module (the CLI, Airflow) first.
        method = "fork" if "fork" in get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(
            workers, mp_context=get_context(method), initializer=_start_worker, initargs=(job,)
        ) as pool:
            results = pool.map(_enrich_in_worker, todo, chunksize=2)
            for rel, result in zip(todo, results, strict=True):
                add(result, rel)
    return report
