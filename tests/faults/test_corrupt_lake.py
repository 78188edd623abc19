"""Damaged lake files — truncated to half, replaced by random bytes, corrupted in the middle —
of every lake dataset, the enrich results and the run record: the user reads one line naming
the file and what to do, `status` still works and lists the file, and doing what the line
says (re-landing the day) brings the pipeline back to an uninterrupted run's."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from cryptopulse.core.settings import Settings
from cryptopulse.lake import layout
from faults.pipeline import copy_pipeline, differences_between, error_lines, run

pytestmark = pytest.mark.slow

DAY = "2024-12-19"


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    rng = random.Random(7)
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "random bytes":
        path.write_bytes(rng.randbytes(len(data)))
    elif how == "footer":  # the footer's thrift overwritten: no reader names the file
        path.write_bytes(data[:-200] + bytes(192) + data[-8:])
    else:  # "middle": column data overwritten, the footer intact
        middle = len(data) // 3
        path.write_bytes(data[:middle] + rng.randbytes(256) + data[middle + 256 :])


def _raw(settings: Settings, dataset: str) -> Path:
    """The dataset's file of DAY (coins, a snapshot, lands on the window's last day only)."""
    files = sorted(Path(settings.lake_url).glob(f"raw/demo/{dataset}/date=*/*.parquet"))
    return next((f for f in files if f"date={DAY}" in str(f)), files[-1])


def _day_after(path: Path) -> tuple[str, str]:
    day = date.fromisoformat(path.parent.name.removeprefix("date="))
    return day.isoformat(), (day + timedelta(days=1)).isoformat()


def _one_clear_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "╭" not in stderr, stderr
    lines = error_lines(stderr)
    assert len(lines) == 1 and lines[0].startswith("error:"), stderr
    return lines[0]


@pytest.mark.parametrize(
    ("dataset", "how"),
    [
        ("posts", "truncated"),
        ("posts", "random bytes"),
        ("posts", "middle"),
        ("posts", "footer"),
        ("coin_hourly", "truncated"),
        ("coin_hourly", "footer"),
        ("coins", "random bytes"),
    ],
)
def test_a_damaged_raw_file_is_named_with_what_to_do(
    dataset: str,
    how: str,
    tmp_path: Path,
    reference: Settings,
    fault_record: Callable[..., None],
) -> None:
    settings = copy_pipeline(reference, tmp_path)
    damaged = _raw(settings, dataset)
    _damage(damaged, how)

    done = run(["transform"], settings, tmp_path)
    assert done.returncode == 1
    line = _one_clear_line(done.stderr)
    assert str(damaged) in line
    start, end = _day_after(damaged)
    assert f"cryptopulse run --start {start} --end {end}" in line

    status = run(["status"], settings, tmp_path)
    assert status.returncode == 0, status.stderr
    if how != "middle":  # a footer read finds these; damage inside the data needs a read
        assert "Unreadable lake files (1)" in status.stdout
        assert damaged.name in status.stdout
    fault_record(
        area="corrupt lake",
        fault=f"raw {dataset} file {how}, then `cryptopulse transform`",
        user_sees=line,
        rerun="`status` works and lists the file"
        + ("" if how != "middle" else " (not this one: its footer is intact)"),
    )


def test_doing_what_the_line_says_restores_the_pipeline(
    tmp_path: Path, reference: Settings, fault_record: Callable[..., None]
) -> None:
    settings = copy_pipeline(reference, tmp_path)
    _damage(_raw(settings, "posts"), "truncated")
    failed = run(["transform"], settings, tmp_path)
    assert failed.returncode == 1
    again = run(["run", "--start", DAY, "--end", "2024-12-20"], settings, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    rebuilt = run(["transform"], settings, tmp_path)  # the whole lake, as after the damage
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    export = run(["export"], settings, tmp_path)
    assert export.returncode == 0, export.stderr
    # Re-landing a day also lands that day's coin snapshot (a snapshot lands on the last day
    # of the run's window): the one file the reference does not have; its rows are the same.
    snapshot = f"raw/demo/coins/date={DAY}/demo_coins_{DAY}.parquet"
    assert differences_between(settings, reference, only_in_a=(snapshot,)) == []
    fault_record(
        area="corrupt lake",
        fault="raw posts file truncated; the user re-lands the day as the error says",
        user_sees="`cryptopulse run --start DAY --end DAY+1` succeeds",
        rerun="warehouse, marts and lake equal to an uninterrupted run",
    )


def test_move_aside_takes_the_file_out_of_the_way(tmp_path: Path, reference: Settings) -> None:
    settings = copy_pipeline(reference, tmp_path)
    damaged = _raw(settings, "coins")
    _damage(damaged, "random bytes")
    moved = run(["status", "--move-unreadable"], settings, tmp_path)
    assert moved.returncode == 0, moved.stderr
    assert not damaged.exists()
    aside = (
        Path(settings.lake_url)
        / "quarantine"
        / "unreadable"
        / damaged.relative_to(settings.lake_url)
    )
    assert aside.exists() and "Unreadable lake files" not in moved.stdout
    assert run(["transform"], settings, tmp_path).returncode == 0


def test_damaged_enrich_results_are_computed_again(
    tmp_path: Path, reference: Settings, fault_record: Callable[..., None]
) -> None:
    """Enrich results derive from the raw posts: a damaged one is recomputed, not fatal."""
    settings = copy_pipeline(reference, tmp_path)
    lake = Path(settings.lake_url)
    mentions, sentiment = (
        next((lake / layout.ENRICH / kind).glob(f"*/date={DAY}/*.parquet"))
        for kind in ("mentions", "sentiment")
    )
    _damage(mentions, "truncated")
    _damage(sentiment, "middle")
    done = run(["transform"], settings, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert run(["export"], settings, tmp_path).returncode == 0
    assert differences_between(settings, reference) == []
    fault_record(
        area="corrupt lake",
        fault="enrich results (mentions truncated, sentiment corrupted mid-file)",
        user_sees="nothing to do: `transform` computes them again",
        rerun="warehouse, marts and lake equal to an uninterrupted run",
    )


def test_a_damaged_run_record_does_not_stop_status_or_runs(
    tmp_path: Path, reference: Settings, fault_record: Callable[..., None]
) -> None:
    settings = copy_pipeline(reference, tmp_path)
    record = Path(settings.lake_url) / layout.LAST_RUN
    record.write_bytes(os.urandom(300))
    status = run(["status"], settings, tmp_path)
    assert status.returncode == 0, status.stderr
    assert "Unreadable lake files (1)" in status.stdout and "last_run.json" in status.stdout
    done = run(["export"], settings, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Last run: export · ok" in run(["status"], settings, tmp_path).stdout
    fault_record(
        area="corrupt lake",
        fault="state/last_run.json replaced by random bytes",
        user_sees=next(line for line in status.stdout.splitlines() if "last_run.json" in line),
        rerun="the next run writes a new record; status shows it",
    )
