"""Runs at the same time on one lake and warehouse, through the real CLI: two runs (one
refused in one line, the other completes, the warehouse right), and readers (`status`,
`export`) while a run builds (they never fail and never see half-written data)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cryptopulse.core.settings import Settings
from faults.cli_runs import DAYS, cli, fingerprint, one_error_line, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A lake with three demo days landed and enriched, and the fingerprint of the
    warehouse one uninterrupted transform builds from it."""
    work = tmp_path_factory.mktemp("landed")
    settings = Settings(lake_url=str(work / "lake"), warehouse_url=str(work / "wh.duckdb"))
    code, out, err = run(["run", *DAYS], settings, work)
    assert code == 0, out + err
    return work / "lake", fingerprint(work / "wh.duckdb")


def _copy(landed: tuple[Path, dict[str, str]], tmp_path: Path) -> Settings:
    """A fresh copy of the landed lake (no marts) and no warehouse yet."""
    lake = tmp_path / "lake"
    shutil.copytree(landed[0], lake, ignore=shutil.ignore_patterns("marts", "state"))
    return Settings(lake_url=str(lake), warehouse_url=str(tmp_path / "wh.duckdb"))


def test_two_runs_at_once_one_is_refused_in_one_line_and_the_other_completes(
    landed: tuple[Path, dict[str, str]], tmp_path: Path, fault_record: Callable[..., None]
) -> None:
    settings = _copy(landed, tmp_path)
    first, second = (cli(["transform"], settings, tmp_path) for _ in range(2))
    (out1, err1), (out2, err2) = first.communicate(timeout=900), second.communicate(timeout=900)
    results = sorted(
        [(first.returncode, out1, err1), (second.returncode, out2, err2)], key=lambda r: r[0]
    )
    (ok_code, ok_out, ok_err), (refused_code, refused_out, refused_err) = results
    assert (ok_code, refused_code) == (0, 1), ok_err + refused_err
    line = one_error_line(refused_err)
    assert "another cryptopulse run (PID " in line
    assert f"is building the warehouse {settings.warehouse_path}" in line
    assert "wait for it to finish" in line
    assert "Traceback" not in refused_out + refused_err
    assert refused_out.strip() == ""  # no dbt output, no progress, no summary: it never ran
    assert "checks passed" in ok_out
    assert fingerprint(settings.warehouse_path) == landed[1]  # as one uninterrupted run
    fault_record(
        area="Concurrency",
        fault="two `transform` runs started at the same time on one warehouse",
        user_sees=line,
        rerun="the other run completes; warehouse equal to an uninterrupted run's",
    )


def test_status_and_export_while_a_run_builds_never_fail_or_see_half_written_data(
    landed: tuple[Path, dict[str, str]], tmp_path: Path, fault_record: Callable[..., None]
) -> None:
    settings = _copy(landed, tmp_path)
    code, out, err = run(["transform"], settings, tmp_path)  # a warehouse to read already
    assert code == 0, out + err
    code, out, err = run(["export"], settings, tmp_path)
    assert code == 0, out + err
    builder = cli(["transform", "--full-refresh"], settings, tmp_path)
    readers: list[tuple[str, int, str, str]] = []
    try:
        while builder.poll() is None:
            for command in (["status"], ["export"]):
                code, out, err = run(command, settings, tmp_path)
                readers.append((command[0], code, out, err))
            time.sleep(0.5)
        out, err = builder.communicate(timeout=900)
    finally:
        if builder.poll() is None:
            builder.kill()
    assert builder.returncode == 0, err
    assert len(readers) >= 4, "the readers did not overlap the build"
    failed = [(name, code, err) for name, code, _, err in readers if code != 0]
    assert not failed, failed
    for name, _, out, err in readers:
        assert "Traceback" not in out + err
        if name == "status":
            assert "fct_posts" in out  # the tables, with their counts
    # The marts written while the warehouse was rebuilt are whole: every file reads,
    # with the rows of the warehouse.
    marts = Path(settings.lake_url) / "marts"
    posts = sum(pq.read_table(f).num_rows for f in sorted(marts.glob("fct_posts.parquet/*")))
    assert f"{posts} rows" in landed[1]["fct_posts"]
    assert not list(marts.rglob(".*tmp*"))
    assert fingerprint(settings.warehouse_path) == landed[1]
    fault_record(
        area="Concurrency",
        fault=f"`status` and `export` run {len(readers)} times while `transform --full-refresh` "
        "rebuilds the warehouse",
        user_sees="every read succeeded with whole tables (readers wait for the build to "
        "let go of the file)",
        rerun="marts whole, warehouse equal to an uninterrupted run's",
    )
