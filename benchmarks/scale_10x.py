"""10x benchmark: ten times the seed scale end to end, on DuckDB and (once it exists) Spark.

Builds a demo lake FACTOR times the seed scale (benchmarks/seed_scale.py: 366 days, 4,400
posts a day, 30 coins: 1.6M posts, 263k hourly rows), then runs ``cryptopulse enrich``,
``transform`` and ``export`` as separate processes for each engine on that lake, and prints
each stage's wall time and peak memory against the issue's goals for 10x on one machine
(end to end <= 6 min, peak <= 8 GB).

    .venv/bin/python benchmarks/scale_10x.py [--factor 10] [--engine duckdb|spark|both]
        [--spark-master 'local[2]'] [--keep DIR]

How the factor scales the seed:
* FACTOR >= 1: the seed year with FACTOR times the posts a day and round(FACTOR) copies of
  the coin universe (CRYPTOPULSE_DEMO_COIN_COPIES): 10 gives ~16M posts, ~2.6M hourly rows;
* FACTOR < 1 (to try the script out): the seed's posts a day and coins over the last
  round(366 * FACTOR) days of the seed year.

Both engines enrich and build from the same landed raw zone (the enrich results and the
marts are cleared before each engine). Memory is given two ways: the largest single process
(ru_maxrss) and the sum over the process tree, sampled (Spark's JVM and worker processes
included; pages they share are counted twice, so the sum is an upper bound).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

from common import CLI, bench_env, run_sampled

from cryptopulse.lake import layout
from cryptopulse.sources.demo import SCALES
from cryptopulse.sources.demo.coins import DEMO_COINS

SEED = SCALES["seed"]
SEED_POSTS_PER_DAY = 4400
GOAL_SECONDS = 6 * 60  # the goal for 10x on one machine with DuckDB
GOAL_MB = 8 * 1024
STAGES = {"enrich": ["enrich"], "transform": ["transform"], "export": ["export"]}


def lake_plan(factor: float) -> tuple[str, str, dict[str, str]]:
    """(start, end, demo settings) of the extract for ``factor`` times the seed scale."""
    if factor <= 0:
        raise SystemExit(f"--factor must be positive, got {factor}")
    if factor >= 1:
        demo = {
            "CRYPTOPULSE_DEMO_POSTS_PER_DAY": str(round(SEED_POSTS_PER_DAY * factor)),
            "CRYPTOPULSE_DEMO_COIN_COPIES": str(round(factor)),
        }
        return str(SEED.start), str(SEED.end), demo
    days = max(1, round((SEED.end - SEED.start).days * factor))
    return str(SEED.end - timedelta(days=days)), str(SEED.end), {}


def engine_env(engine: str, work: Path, master: str) -> dict[str, str]:
    env = bench_env(work)
    if engine == "spark":
        env["CRYPTOPULSE_WAREHOUSE_URL"] = f"spark://{master}"
        env["CRYPTOPULSE_SPARK_WAREHOUSE_DIR"] = str(work / "spark-warehouse")
        env["CRYPTOPULSE_SPARK_WORK_DIR"] = str(work / "spark-work")  # metastore, scratch
    return env


def engine_missing(env: dict[str, str]) -> str | None:
    """Why the engine the environment names cannot run here (None when it can)."""
    probe = subprocess.run(
        [CLI, "status"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if probe.returncode == 0:
        return None
    return " ".join((probe.stderr or probe.stdout).split())[:400]


def _can_run(engine: str, work: Path, master: str) -> bool:
    reason = engine_missing(engine_env(engine, work, master))
    if reason is not None:
        print(f"skipping {engine}: the pipeline cannot run on it here: {reason}")
    return reason is None


def clear_outputs(work: Path) -> None:
    """What one engine's run leaves in the lake and beside it, so the next starts level."""
    for folder in (layout.ENRICH, layout.MARTS):
        shutil.rmtree(work / "lake" / folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factor", type=float, default=10.0, help="times the seed scale")
    parser.add_argument("--engine", choices=("duckdb", "spark", "both"), default="duckdb")
    parser.add_argument("--spark-master", default="local[2]", help="spark://<this> for Spark")
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temp dir)")
    args = parser.parse_args()

    start, end, demo = lake_plan(args.factor)
    engines = ["duckdb", "spark"] if args.engine == "both" else [args.engine]
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cp-10x-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**bench_env(work), **demo}

    results: dict[str, dict[str, tuple[float, float, float]]] = {}
    try:
        runnable = [e for e in engines if _can_run(e, work, args.spark_master)]
        if not runnable:
            raise SystemExit("no engine to measure")
        extract = run_sampled(["extract", "--start", start, "--end", end], env)[:3]
        lake = work / "lake"
        posts = _rows(lake, "posts")
        hourly = _rows(lake, "coin_hourly")
        for engine in runnable:
            clear_outputs(work)
            stage_env = {**engine_env(engine, work, args.spark_master), **demo}
            results[engine] = {}
            for name, cli_args in STAGES.items():
                wall, largest, tree, _ = run_sampled(cli_args, stage_env)
                results[engine][name] = (wall, largest, tree)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    copies = int(demo.get("CRYPTOPULSE_DEMO_COIN_COPIES", "1"))
    print(f"\ncryptopulse {args.factor:g}x seed-scale benchmark · days [{start}, {end})")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"raw posts: {posts:,}   raw hourly rows: {hourly:,}   coins: {len(DEMO_COINS) * copies}")
    print(f"extract (shared by the engines): {extract[0]:.1f} s, all procs {extract[2]:.0f} MB\n")
    header = f"{'engine':<8}{'stage':<11}{'wall s':>9}{'s / M posts':>13}"
    print(header + f"{'largest MB':>12}{'all procs MB':>14}")
    for engine, stages in results.items():
        for name, (wall, largest, tree) in stages.items():
            per_million = wall / (posts / 1e6) if posts else float("nan")
            print(
                f"{engine:<8}{name:<11}{wall:>9.1f}{per_million:>13.1f}{largest:>12.0f}{tree:>14.0f}"
            )
        total = extract[0] + sum(wall for wall, _, _ in stages.values())
        peak = max(tree for _, _, tree in (extract, *stages.values()))
        print(f"{engine:<8}{'end to end':<11}{total:>9.1f}{'':>13}{'':>12}{peak:>14.0f}")
        if args.factor == 10:
            met = total <= GOAL_SECONDS and peak <= GOAL_MB
            print(
                f"{engine:<8}goal at 10x: <= {GOAL_SECONDS} s and <= {GOAL_MB} MB: "
                f"{'met' if met else 'MISSED'}"
            )
    if args.factor != 10:
        print(f"\n(the goals, <= {GOAL_SECONDS} s and <= {GOAL_MB} MB, are for --factor 10)")


def _rows(lake: Path, dataset: str) -> int:
    import pyarrow.dataset as pads

    files = sorted(lake.glob(layout.dataset_glob(layout.RAW, dataset)))
    return pads.dataset([str(f) for f in files], format="parquet").count_rows() if files else 0


if __name__ == "__main__":
    main()
