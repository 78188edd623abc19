"""Sentiment throughput and agreement: our scorer vs vaderSentiment, over 1.5M demo posts.

    .venv/bin/python benchmarks/sentiment_throughput.py [--posts 1500000] [--sample 30000]

1. Generates the demo's posts day by day from 2024-01-01 until there are ``--posts``.
2. vaderSentiment 3.3.2 in one process (``polarity_scores`` per post) on a random sample of
   ``--sample`` posts; its throughput is extrapolated to all posts.
3. Ours, the pipeline's way (``BatchScorer``: one batch per day, deduplicated, cached, a
   process pool over the cores), with the overlay off (model ``vader``), over every post;
   also ``Vader.polarity_scores`` alone in one process on the sample (no cache, no pool).
4. Agreement: every distinct text scored by vaderSentiment and by us (overlay off), compared
   on all four figures (compound, pos, neu, neg); every difference is printed.

Target: ≥ 10× vaderSentiment's one-process throughput, identical scores on ≥ 99.9 % of posts.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.compute as pc
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cryptopulse.enrich import _worker
from cryptopulse.enrich.sentiment import MAX_SCORED_CHARS, BatchScorer, VaderScorer
from cryptopulse.enrich.vader import Vader
from cryptopulse.sources.demo import DemoSource


def demo_days(n_posts: int) -> list[pa.Array]:
    source = DemoSource()
    days: list[pa.Array] = []
    total = 0
    day = date(2024, 1, 1)
    while total < n_posts:
        texts = source.posts(day)["text"].combine_chunks().drop_null()
        texts = texts.slice(0, n_posts - total)
        days.append(texts)
        total += len(texts)
        day += timedelta(days=1)
    return days


def reference(analyzer: SentimentIntensityAnalyzer, text: str) -> tuple[float, ...]:
    s = analyzer.polarity_scores(text)
    return (s["compound"], s["pos"], s["neu"], s["neg"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1_500_000)
    parser.add_argument("--sample", type=int, default=30_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; workers: {args.workers}"
    )

    start = time.perf_counter()
    days = demo_days(args.posts)
    posts = pa.chunked_array(days)
    n = len(posts)
    print(
        f"posts: {n:,} demo posts over {len(days)} days (generated in "
        f"{time.perf_counter() - start:.1f} s)"
    )
    distinct = pc.unique(posts).to_pylist()
    print(f"distinct texts: {len(distinct):,} ({len(distinct) / n:.1%})")

    rng = random.Random(7)
    sample = rng.sample(posts.to_pylist(), min(args.sample, n))
    analyzer = SentimentIntensityAnalyzer()
    start = time.perf_counter()
    for text in sample:
        analyzer.polarity_scores(text)
    vader_rate = len(sample) / (time.perf_counter() - start)
    print(
        f"vaderSentiment, 1 process, sample of {len(sample):,}: {vader_rate:,.0f} posts/s "
        f"(1.5M posts: {1_500_000 / vader_rate:,.0f} s, extrapolated)"
    )

    ours = Vader()
    start = time.perf_counter()
    for text in sample:
        ours.polarity_scores(text[:MAX_SCORED_CHARS])
    core_rate = len(sample) / (time.perf_counter() - start)
    print(
        f"ours, scorer alone, 1 process, same sample: {core_rate:,.0f} posts/s "
        f"({core_rate / vader_rate:.1f}x)"
    )

    runs = [(1, 1, "one batch per day, as the enrich step does")]
    runs += [(w, 30, "one batch per 30 days") for w in sorted({1, args.workers})]
    for workers, days_per_batch, how in runs:
        _worker._scorer.cache_clear()  # no warm cache handed on (a forked worker copies it)
        start = time.perf_counter()
        with BatchScorer(VaderScorer(), workers=workers) as batch:
            for first in range(0, len(days), days_per_batch):
                batch.score_texts(pa.chunked_array(days[first : first + days_per_batch]))
            scored = batch.texts_scored
        elapsed = time.perf_counter() - start
        rate = n / elapsed
        print(
            f"ours, BatchScorer, {workers} process(es), {how}: {elapsed:.1f} s, "
            f"{rate:,.0f} posts/s ({rate / vader_rate:.1f}x vaderSentiment); "
            f"{scored:,} cache keys scored, the rest from the cache"
        )

    start = time.perf_counter()
    differences = []
    for text in distinct:
        if reference(analyzer, text) != ours.polarity_scores(text[:MAX_SCORED_CHARS]):
            differences.append(text)
    counts = pc.value_counts(posts).to_pylist()
    weight = {row["values"]: row["counts"] for row in counts}
    differing_posts = sum(weight[t] for t in differences)
    print(
        f"agreement (overlay off, all 4 scores, every distinct text; "
        f"{time.perf_counter() - start:.0f} s): identical on {n - differing_posts:,} of {n:,} "
        f"posts ({(n - differing_posts) / n:.4%}); {len(differences)} distinct texts differ"
    )
    cut = sum(1 for t in differences if len(t) > MAX_SCORED_CHARS)
    print(
        f"  of which longer than {MAX_SCORED_CHARS:,} characters (scored on their first "
        f"{MAX_SCORED_CHARS:,}): {cut}"
    )
    for text in differences[:5]:
        print(
            f"  differs: {text[:120]!r}: vaderSentiment {reference(analyzer, text)}, "
            f"ours {ours.polarity_scores(text[:MAX_SCORED_CHARS])}"
        )


if __name__ == "__main__":
    main()
