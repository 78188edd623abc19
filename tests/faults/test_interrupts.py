"""A run killed (SIGKILL) or stopped (SIGTERM) inside each stage, then run again: the rerun
equals an uninterrupted run, no temporary file survives, and the interrupted run is on
record. The kill lands at a named point (core.faults, a test-only seam): at this scale a
stage's files appear and are done too fast to be caught by polling."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout
from cryptopulse.serve.export import read_mart
from cryptopulse.warehouse.dbt_runner import USER_TABLES
from faults.pipeline import (
    WINDOW,
    copy_pipeline,
    differences_between,
    error_lines,
    kill,
    run,
    settings_in,
    start_held,
    temp_files,
    wait_held,
)

pytestmark = pytest.mark.slow


def _last_run(settings: Settings) -> dict:
    return json.loads((Path(settings.lake_url) / layout.LAST_RUN).read_text())


def _status_line(settings: Settings, work: Path) -> str:
    done = run(["status"], settings, work)
    assert done.returncode == 0, done.stderr
    return next(line for line in done.stdout.splitlines() if line.startswith("Last run:"))


def _rerun_equals_reference(
    settings: Settings, work: Path, reference: Settings, args: list[str]
) -> None:
    again = run(args, settings, work)
    assert again.returncode == 0, again.stdout + again.stderr
    assert differences_between(settings, reference) == []
    assert temp_files(settings.lake_url, Path(settings.warehouse_url).parent) == []


@pytest.mark.parametrize(
    ("point", "stage"),
    [
        ("extract.mid-stage", "extract"),
        ("enrich.mid-stage", "enrich"),
        ("transform.mid-model", "transform"),
    ],
)
def test_sigkill_inside_a_stage_then_rerun(
    point: str,
    stage: str,
    tmp_path: Path,
    reference: Settings,
    fault_record: Callable[..., None],
) -> None:
    settings = settings_in(tmp_path)
    process, marker = start_held(["run", *WINDOW], settings, tmp_path, point)
    wait_held(process, marker)
    kill(process, signal.SIGKILL)

    # The killed run is on record, and status tells it is gone rather than running.
    record = _last_run(settings)
    assert record["status"] == "running" and record["stage"] == stage
    line = _status_line(settings, tmp_path)
    assert f"interrupted during {stage} (process gone)" in line

    _rerun_equals_reference(settings, tmp_path, reference, ["run", *WINDOW])
    runs = list((Path(settings.lake_url) / "state" / "runs").glob("*.json"))
    assert len(runs) == 2  # the interrupted run's record is kept beside the rerun's
    fault_record(
        area="interrupts",
        fault=f"SIGKILL inside {stage} (`cryptopulse run`)",
        user_sees=line,
        rerun="warehouse, marts and lake equal to an uninterrupted run; no temp files; "
        "the killed run's record kept",
    )


def test_sigkill_mid_export_leaves_readers_the_previous_marts(
    tmp_path: Path, reference: Settings, fault_record: Callable[..., None]
) -> None:
    settings = copy_pipeline(reference, tmp_path)
    lake = Lake(settings.lake_url)
    before = {table: read_mart(lake, table).num_rows for table in USER_TABLES}
    process, marker = start_held(["export"], settings, tmp_path, "export.mid-file")
    wait_held(process, marker)
    kill(process, signal.SIGKILL)

    assert temp_files(settings.lake_url)  # the half-written month is there, hidden …
    for table in USER_TABLES:  # … and every reader still sees the whole previous table
        path = Path(settings.lake_url) / layout.mart_file(table)
        assert pq.read_table(path).num_rows == before[table], table
    line = _status_line(settings, tmp_path)
    assert "interrupted during export (process gone)" in line
    status = run(["status"], settings, tmp_path).stdout
    assert "the next run removes it" in status

    _rerun_equals_reference(settings, tmp_path, reference, ["export"])
    fault_record(
        area="interrupts",
        fault="SIGKILL mid-file in `cryptopulse export`",
        user_sees=line,
        rerun="marts readable throughout (old table until the new one is swapped in); "
        "rerun equal to an uninterrupted run; no temp files",
    )


def test_sigterm_records_the_run_as_interrupted(
    tmp_path: Path, reference: Settings, fault_record: Callable[..., None]
) -> None:
    settings = settings_in(tmp_path)
    process, marker = start_held(["run", *WINDOW], settings, tmp_path, "extract.mid-stage")
    wait_held(process, marker)
    _, err = kill(process, signal.SIGTERM)

    assert process.returncode == 128 + signal.SIGTERM
    lines = error_lines(err)
    assert "Stopped by SIGTERM" in err and "Traceback" not in err
    assert len(lines) == 1, err
    record = _last_run(settings)
    assert record["status"] == "interrupted"
    assert record["error"] == "stopped by SIGTERM during extract"
    assert "interrupted" in _status_line(settings, tmp_path)

    _rerun_equals_reference(settings, tmp_path, reference, ["run", *WINDOW])
    fault_record(
        area="interrupts",
        fault="SIGTERM during extract (`cryptopulse run`)",
        user_sees=" ".join(lines),
        rerun="exit 143; run recorded as interrupted; rerun equal to an uninterrupted run",
    )


def test_a_run_removes_what_interrupted_runs_left(
    tmp_path: Path, reference: Settings, fault_record: Callable[..., None]
) -> None:
    """Leftovers older than any running run go at the next run's start, wherever they are."""
    settings = copy_pipeline(reference, tmp_path)
    lake = Path(settings.lake_url)
    planted = [
        lake / "quarantine" / "demo" / f".x.parquet.tmp-{'a' * 32}",
        lake / "raw" / "demo" / "posts" / f".y.parquet.tmp-{'b' * 32}",
        lake / "marts" / f".fct_posts.parquet.tmp-{'c' * 32}" / "part.parquet",
    ]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a file")
    done = run(["export"], settings, tmp_path)
    assert done.returncode == 0, done.stderr
    assert temp_files(lake) == []
    assert _last_run(settings)["leftovers_removed"]["files"] == len(planted)
    fault_record(
        area="interrupts",
        fault="temp files left in lake, quarantine and marts by earlier kills",
        user_sees="removed at the next run's start (run record: leftovers_removed)",
        rerun="no temp files",
    )
