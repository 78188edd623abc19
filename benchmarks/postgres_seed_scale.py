"""Seed scale on PostgreSQL, side by side with the original project's SQL on the same server
in the same sitting (its speed varies a lot from day to day, so only this comparison counts).

Starts its own PostgreSQL (Debian's binaries), lands and enriches the demo source's seed
scale (366 days, ≥1.5M posts) in a temporary lake, then times:
  - cryptopulse: `cryptopulse transform` on PostgreSQL = load (binary COPY of the lake's
    raw and enrich datasets) + every dbt model (star schema, aggregate, social marts) + every
    check;
  - the original: /work/shared/bench/original_sql_on_postgres.py (or --original PATH): its
    staging COPY and load steps, on a database of the same server.

    .venv/bin/python benchmarks/postgres_seed_scale.py [--scale seed|small] [--skip-original]

Goal: cryptopulse at least 3x faster than the original while building more and without the
original's 30x fan-out of the coin facts.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import tempfile
from pathlib import Path

from common import run_measured
from pg_common import DATABASE, ORIGINAL, PASSWORD, USER, pg_env, postgres_server, run_original

from cryptopulse.sources.demo import SCALES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="seed")
    parser.add_argument("--original", default=str(ORIGINAL))
    parser.add_argument("--skip-original", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cp-pg-bench-"))
    interval = SCALES[args.scale]
    results: dict[str, float] = {}
    try:
        with postgres_server.running() as server:
            server.create_login(USER, PASSWORD, DATABASE)
            env = pg_env(server, work)
            for stage, cli in (
                (
                    "extract",
                    ["extract", "--start", str(interval.start), "--end", str(interval.end)],
                ),
                ("enrich", ["enrich"]),
            ):
                wall, _, _ = run_measured(cli, env)
                print(f"prepared the lake: {stage} {wall:.1f} s", flush=True)
            wall, rss, output = run_measured(["transform"], env)
            results["cryptopulse load + build + checks"] = wall
            checks = re.search(r"(\d+)/(\d+) checks passed", output)
            print(
                f"cryptopulse transform: {wall:.1f} s, peak RSS {rss:.0f} MB, "
                f"checks {checks.group(0) if checks else '?'}",
                flush=True,
            )
            original = None
            if not args.skip_original:
                wall, original = run_original(server, args.scale, Path(args.original))
                results["original SQL (stage + load)"] = wall
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nPostgreSQL seed-scale benchmark · scale={args.scale} · {interval}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, PostgreSQL 15 (fsync off, loopback)"
    )
    for name, wall in results.items():
        print(f"  {name:<38}{wall:>8.1f} s")
    if original is not None:
        print(
            f"  original: stage {original['stage_s']} s, transform {original['transform_s']} s, "
            f"coin_stats_hist {original['rows']['crypto.coin_stats_hist']:,} rows"
        )
        ratio = (
            results["original SQL (stage + load)"] / results["cryptopulse load + build + checks"]
        )
        print(
            f"\ncryptopulse is {ratio:.1f}x faster than the original "
            f"(goal ≥ 3x: {'met' if ratio >= 3 else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
