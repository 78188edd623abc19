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


def run_sampled(
    args: list[str], env: dict[str, str], every: float = 0.2
) -> tuple[float, float, float, str]:
    """Run ``cryptopulse ARGS``; return (wall seconds, peak RSS of its largest process in MB,
    peak RSS summed over it and every descendant in MB, its output).

    The sum is sampled every ``every`` seconds: it catches what ``ru_maxrss`` cannot, a JVM
    (Spark) or worker processes alive at the same time, but counts pages they share twice.
    """
    import threading

    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(
        [CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peaks = {"largest": 0, "tree": 0}
    done = threading.Event()

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                family = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            sizes = []
            for member in family:
                try:
                    sizes.append(member.memory_info().rss)
                except psutil.NoSuchProcess:
                    continue
            peaks["largest"] = max(peaks["largest"], max(sizes, default=0))
            peaks["tree"] = max(peaks["tree"], sum(sizes))
            done.wait(every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"cryptopulse {' '.join(args)} failed:\n{output[-3000:]}")
    largest = max(usage.ru_maxrss * 1024, peaks["largest"]) / 2**20
    return wall, largest, peaks["tree"] / 2**20, output
