"""Seed-scale benchmark: the original project's volume, end to end, on the embedded default.

Runs ``cryptopulse extract`` (the demo source over 366 days: ≥1.5M posts, ≥250k hourly
rows), ``transform`` and ``export`` as separate processes in a fresh temporary lake and
warehouse, and prints wall time and peak resident memory (RSS) per stage. Then, the
warehouse alone: ``transform --full-refresh`` of the same lake, enrichment done (dbt's models
and every check, from scratch). With ``--original``, the original project's SQL
(../shared/bench/original_sql_on_postgres.py) runs after it, in the same sitting, on a
PostgreSQL server of its own.

    .venv/bin/python benchmarks/seed_scale.py [--scale seed|small] [--keep DIR] [--original]

Targets (2 cores, 24 GB): end to end ≤ 50 s, peak RSS ≤ 2 GB, the warehouse rebuild ≤ 15 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import tempfile
from pathlib import Path

import duckdb
from common import bench_env, run_measured

from cryptopulse.sources.demo import SCALES

E2E_TARGET_S = 50.0
RSS_TARGET_MB = 2048.0
REBUILD_TARGET_S = 15.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="seed")
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temp dir)")
    parser.add_argument(
        "--original",
        action="store_true",
        help="also run the original project's SQL on PostgreSQL, after the rebuild",
    )
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
            print(f"{name}: {wall:.1f} s, peak RSS {rss:.0f} MB", flush=True)
        rebuild, rebuild_rss, output = run_measured(["transform", "--full-refresh"], env)
        checks = re.search(r"(\d+)/(\d+) checks passed", output)
        print(f"rebuild: {rebuild:.1f} s", flush=True)
        with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as con:
            posts = con.execute("select count(*) from fct_posts").fetchall()[0][0]
            hourly = con.execute("select count(*) from fct_coin_stats_hourly").fetchall()[0][0]
        original = _original(args.scale) if args.original else None
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
        f"\nwarehouse rebuild (transform --full-refresh, enrichment done): {rebuild:.1f} s, "
        f"peak RSS {rebuild_rss:.0f} MB, {checks.group(0) if checks else 'checks: ?'}"
    )
    if original is not None:
        print(
            f"the original's SQL on PostgreSQL, same sitting: {original:.1f} s "
            f"({original / rebuild:.1f}x the rebuild's time)"
        )
    print(
        f"\ntargets: end to end ≤ {E2E_TARGET_S:.0f} s ({_met(total <= E2E_TARGET_S)}), "
        f"peak RSS ≤ {RSS_TARGET_MB:.0f} MB ({_met(peak <= RSS_TARGET_MB)}), "
        f"rebuild ≤ {REBUILD_TARGET_S:.0f} s ({_met(rebuild <= REBUILD_TARGET_S)})"
    )


def _original(scale: str) -> float:
    """The original project's SQL at ``scale`` on a PostgreSQL server started for it."""
    from pg_common import postgres_server, run_original

    with postgres_server.running() as server:
        wall, figures = run_original(server, scale)
    print(
        f"original: stage {figures['stage_s']} s, transform {figures['transform_s']} s",
        flush=True,
    )
    return wall


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


if __name__ == "__main__":
    main()
