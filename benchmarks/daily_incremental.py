"""Daily incremental run on top of seed-scale history vs. the full seed-scale build.

1. Full build: ``cryptopulse run`` over 2024-01-01..2024-12-31 (365 days of demo data, ~1.6M
   posts) into a fresh lake and warehouse — extract, enrich, transform (first run = full
   build), export.
2. Daily run: ``cryptopulse run --start 2024-12-31 --end 2025-01-01`` on top of it, which lands
   one day and merges it (incremental dbt models), then exports.

Prints wall time and peak RSS of both and the ratio (target: daily ≤ 10% of full).

With ``--history 90,180,365`` it does the same on top of each history length (a fresh lake
each), to show what a daily run's cost follows: the new day, not the days behind it.

    .venv/bin/python benchmarks/daily_incremental.py [--history DAYS,...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

from common import bench_env, run_measured

LAST_DAY = date(2024, 12, 31)  # the daily run's day; the history ends the day before


def stage_times(output: str) -> str:
    lines = [
        ln
        for ln in output.splitlines()
        if any(s in ln for s in ("extract", "enrich", "transform", "export"))
    ]
    return " · ".join(
        " ".join(part for part in ln.replace("│", " ").split() if part)
        for ln in lines
        if ln.strip().startswith("│")
    )


def full_then_daily(
    work: Path, history_days: int
) -> tuple[tuple[float, float, str], tuple[float, float, str]]:
    """A full build of ``history_days`` days before LAST_DAY, then the daily run of LAST_DAY
    on top of it; each (wall seconds, peak RSS MB, output)."""
    env = bench_env(work)
    start = LAST_DAY - timedelta(days=history_days)
    full = run_measured(["run", "--start", str(start), "--end", str(LAST_DAY)], env)
    day_after = LAST_DAY + timedelta(days=1)
    daily = run_measured(["run", "--start", str(LAST_DAY), "--end", str(day_after)], env)
    return full, daily


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--history",
        default="365",
        help="comma-separated history lengths in days to build before the daily run "
        "(default: 365, the seed scale)",
    )
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temp dir)")
    args = parser.parse_args()
    histories = [int(days) for days in args.history.split(",")]
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cp-daily-"))
    results = {}
    try:
        for days in histories:
            work = base / f"history-{days}" if len(histories) > 1 else base
            work.mkdir(parents=True, exist_ok=True)
            results[days] = full_then_daily(work, days)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(
        f"\ncryptopulse daily incremental benchmark · {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{'history':<10}{'run':<28}{'wall s':>9}{'peak RSS MB':>13}")
    for days, (full, daily) in results.items():
        print(f"{days:<10}{'full build':<28}{full[0]:>9.1f}{full[1]:>13.0f}")
        print(f"{'':<10}  stages: {stage_times(full[2])}")
        print(f"{'':<10}{'daily run on top, 1 day':<28}{daily[0]:>9.1f}{daily[1]:>13.0f}")
        print(f"{'':<10}  stages: {stage_times(daily[2])}")
        ratio = daily[0] / full[0]
        verdict = "met" if ratio <= 0.10 else "MISSED"
        print(f"{'':<10}daily / full = {ratio:.1%} (target ≤ 10%: {verdict})")


if __name__ == "__main__":
    main()
