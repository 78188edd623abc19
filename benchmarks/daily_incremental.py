"""Daily incremental run on top of seed-scale history vs. the full seed-scale build.

1. Full build: ``cryptopulse run`` over 2024-01-01..2024-12-31 (365 days of demo data, ~1.6M
   posts) into a fresh lake and warehouse — extract, transform (first run = full build), export.
2. Daily run: ``cryptopulse run --start 2024-12-31 --end 2025-01-01`` on top of it, which lands
   one day and merges it (incremental dbt models), then exports.

Prints wall time and peak RSS of both and the ratio (target: daily ≤ 10% of full).

    .venv/bin/python benchmarks/daily_incremental.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
from pathlib import Path

from common import bench_env, run_measured


def stage_times(output: str) -> str:
    lines = [
        ln for ln in output.splitlines() if any(s in ln for s in ("extract", "transform", "export"))
    ]
    return " · ".join(
        " ".join(part for part in ln.replace("│", " ").split() if part)
        for ln in lines
        if ln.strip().startswith("│")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temp dir)")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cp-daily-"))
    work.mkdir(parents=True, exist_ok=True)
    env = bench_env(work)
    try:
        full = run_measured(["run", "--start", "2024-01-01", "--end", "2024-12-31"], env)
        daily = run_measured(["run", "--start", "2024-12-31", "--end", "2025-01-01"], env)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"\ncryptopulse daily incremental benchmark · {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{'run':<36}{'wall s':>9}{'peak RSS MB':>13}")
    print(f"{'full build, 365 days':<36}{full[0]:>9.1f}{full[1]:>13.0f}")
    print(f"  stages: {stage_times(full[2])}")
    print(f"{'daily run on top, 1 day':<36}{daily[0]:>9.1f}{daily[1]:>13.0f}")
    print(f"  stages: {stage_times(daily[2])}")
    ratio = daily[0] / full[0]
    print(f"\ndaily / full = {ratio:.1%} (target ≤ 10%: {'met' if ratio <= 0.10 else 'MISSED'})")


if __name__ == "__main__":
    main()
