"""Mention resolution on the labelled set: precision and recall per match kind, and speed.

    .venv/bin/python benchmarks/mention_resolution.py [--posts 300000]

1. The per-kind report of tests/enrich/test_enrich_mentions.py over
   tests/enrich/data/labelled_mentions.tsv (the same figures the test asserts on).
2. Throughput of ``MentionResolver.resolve_table`` on one core: the labelled texts repeated
   to ``--posts`` posts, each made distinct (so the per-batch memo does not help).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from itertools import cycle, islice
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "enrich"))

from test_enrich_mentions import _labelled, labelled_resolver, per_kind_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300_000)
    args = parser.parse_args()
    resolver = labelled_resolver()
    report, misses = per_kind_report(resolver)
    print(f"labelled posts: {len(_labelled())}")
    print("| match kind | precision | recall | labelled mentions | found |")
    print("|---|---:|---:|---:|---:|")
    for key, row in report.items():
        print(
            f"| {key} | {row['precision']:.3f} | {row['recall']:.3f} "
            f"| {row['labelled']:.0f} | {row['found']:.0f} |"
        )
    print("posts resolved differently from their label:")
    print("\n".join(f"  {miss}" for miss in misses) or "  none")
    texts = list(islice(cycle(text for text, _ in _labelled()), args.posts))
    posts = pa.table(
        {
            "source": ["x"] * len(texts),
            "post_id": [str(i) for i in range(len(texts))],
            "text": [f"{t} #{i}" for i, t in enumerate(texts)],
        }
    )
    start = time.perf_counter()
    resolver.resolve_table(posts)
    seconds = time.perf_counter() - start
    print(
        f"throughput: {len(texts) / seconds:,.0f} posts/s on one core "
        f"({len(texts):,} posts in {seconds:.2f} s; {platform.machine()}, "
        f"Python {platform.python_version()})"
    )


if __name__ == "__main__":
    main()
