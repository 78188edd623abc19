"""Daily incremental run on top of seed-scale history vs. the full seed-scale build.

1. Full build: ``cryptopulse run`` over 2024-01-01..2024-12-31 (365 days of demo data, ~1.6M
   posts) into a fresh lake and warehouse — extract, enrich, transform (first run = full
   build), export.
2. Daily run: ``cryptopulse run --start 2024-12-31 --end 2025-01-01`` on top of it, which lands
   one day and merges it (incremental dbt models), then exports.

Prints wall time and peak RSS of both and the ratio (target: daily ≤ 10% of full).

With ``--history 90,180,365`` it does the same on top of each history length (a fresh lake
each), to show what a daily run's cost follows: the new day, not the days behind it.

With ``--airflow`` the same day also runs as the Airflow DAG (``airflow dags test
cryptopulse_daily``, all tasks in one process) on a copy of the history, timing each kind
of task: one dbt invocation per model task is what the DAG pays for its per-model view.

    .venv/bin/python benchmarks/daily_incremental.py [--history DAYS,...] [--airflow] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from common import bench_env, run_measured

REPO = Path(__file__).resolve().parents[1]
AIRFLOW = str(Path(sys.executable).parent / "airflow")

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


Measured = tuple[float, float, str]  # wall seconds, peak RSS MB, output


def full_then_daily(
    work: Path, history_days: int, airflow: bool
) -> tuple[Measured, Measured, tuple[float, str] | None]:
    """A full build of ``history_days`` days before LAST_DAY, then the daily run of LAST_DAY
    on top of it (and, with ``airflow``, the same day as a DAG run on a copy)."""
    env = bench_env(work)
    start = LAST_DAY - timedelta(days=history_days)
    full = run_measured(["run", "--start", str(start), "--end", str(LAST_DAY)], env)
    dag_run = airflow_daily(work) if airflow else None
    day_after = LAST_DAY + timedelta(days=1)
    daily = run_measured(["run", "--start", str(LAST_DAY), "--end", str(day_after)], env)
    return full, daily, dag_run


def airflow_daily(history: Path) -> tuple[float, str]:
    """The daily run of LAST_DAY as a DAG run (``airflow dags test``) on a copy of the
    history; returns (wall seconds, time per kind of task)."""
    work = history.parent / f"{history.name}-airflow"
    shutil.copytree(history, work)
    env = bench_env(work)
    env.update(
        AIRFLOW_HOME=str(work / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        CRYPTOPULSE_AIRFLOW_START_DATE=str(LAST_DAY - timedelta(days=1)),
    )
    for setup in (["db", "migrate"], ["pools", "set", "cryptopulse_warehouse", "1", "DuckDB"]):
        subprocess.run([AIRFLOW, *setup], env=env, check=True, capture_output=True)
    run_at = f"{LAST_DAY + timedelta(days=1)}T07:00:00+00:00"  # its window is LAST_DAY
    start = time.perf_counter()
    done = subprocess.run(
        [AIRFLOW, "dags", "test", "cryptopulse_daily", run_at],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    output = done.stdout + done.stderr
    finished = re.search(r"DagRun Finished: .*? state=(\w+)", output)
    if done.returncode != 0 or finished is None or finished.group(1) != "success":
        raise SystemExit(f"airflow dags test failed:\n{output[-3000:]}")
    return wall, task_times(output)


def task_times(output: str) -> str:
    """Seconds per kind of task, from dag.test's '[DAG TEST] starting/end task' lines."""
    marks = re.findall(r"^(\S+) .*\[DAG TEST\] (starting|end task) task_id=(\S+)", output, re.M)
    started: dict[str, datetime] = {}
    seconds: dict[str, float] = {}
    for stamp, what, task_id in marks:
        at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        if what == "starting":
            started[task_id] = at
        elif task_id in started:
            seconds[task_id] = (at - started[task_id]).total_seconds()
    models = [s for t, s in seconds.items() if t.startswith("transform.")]
    others = " · ".join(f"{t} {s:.1f}" for t, s in seconds.items() if "." not in t)
    if not models:
        return others
    return f"{others} · {len(models)} dbt model tasks {sum(models):.1f} (first {models[0]:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--history",
        default="365",
        help="comma-separated history lengths in days to build before the daily run "
        "(default: 365, the seed scale)",
    )
    parser.add_argument(
        "--airflow",
        action="store_true",
        help="also time the daily run as an Airflow DAG run (airflow dags test)",
    )
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temp dir)")
    args = parser.parse_args()
    histories = [int(days) for days in args.history.split(",")]
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cp-daily-"))
    results = {}
    try:
        for days in histories:
            work = base / f"history-{days}"
            work.mkdir(parents=True, exist_ok=True)
            results[days] = full_then_daily(work, days, args.airflow)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(
        f"\ncryptopulse daily incremental benchmark · {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{'history':<10}{'run':<28}{'wall s':>9}{'peak RSS MB':>13}")
    for days, (full, daily, dag_run) in results.items():
        print(f"{days:<10}{'full build':<28}{full[0]:>9.1f}{full[1]:>13.0f}")
        print(f"{'':<10}  stages: {stage_times(full[2])}")
        print(f"{'':<10}{'daily run on top, 1 day':<28}{daily[0]:>9.1f}{daily[1]:>13.0f}")
        print(f"{'':<10}  stages: {stage_times(daily[2])}")
        ratio = daily[0] / full[0]
        verdict = "met" if ratio <= 0.10 else "MISSED"
        print(f"{'':<10}daily / full = {ratio:.1%} (target ≤ 10%: {verdict})")
        if dag_run is not None:
            print(f"{'':<10}{'daily DAG run (dags test)':<28}{dag_run[0]:>9.1f}")
            print(f"{'':<10}  tasks (s): {dag_run[1]}")


if __name__ == "__main__":
    main()
