"""The CoinGecko backfill (against the fake API on loopback) killed or stopped mid-way, and
its watermark files damaged: the rerun lands exactly what an uninterrupted backfill lands,
leaves no temporary file, and every run is on record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import CLI, cli_env, run_cli
from cryptopulse.core.settings import Settings
from faults.pipeline import error_lines, temp_files

sys.path.insert(0, str(Path(__file__).parents[1] / "sources" / "coingecko"))
from coingecko_fake import FakeCoinGecko

pytestmark = pytest.mark.slow

TODAY = datetime.now(UTC).date()
START, END = TODAY - timedelta(days=41), TODAY - timedelta(days=1)
ARGS = ["extract", "coingecko", "--coins", "bitcoin,ethereum", "--start", START.isoformat()]
ARGS += ["--end", END.isoformat()]
ENV = {
    "CRYPTOPULSE_COINGECKO_CALLS_PER_MINUTE": "60000",
    "CRYPTOPULSE_COINGECKO_TIMEOUT_SECONDS": "0.5",
    "CRYPTOPULSE_COINGECKO_BACKOFF_SECONDS": "0.01",
    "CRYPTOPULSE_COINGECKO_WINDOW_DAYS": "10",  # 4 windows a coin
}


def _settings(tmp_path: Path, name: str) -> Settings:
    return Settings(lake_url=str(tmp_path / name), warehouse_url=str(tmp_path / "wh.duckdb"))


def _lake(settings: Settings) -> dict[str, bytes]:
    """Every visible raw and quarantine file's bytes (the source writes deterministically)."""
    root = Path(settings.lake_url)
    return {
        str(path.relative_to(root)): path.read_bytes()
        for zone in ("raw", "quarantine")
        for path in sorted((root / zone).rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def _records(settings: Settings) -> list[dict]:
    runs = Path(settings.lake_url) / "state" / "runs"
    return [json.loads(path.read_text()) for path in sorted(runs.glob("*.json"))]


def _interrupt_mid_backfill(settings: Settings, env: dict[str, str], sig: signal.Signals) -> str:
    """Start the backfill, send ``sig`` once its first window has landed; returns stderr."""
    process = subprocess.Popen(
        [CLI, *ARGS],
        env=cli_env(settings, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    raw = Path(settings.lake_url) / "raw" / "coingecko"
    deadline = time.monotonic() + 60
    while not list(raw.rglob("*.parquet")) and time.monotonic() < deadline:
        assert process.poll() is None, "the backfill ended before it was interrupted"
        time.sleep(0.01)
    os.kill(process.pid, sig)
    _, err = process.communicate(timeout=60)
    return err


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_an_interrupted_backfill_reruns_to_an_uninterrupted_ones_lake(
    sig: signal.Signals, tmp_path: Path, fault_record: Callable[..., None]
) -> None:
    interrupted, clean = _settings(tmp_path, "a"), _settings(tmp_path, "b")
    with FakeCoinGecko(chart_latency=0.3) as fake:
        env = {**ENV, "CRYPTOPULSE_COINGECKO_BASE_URL": fake.url}
        err = _interrupt_mid_backfill(interrupted, env, sig)
        first = _records(interrupted)
        assert len(first) == 1
        if sig == signal.SIGTERM:
            assert first[0]["status"] == "interrupted"
            assert "Stopped by SIGTERM" in err and "Traceback" not in err
        else:
            assert first[0]["status"] == "running"  # status shows "interrupted (process gone)"
        rerun = run_cli(ARGS, interrupted, tmp_path, **env)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        uninterrupted = run_cli(ARGS, clean, tmp_path, **env)
        assert uninterrupted.returncode == 0, uninterrupted.stderr
    assert _lake(interrupted) == _lake(clean)
    assert temp_files(interrupted.lake_url) == []
    assert len(_records(interrupted)) == 2
    status = run_cli(["status"], interrupted, tmp_path)
    assert "Last run: extract coingecko" in status.stdout
    fault_record(
        area="interrupts",
        fault=f"{sig.name} mid-way through a CoinGecko backfill (fake API)",
        user_sees=" ".join(error_lines(err))
        or f"(killed: the run record says {first[0]['status']})",
        rerun="raw and quarantine equal to an uninterrupted backfill; no temp files; both runs "
        "on record",
    )


def test_damaged_watermarks_make_the_backfill_fetch_again(
    tmp_path: Path, fault_record: Callable[..., None]
) -> None:
    settings, clean = _settings(tmp_path, "a"), _settings(tmp_path, "b")
    with FakeCoinGecko() as fake:
        env = {**ENV, "CRYPTOPULSE_COINGECKO_BASE_URL": fake.url}
        assert run_cli(ARGS, settings, tmp_path, **env).returncode == 0
        marks = sorted((Path(settings.lake_url) / "state" / "watermarks").rglob("*.json"))
        marks[0].write_bytes(os.urandom(100))
        marks[1].write_text(marks[1].read_text()[:20])  # truncated
        again = run_cli(ARGS, settings, tmp_path, **env)
        assert again.returncode == 0, again.stdout + again.stderr
        assert run_cli(ARGS, clean, tmp_path, **env).returncode == 0
    assert _lake(settings) == _lake(clean)
    assert all(json.loads(path.read_text())["landed"] for path in marks)
    fault_record(
        area="corrupt lake",
        fault="CoinGecko watermark files replaced by random bytes / truncated",
        user_sees="nothing to do: the backfill treats them as absent and fetches again",
        rerun="raw equal to an uninterrupted backfill; watermarks rewritten",
    )
