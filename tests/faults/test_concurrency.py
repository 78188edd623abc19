"""Runs at the same time on one lake and warehouse, through the real CLI: two runs (one
refused in one line, the other completes, the warehouse right), and readers (`status`,
`export`) while a run builds (they never fail and never see half-written data)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import VENV_BIN
from cryptopulse.core.settings import Settings
from faults.cli_runs import DAYS, SMALL, cli, fingerprint, one_error_line, run

# The DAG's own test harness (dag.test() in a subprocess with its own AIRFLOW_HOME).
sys.path.insert(0, str(Path(__file__).parents[1] / "orchestrate"))
from test_dags import _airflow_env, harness

SMALL_POSTS = SMALL["CRYPTOPULSE_DEMO_POSTS_PER_DAY"]

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
    # Each pair was started while the build ran (and waited for it): one pair is enough.
    assert len(readers) >= 2, "the readers did not overlap the build"
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


def test_an_airflow_run_while_a_cli_run_holds_the_warehouse_is_refused_clearly(
    landed: tuple[Path, dict[str, str]], tmp_path: Path, fault_record: Callable[..., None]
) -> None:
    settings = _copy(landed, tmp_path)
    home = tmp_path / "airflow"
    env = _airflow_env(home, settings, CRYPTOPULSE_DEMO_POSTS_PER_DAY=SMALL_POSTS)
    migrated = subprocess.run(
        [str(VENV_BIN / "airflow"), "db", "migrate"], env=env, capture_output=True, timeout=300
    )
    assert migrated.returncode == 0, migrated.stderr
    holder = cli(["transform"], settings, tmp_path)
    lock = settings.warehouse_path.parent / "dbt" / "writer.lock"
    try:
        deadline = time.monotonic() + 300
        while not (lock.exists() and lock.read_text().strip() == str(holder.pid)):
            assert holder.poll() is None, holder.communicate()
            assert time.monotonic() < deadline, "the CLI run never took the warehouse"
            time.sleep(0.2)
        holder.send_signal(signal.SIGSTOP)  # a long build, holding the warehouse meanwhile
        (refused,), output = harness(["run", "2024-12-20"], env)
    finally:
        holder.send_signal(signal.SIGCONT)
    out, err = holder.communicate(timeout=900)
    assert holder.returncode == 0, err  # the CLI run completes
    assert "checks passed" in out
    assert refused["state"] == "failed"
    assert refused["tasks"]["prepare_transform"][0] == "failed"
    message = (
        f"another cryptopulse run (PID {holder.pid}) is building the warehouse "
        f"{settings.warehouse_path}: wait for it to finish, then run the same command again"
    )
    assert message in output
    assert fingerprint(settings.warehouse_path) == landed[1]  # untouched by the refused run
    (rerun,), _ = harness(["run", "2024-12-20"], env)  # the same DAG run once it is free
    assert rerun["state"] == "success", rerun
    fault_record(
        area="Concurrency",
        fault="an Airflow DAG run reaching the warehouse while a CLI run builds it",
        user_sees=f"task prepare_transform fails: {message}",
        rerun="the CLI run completes; the DAG run again succeeds",
    )
