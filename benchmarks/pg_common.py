"""What the PostgreSQL benchmarks share: a server of their own (the tests' starter,
tests/postgres_server.py: Debian's PostgreSQL binaries on a free loopback port), a login for
the pipeline, and the CLI environment pointing at it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from common import bench_env

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import postgres_server

USER = "cryptopulse_bench"
PASSWORD = "bench-" + os.urandom(6).hex()
DATABASE = "warehouse"

__all__ = ["DATABASE", "PASSWORD", "USER", "pg_env", "postgres_server"]


def pg_env(server: postgres_server.LocalPostgres, work: Path) -> dict[str, str]:
    """The CLI's environment: the lake in ``work``, the warehouse on ``server``."""
    env = bench_env(work)
    env.update(
        CRYPTOPULSE_WAREHOUSE_URL=server.url(USER, DATABASE),
        PGPASSWORD=PASSWORD,
        XDG_CACHE_HOME=str(work / "cache"),
    )
    return env
