"""`import-posts` killed (SIGKILL) part-way through a file, then run again: the lake holds
exactly what an uninterrupted import lands, no temporary file survives, and the killed
import is on record."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import CLI, cli_env, run_cli
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake
from faults.pipeline import temp_files

pytestmark = pytest.mark.slow

ROWS = 120_000


def _archive(path: Path) -> Path:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "created_at", "text"])
        for i in range(ROWS):
            when = start + timedelta(minutes=7 * i)
            writer.writerow(
                [i, when.isoformat(), f"post {i} about $BTC and ethereum, day {i % 97}"]
            )
    return path


def _raw(settings: Settings) -> dict[str, int]:
    lake = Lake(settings.lake_url)
    files = sorted(Path(settings.lake_url, "raw").rglob("*.parquet"))
    return {lake.relative(str(f)): lake.read_parquet(lake.relative(str(f))).num_rows for f in files}


def test_a_killed_import_reruns_to_an_uninterrupted_ones_lake(
    tmp_path: Path, fault_record: Callable[..., None]
) -> None:
    archive = _archive(tmp_path / "posts.csv")
    args = ["import-posts", str(archive), "--chunk-rows", "5000"]
    killed = Settings(lake_url=str(tmp_path / "a"), warehouse_url=str(tmp_path / "wh.duckdb"))
    clean = Settings(lake_url=str(tmp_path / "b"), warehouse_url=str(tmp_path / "wh.duckdb"))
    process = subprocess.Popen(
        [CLI, *args], env=cli_env(killed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    raw = Path(killed.lake_url) / "raw"
    deadline = time.monotonic() + 120
    while not list(raw.rglob("*.parquet")) and time.monotonic() < deadline:
        assert process.poll() is None, "the import ended before it was killed"
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the import ended before it was killed"
    record = json.loads((Path(killed.lake_url) / "state" / "last_run.json").read_text())
    assert record["status"] == "running" and record["command"].startswith("import-posts")
    status = run_cli(["status"], killed, tmp_path, COLUMNS="1000")
    line = next(x for x in status.stdout.splitlines() if x.startswith("Last run:"))
    assert "import-posts" in line and "interrupted" in line and "(process gone)" in line

    for settings in (killed, clean):
        done = run_cli(args, settings, tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
    landed = _raw(killed)
    assert landed == _raw(clean) and sum(landed.values()) == ROWS
    assert temp_files(killed.lake_url) == []
    fault_record(
        area="interrupts",
        fault="SIGKILL part-way through `cryptopulse import-posts` (120k-row CSV)",
        user_sees=line,
        rerun="raw posts equal to an uninterrupted import (rows in = landed); no temp files",
    )
