"""Operability faults through the real CLI: a secret in a URL, a lake with nothing landed,
output to a pipe (cron, CI, Airflow's task log), and stopping `make airflow`."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import _free_port, run_cli
from cryptopulse.core.server_url import mask_password
from cryptopulse.core.settings import Settings
from faults.cli_runs import DAYS, cli, one_error_line

SECRET = "Hunter2-s3cret"


# ---- secrets in URLs -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("CRYPTOPULSE_WAREHOUSE_URL", f"postgresql://bob:{SECRET}@127.0.0.1:5432/db"),
        ("CRYPTOPULSE_WAREHOUSE_URL", f"postgresql://bob:pa/{SECRET}@127.0.0.1:5432/db"),
        ("CRYPTOPULSE_WAREHOUSE_URL", f"postgresql://bob:p@{SECRET}:x/y@db.host:5432/db"),
        ("CRYPTOPULSE_WAREHOUSE_URL", f"postgresql://bob:a {SECRET}@127.0.0.1:5432/db"),
        ("CRYPTOPULSE_WAREHOUSE_URL", f"postgresql://bob@127.0.0.1:5432/db?password={SECRET}"),
        ("CRYPTOPULSE_WAREHOUSE_URL", f"redshift://bob:{SECRET}@cluster:5439/dev"),
        ("CRYPTOPULSE_WAREHOUSE_URL", f"spark://bob:{SECRET}@127.0.0.1:7077"),
        ("CRYPTOPULSE_WAREHOUSE_URL", f"host=db user=bob password={SECRET} dbname=db"),
        ("CRYPTOPULSE_LAKE_URL", f"s3://AKIAEXAMPLE:{SECRET}@my-bucket/lake"),
        ("CRYPTOPULSE_S3_ENDPOINT_URL", f"http://AKIAEXAMPLE:{SECRET}@127.0.0.1:9000"),
    ],
)
@pytest.mark.slow
def test_a_secret_in_a_url_is_never_echoed(
    settings: Settings,
    tmp_path: Path,
    setting: str,
    value: str,
    fault_record: Callable[..., None],
) -> None:
    # Every command reads the settings first; `run` would go on to write the lake.
    done = run_cli(["run", *DAYS], settings, tmp_path, **{setting: value, "COLUMNS": "400"})
    shown = done.stdout + done.stderr
    assert SECRET not in shown
    assert done.returncode == 2, shown
    line = one_error_line(done.stderr)
    assert setting in line and "***" in line  # it says which setting, with the value masked
    assert "Traceback" not in shown
    assert not Path(settings.lake_url).exists()  # refused before anything ran
    fault_record(
        area="Secrets",
        fault=f"a password or key in {setting}: {mask_password(value)}",
        user_sees=line,
        rerun="refused before anything runs; nothing written, nothing to rerun",
    )


@pytest.mark.parametrize(
    "text",
    [
        f"could not connect to postgresql://bob:{SECRET}@db:5432/x: timeout",
        f"Could not connect to the endpoint URL: 'http://k:{SECRET}@127.0.0.1:9/b?list-type=2'",
        f"https://b.s3.amazonaws.com/k?X-Amz-Signature={SECRET}&X-Amz-Credential={SECRET}",
        f"GET /api?x_cg_pro_api_key={SECRET} failed",
    ],
)
def test_a_secret_in_any_echoed_url_is_masked(text: str) -> None:
    # What fail(), the run record and status apply to every message and URL they show.
    assert SECRET not in mask_password(text)
    assert "***" in mask_password(text)


def test_a_url_without_a_secret_is_shown_as_it_is() -> None:
    for text in ("postgresql://bob@db:5432/x", "s3://bucket/key@v1", "/data/warehouse.duckdb"):
        assert mask_password(text) == text


# ---- a lake with nothing landed --------------------------------------------------------
@pytest.mark.parametrize("lake", ["missing", "empty"])
def test_transform_on_a_lake_with_nothing_landed_refuses_and_says_where_it_looked(
    tmp_path: Path, lake: str, fault_record: Callable[..., None]
) -> None:
    folder = tmp_path / "lkae"  # a typo
    if lake == "empty":
        folder.mkdir()
    settings = Settings(lake_url=str(folder), warehouse_url=str(tmp_path / "wh.duckdb"))
    done = run_cli(["transform"], settings, tmp_path, COLUMNS="400")
    assert done.returncode == 1, done.stdout + done.stderr
    line = one_error_line(done.stderr)
    assert f"nothing to build: no landed data in the lake {folder}" in line
    assert "raw/<source>/<dataset>/" in line and "CRYPTOPULSE_LAKE_URL" in line
    assert ("no such folder" in line) == (lake == "missing")
    assert "checks passed" not in done.stdout
    assert not (tmp_path / "wh.duckdb").exists()  # no warehouse of empty tables
    assert not folder.exists() or not any(folder.iterdir())  # nothing written in the lake
    fault_record(
        area="Operability",
        fault=f"`transform` on {'a missing' if lake == 'missing' else 'an empty'} lake folder "
        "(a mistyped CRYPTOPULSE_LAKE_URL)",
        user_sees=line,
        rerun="exit 1; no warehouse and no lake file written; fix the path and run again",
    )


# ---- output to a pipe ------------------------------------------------------------------
PROGRESS_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (extract demo|enrich|transform|export)"
)


@pytest.mark.slow
def test_progress_to_a_pipe_is_timestamped_lines_written_as_they_happen(
    settings: Settings, tmp_path: Path, fault_record: Callable[..., None]
) -> None:
    proc = cli(["run", *DAYS], settings, tmp_path, COLUMNS="")  # no width given: a log
    assert proc.stdout is not None
    arrivals: list[tuple[float, str]] = []
    for line in proc.stdout:  # as the lines arrive through the pipe
        arrivals.append((time.monotonic(), line.rstrip("\n")))
    proc.wait(timeout=60)
    ended = time.monotonic()
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    progress = [(at, line) for at, line in arrivals if PROGRESS_LINE.match(line)]
    stages = {PROGRESS_LINE.match(line)[1] for _, line in progress}  # type: ignore[index]
    assert stages == {"extract demo", "enrich", "transform", "export"}
    first_at, first = progress[0]
    assert ended - first_at > 5, "the first progress line came only at the end"
    transform = [line for _, line in progress if " transform " in line]
    assert any(line.endswith("dbt parses the project") for line in transform)
    assert any(re.search(r" transform (\d+)/\1 ", line) for line in transform)  # its end
    assert len(transform) <= 13  # a line each tenth of the way, not one per node
    lines = [line for _, line in arrivals]
    summary = next(i for i, line in enumerate(lines) if line.startswith("✔ cryptopulse run"))
    assert all(PROGRESS_LINE.match(line) for line in lines[:summary])  # no bars drawn
    shown = "\n".join(lines)
    assert "…" not in shown  # nothing cut short at 80 columns
    assert "Data quality:" in shown
    fault_record(
        area="Operability",
        fault="output to a pipe or a file (cron, CI, Airflow's task log)",
        user_sees=f"{first} … (timestamped lines per stage, each tenth of the way, "
        f"the first {ended - first_at:.0f} s before the end)",
        rerun="n/a (not a failure): the same run, readable as it happens",
    )


# ---- stopping `make airflow` -----------------------------------------------------------
REPO = Path(__file__).resolve().parents[2]


def _descendants(root: int) -> set[int]:
    """Every live process under ``root`` (by parent PID, whatever its session)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
        return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM to make", "Ctrl-C"])
def test_stopping_make_airflow_stops_every_process_it_started(
    tmp_path: Path, how: str, fault_record: Callable[..., None]
) -> None:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CRYPTOPULSE_"))},
        "CRYPTOPULSE_LAKE_URL": str(tmp_path / "lake"),
        "CRYPTOPULSE_WAREHOUSE_URL": str(tmp_path / "warehouse.duckdb"),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
    }
    log_path = tmp_path / "make-airflow.log"
    with log_path.open("wb") as log:
        make = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "airflow",
                f"AIRFLOW_HOME={tmp_path / 'home'}",
                f"AIRFLOW_PORT={port}",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, as a terminal's foreground job
        )
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 300
        while not (_answers(port) and len(_descendants(make.pid)) >= 6):
            assert make.poll() is None, log_path.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "make airflow did not start"
            time.sleep(2)
        time.sleep(10)  # the scheduler's executor workers
        started = _descendants(make.pid)
        if how == "Ctrl-C":  # the terminal sends SIGINT to the whole foreground group
            os.killpg(make.pid, signal.SIGINT)
        else:  # a supervisor or `kill PID` stops make alone
            make.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 90
        while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(1)
        survivors = sorted(pid for pid in started if _alive(pid))
        port_open = _answers(port)
    finally:
        for pid in started | {make.pid}:  # whatever we started and is left: ours to end
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        make.wait(timeout=30)
    assert not survivors, f"{len(survivors)} of {len(started)} processes outlived {how}"
    assert not port_open, f"port {port} still answers after {how}"
    fault_record(
        area="Operability",
        fault=f"stopping `make airflow` with {how}",
        user_sees=f"all {len(started)} processes it started (scheduler, executor workers, API "
        "server, triggerer, DAG processor) stopped; the port closed",
        rerun="`make airflow` starts again on the same port",
    )
