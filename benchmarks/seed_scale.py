"""Seed-scale benchmark: the original project's volume, end to end, on the embedded default.

Runs ``cryptopulse extract`` (the demo source over 366 days: ≥1.5M posts, ≥250k hourly
rows), ``transform`` and ``export`` as separate processes in a fresh temporary lake and
warehouse, and prints wall time and peak resident memory (RSS) per stage.

    .venv/bin/python benchmarks/seed_scale.py [--scale seed|small] [--keep DIR]

Targets (2 cores, 24 GB): end to end ≤ 90 s, peak RSS ≤ 3 GB.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
from pathlib import Path

import duckdb
from common import bench_env, run_measured

from cryptopulse.sources.demo import SCALES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="seed")
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temp dir)")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cp-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = bench_env(work)
    interval = SCALES[args.scale]
    stages = {
        "extract": ["extract", "--start", str(interval.start), "--end", str(interval.end)],
        "transform": ["transform"],
        "export": ["export"],
    }
    results = {}
    try:
        for name, cli_args in stages.items():
            wall, rss, _ = run_measured(cli_args, env)
            results[name] = (wall, rss)
        with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as con:
            posts = con.execute("select count(*) from fct_posts").fetchall()[0][0]
            hourly = con.execute("select count(*) from fct_coin_stats_hourly").fetchall()[0][0]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\ncryptopulse seed-scale benchmark · scale={args.scale} · {interval}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"fct_posts rows: {posts:,}   fct_coin_stats_hourly rows: {hourly:,}\n")
    print(f"{'stage':<12}{'wall s':>10}{'peak RSS MB':>14}")
    for name, (wall, rss) in results.items():
        print(f"{name:<12}{wall:>10.1f}{rss:>14.0f}")
    total = sum(wall for wall, _ in results.values())
    peak = max(rss for _, rss in results.values())
    print(f"{'total':<12}{total:>10.1f}{peak:>14.0f}")
    print(
        f"\ntargets: end to end ≤ 90 s ({'met' if total <= 90 else 'MISSED'}), "
        f"peak RSS ≤ 3072 MB ({'met' if peak <= 3072 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
