"""What the PostgreSQL benchmarks share: a server of their own (the tests' starter,
tests/postgres_server.py: Debian's PostgreSQL binaries on a free loopback port), a login for
the pipeline, and the CLI environment pointing at it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import bench_env

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import postgres_server

USER = "cryptopulse_bench"
PASSWORD = "bench-" + os.urandom(6).hex()
DATABASE = "warehouse"

ORIGINAL = Path("/work/shared/bench/original_sql_on_postgres.py")
# The original at the same scale: tweets, coins, hours (its own generator).
ORIGINAL_SIZES = {"seed": ("1500000", "30", "8760"), "small": ("61000", "30", "336")}

__all__ = [
    "DATABASE",
    "ORIGINAL",
    "PASSWORD",
    "USER",
    "pg_env",
    "postgres_server",
    "run_original",
]


def pg_env(server: postgres_server.LocalPostgres, work: Path) -> dict[str, str]:
    """The CLI's environment: the lake in ``work``, the warehouse on ``server``."""
    env = bench_env(work)
    env.update(
        CRYPTOPULSE_WAREHOUSE_URL=server.url(USER, DATABASE),
        PGPASSWORD=PASSWORD,
        XDG_CACHE_HOME=str(work / "cache"),
    )
    return env


def run_original(
    server: postgres_server.LocalPostgres, scale: str, script: Path = ORIGINAL
) -> tuple[float, dict[str, Any]]:
    """Run the original project's SQL (``script``) at ``scale`` on ``server``, in a database
    of its own; return its wall seconds (stage + load) and the figures it prints."""
    server.create_database("seed", owner="postgres")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(script), str(server.port), *ORIGINAL_SIZES[scale]],
        env={**os.environ, "PGPASSWORD": server.superuser_password},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the original's SQL failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started, json.loads(done.stdout.strip().splitlines()[-1])
