"""Small shared parts of the operability, S3 and concurrency fault tests: a short demo
window, the real CLI run as a user would, and a fingerprint of a warehouse's contents."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import duckdb

from conftest import CLI, cli_env
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout
from cryptopulse.warehouse.dbt_runner import USER_TABLES

# Three demo days with few posts: every stage runs, and dbt builds in seconds.
DAYS = ["--start", "2024-12-18", "--end", "2024-12-21"]
SMALL = {"CRYPTOPULSE_DEMO_POSTS_PER_DAY": "60", "COLUMNS": "400"}
# Columns that say when or from which file a row was merged, not what it holds.
BOOKKEEPING = ("merge_window", "filename", "lake_file")


def cli(args: list[str], settings: Settings, cwd: Path, **extra: str) -> subprocess.Popen[str]:
    """The real CLI started (not waited for), stdout and stderr piped."""
    return subprocess.Popen(
        [CLI, *args],
        env=cli_env(settings, **(SMALL | extra)),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(args: list[str], settings: Settings, cwd: Path, **extra: str) -> tuple[int, str, str]:
    """The real CLI run to its end: (exit code, stdout, stderr)."""
    proc = cli(args, settings, cwd, **extra)
    out, err = proc.communicate(timeout=900)
    return proc.returncode, out, err


def fingerprint(database: Path) -> dict[str, str]:
    """Each user table's row count and a hash of its sorted rows (bookkeeping columns
    left out): equal fingerprints, equal warehouses."""
    prints = {}
    with duckdb.connect(str(database), read_only=True) as con:
        for table in USER_TABLES:
            columns = [
                c for c in con.sql(f"select * from {table} limit 0").columns if c not in BOOKKEEPING
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = con.sql(f"select {listed} from {table} order by all").fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
            prints[table] = f"{len(rows)} rows {digest}"
    return prints


def one_error_line(err: str) -> str:
    """The one ``error:`` line of a failed command's stderr (asserted to be just that)."""
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


def marts_fingerprint(lake: Lake) -> dict[str, str]:
    """Each exported mart's rows (all its files, sorted) hashed, read through the lake's
    own storage interface (a local folder or S3 alike)."""
    prints = {}
    for table in USER_TABLES:
        rels = lake.glob(f"{layout.MARTS}/{table}.parquet/*.parquet")
        if not rels and lake.is_file(layout.mart_file(table)):
            rels = [layout.mart_file(table)]
        rows = sorted(repr(row) for rel in rels for row in lake.read_parquet(rel).to_pylist())
        prints[table] = (
            f"{len(rows)} rows " + hashlib.sha256("".join(rows).encode()).hexdigest()[:16]
        )
    return prints
