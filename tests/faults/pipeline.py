"""The fault suite's small pipeline: a short demo window through the real CLI, and what two
pipelines are compared by (warehouse tables, exported marts, lake files)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from conftest import CLI, cli_env, run_cli
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout
from cryptopulse.lake.storage import TEMP_NAME
from cryptopulse.serve.export import read_mart
from cryptopulse.warehouse.dbt_runner import USER_TABLES

sys.path.insert(0, str(Path(__file__).parents[1] / "warehouse"))  # the shared table_diff
from table_diff import differences

# Three days of the demo, at 200 posts a day: every stage runs, a run takes ~25 s here.
WINDOW = ["--start", "2024-12-18", "--end", "2024-12-21"]
# A wide console: the one error line is not wrapped inside a path or a command.
SMALL = {"CRYPTOPULSE_DEMO_POSTS_PER_DAY": "200", "COLUMNS": "1000"}
LAKE_ZONES = (layout.RAW, layout.QUARANTINE, layout.ENRICH)


def settings_in(work: Path) -> Settings:
    return Settings(lake_url=str(work / "lake"), warehouse_url=str(work / "wh" / "wh.duckdb"))


def run(args: list[str], settings: Settings, work: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(args, settings, cwd=work, **SMALL)


def copy_pipeline(source: Settings, work: Path) -> Settings:
    """A copy of a finished pipeline's lake and warehouse folder under ``work``."""
    target = settings_in(work)
    shutil.copytree(source.lake_url, target.lake_url)
    shutil.copytree(Path(source.warehouse_url).parent, Path(target.warehouse_url).parent)
    return target


def differences_between(a: Settings, b: Settings, only_in_a: tuple[str, ...] = ()) -> list[str]:
    """How two pipelines differ: warehouse tables, exported marts and the lake's raw,
    quarantine and enrich files (by content); [] when equal. ``only_in_a``: lake files
    ``a`` may have besides (say, the coins snapshot a re-landed day adds)."""
    found: list[str] = []
    with (
        duckdb.connect(str(a.warehouse_url), read_only=True) as x,
        duckdb.connect(str(b.warehouse_url), read_only=True) as y,
    ):
        for table in USER_TABLES:
            left, right = (c.sql(f"from {table}").to_arrow_table() for c in (x, y))
            # merge_window: which run wrote a row (bookkeeping, not exported) differs when a
            # day is rebuilt by a whole-lake transform rather than by a windowed run.
            diff = differences(left, right, drop=("merge_window",))
            found += [f"warehouse {table}: {d}" for d in diff]
    lake_a, lake_b = Lake(a.lake_url), Lake(b.lake_url)
    for table in USER_TABLES:
        found += [
            f"mart {table}: {d}"
            for d in differences(read_mart(lake_a, table), read_mart(lake_b, table))
        ]
    files_a = [rel for rel in lake_files(lake_a) if rel not in only_in_a]
    files_b = lake_files(lake_b)
    if files_a != files_b:
        return [*found, f"lake files differ: {sorted(set(files_a) ^ set(files_b))}"]
    for rel in files_a:
        diff = differences(lake_a.read_parquet(rel), lake_b.read_parquet(rel))
        found += [f"lake {rel}: {d}" for d in diff]
    return found


def lake_files(lake: Lake) -> list[str]:
    return [
        lake.relative(str(path))
        for zone in LAKE_ZONES
        for path in sorted(Path(lake.path(zone)).rglob("*.parquet"))
        if not TEMP_NAME.match(path.name)
    ]


def temp_files(*roots: str | Path) -> list[Path]:
    """Temporary files and folders of interrupted writes under ``roots``."""
    return [p for root in roots for p in Path(root).rglob("*") if TEMP_NAME.match(p.name)]


def start_held(
    args: list[str], settings: Settings, work: Path, point: str
) -> tuple[subprocess.Popen[str], Path]:
    """Start the CLI asking it to hold at ``point`` (core.faults, the test-only seam);
    returns the process and the file that appears when it is there."""
    hold_dir = work / "held"
    env = cli_env(
        settings,
        **SMALL,
        CRYPTOPULSE_TEST_HOLD_AT=point,
        CRYPTOPULSE_TEST_HOLD_DIR=str(hold_dir),
    )
    process = subprocess.Popen(
        [CLI, *args],
        env=env,
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, hold_dir / point


def wait_held(process: subprocess.Popen[str], marker: Path, timeout: float = 180) -> None:
    """Wait until the process holds at its point (fail if it ends first)."""
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"ended before its hold point ({process.returncode}): {out}{err}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"never reached {marker.name}")
        time.sleep(0.05)


def kill(process: subprocess.Popen[str], sig: signal.Signals) -> tuple[str, str]:
    """Send ``sig``; returns the process's output once it has ended."""
    os.kill(process.pid, sig)
    out, err = process.communicate(timeout=120)
    return out, err


def error_lines(stderr: str) -> list[str]:
    """The stderr lines a user reads (the error may wrap at the console's width)."""
    return [line for line in stderr.splitlines() if line.strip()]
