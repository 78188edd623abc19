"""What the benchmarks share: a fresh lake and warehouse, and a measured CLI run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

CLI = str(Path(sys.executable).parent / "cryptopulse")


def bench_env(work: Path) -> dict[str, str]:
    """The environment of a CLI run against a lake and warehouse in ``work``."""
    env = dict(os.environ)
    env.update(
        CRYPTOPULSE_LAKE_URL=str(work / "lake"),
        CRYPTOPULSE_WAREHOUSE_URL=str(work / "warehouse.duckdb"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        DO_NOT_TRACK="1",
        COLUMNS="120",
    )
    return env


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``cryptopulse ARGS``; return (wall seconds, peak RSS in MB, its output)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)  # the rusage of this child alone
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"cryptopulse {' '.join(args)} failed:\n{output[-3000:]}")
    return wall, usage.ru_maxrss / 1024, output  # ru_maxrss is in KiB on Linux
