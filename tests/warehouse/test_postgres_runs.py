"""Runs against a real PostgreSQL (started by the tests): windows merge like a clean build,
readers polling through full and daily builds never miss a table, a second concurrent run is
refused while the first completes, connection mistakes are one clear line, and the password
appears nowhere."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pytest

from conftest import CLI, PG_USER, cli_env, pg_test_settings, run_cli
from cryptopulse.core.interval import Interval
from cryptopulse.core.settings import Settings
from cryptopulse.orchestrate import pipeline
from cryptopulse.sources.demo import SCALES
from cryptopulse.warehouse.dbt_runner import USER_TABLES
from cryptopulse.warehouse.engines import open_engine
from cryptopulse.warehouse.engines.postgres import PostgresEngine, read_arrow
from table_diff import differences

pytestmark = pytest.mark.slow

DAY = timedelta(days=1)
D1 = SCALES["small"].start
WINDOWED_FACTS = ("fct_posts", "fct_coin_stats_hourly", "fct_post_coin")
TABLES = (*USER_TABLES, "agg_sentiment_return_sums_daily")


def window(first: int, days: int = 1) -> Interval:
    return Interval(D1 + first * DAY, D1 + (first + days) * DAY)


def snapshot(settings: Settings) -> dict[str, pa.Table]:
    engine = open_engine(settings)
    assert isinstance(engine, PostgresEngine)
    return {
        table: read_arrow(
            engine.adbc_url(), engine.schema, None, f"select * from {table}", 100_000
        ).read_all()
        for table in TABLES
    }


def all_differences(
    left: dict[str, pa.Table], right: dict[str, pa.Table], drop: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    found = {t: differences(left[t], right[t], drop) for t in left}
    return {t: d for t, d in found.items() if d}


@pytest.fixture(scope="module")
def pg_env(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("pg-runs")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PGPASSWORD", postgres_server.test_password)
        env.setenv("XDG_CACHE_HOME", str(work / "cache"))
        # Three demo days landed and enriched, in one lake every warehouse below reads.
        lake = Settings(lake_url=str(work / "lake"), warehouse_url=str(work / "unused.duckdb"))
        pipeline.run(lake, window(0, 3), steps=("extract", "enrich"))
        yield work


@pytest.fixture(scope="module")
def clean(postgres_server: Any, pg_env: Path) -> Settings:
    """A clean build of the three days (no window)."""
    settings = pg_test_settings(postgres_server, "clean", pg_env)
    pipeline.transform(settings)
    return settings


def test_windows_merge_like_a_clean_build(
    postgres_server: Any, tmp_path: Path, clean: Settings
) -> None:
    # Its own lake, landed a day at a time as the daily runs land it.
    settings = pg_test_settings(postgres_server, "windows", tmp_path)
    pipeline.run(settings, window(1), steps=("extract", "enrich", "transform"))
    first_day = snapshot(settings)

    pipeline.transform(settings, window=window(1))  # the same window again
    assert all_differences(snapshot(settings), first_day) == {}

    pipeline.run(settings, window(2), steps=("extract", "enrich", "transform"))  # the next day
    second_day = snapshot(settings)
    for table in WINDOWED_FACTS:
        before, after = first_day[table], second_day[table]
        kept = after.filter(pa.compute.equal(after["lake_date"], window(1).start))
        assert differences(kept, before) == [], table
        added = after.filter(pa.compute.not_equal(after["lake_date"], window(1).start))
        assert added.num_rows > 0
        assert set(added["lake_date"].to_pylist()) == {window(2).start}, table

    # A backfill before the history: the three days equal one clean build of them.
    pipeline.run(settings, window(0), steps=("extract", "enrich", "transform"))
    assert all_differences(snapshot(settings), snapshot(clean), drop=("merge_window",)) == {}


# ---- readers during builds ---------------------------------------------------------------
class Pollers:
    """Reader threads, each logged in as an analyst (a member of the reader role), counting
    the rows of every user table in a loop and keeping any error or empty table seen."""

    def __init__(self, conninfo: str, threads: int = 4) -> None:
        self.conninfo = conninfo
        self.stop = threading.Event()
        self.problems: list[str] = []
        self.polls = 0
        self.threads = [threading.Thread(target=self._poll) for _ in range(threads)]

    def _poll(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as con:
            while not self.stop.is_set():
                for table in USER_TABLES:
                    try:
                        row = con.execute(f"select count(*) from cryptopulse.{table}").fetchone()
                    except psycopg.Error as exc:
                        self.problems.append(f"{table}: {exc}")
                        continue
                    if not row or row[0] == 0:
                        self.problems.append(f"{table}: empty")
                    self.polls += 1

    def __enter__(self) -> Pollers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def test_readers_polling_through_a_full_and_a_daily_build_see_every_table(
    postgres_server: Any, pg_env: Path, clean: Settings
) -> None:
    postgres_server.create_login("poller", "poller-pw")
    postgres_server.sql("grant cryptopulse_reader to poller")
    engine = open_engine(clean)
    assert isinstance(engine, PostgresEngine)
    conninfo = (
        f"host=127.0.0.1 port={postgres_server.port} dbname={engine.address.database} "
        "user=poller password=poller-pw"
    )
    with Pollers(conninfo) as pollers:
        pipeline.transform(clean, full_refresh=True)
        full_polls = pollers.polls
        pipeline.transform(clean, window=window(2))
    assert pollers.problems == []
    assert full_polls > 100 and pollers.polls > full_polls  # they read all along


# ---- one run at a time -------------------------------------------------------------------
def _lock_taken(settings: Settings) -> bool:
    engine = open_engine(settings)
    assert isinstance(engine, PostgresEngine)
    with engine.connect() as con:
        return engine._lock_holder(con) is not None


def test_a_second_concurrent_run_is_refused_and_the_first_completes(
    postgres_server: Any, pg_env: Path, tmp_path: Path
) -> None:
    settings = pg_test_settings(postgres_server, "concurrent", pg_env)
    # The first run finds its password in ~/.pgpass, the second in PGPASSWORD.
    home = tmp_path / "home"
    home.mkdir()
    pgpass = home / ".pgpass"
    pgpass.write_text(
        f"127.0.0.1:{postgres_server.port}:*:{PG_USER}:{postgres_server.test_password}\n"
    )
    pgpass.chmod(0o600)
    env = cli_env(settings, HOME=str(home), XDG_CACHE_HOME=str(tmp_path / "cache1"))
    env.pop("PGPASSWORD")
    first = subprocess.Popen(
        [CLI, "transform"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not _lock_taken(settings):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.1)
        second = run_cli(
            ["transform"],
            settings,
            tmp_path,
            XDG_CACHE_HOME=str(tmp_path / "cache2"),
            COLUMNS="400",
        )
        out, err = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
    assert second.returncode == 1
    message = second.stderr.strip()
    assert "another cryptopulse run (server process" in message
    assert "is building the warehouse postgresql://" in message
    assert "wait for it to finish" in message
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert first.returncode == 0, err
    assert "checks passed" in out


# ---- connection mistakes ---------------------------------------------------------------
def _raw_schema_exists(postgres_server: Any, database: str) -> bool:
    with psycopg.connect(postgres_server.superuser_conninfo(database)) as con:
        row = con.execute(
            "select count(*) from pg_namespace where nspname like 'cryptopulse%'"
        ).fetchone()
    return bool(row and row[0])


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("wrong password", "refused the password for user cryptopulse_test"),
        ("no password", "asks user cryptopulse_test for a password and none was given"),
        ("missing database", "has no database nowhere"),
        ("unreachable server", "cannot reach PostgreSQL at 127.0.0.1:"),
    ],
)
def test_connection_mistakes_are_one_clear_line_and_write_nothing(
    postgres_server: Any, pg_env: Path, tmp_path: Path, case: str, expected: str
) -> None:
    settings = pg_test_settings(postgres_server, "mistakes", pg_env)
    extra = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), "COLUMNS": "400"}
    if case == "wrong password":
        extra["PGPASSWORD"] = "not-the-password"
    elif case == "missing database":
        settings = settings.model_copy(
            update={"warehouse_url": postgres_server.url(PG_USER, "nowhere")}
        )
    elif case == "unreachable server":
        closed = postgres_server.port + 1 if postgres_server.port < 65000 else 1
        settings = settings.model_copy(
            update={"warehouse_url": f"postgresql://{PG_USER}@127.0.0.1:{closed}/mistakes"}
        )
    env_extra = dict(extra)
    for args in (["transform"], ["run", "--start", str(D1)], ["status"]):
        if case == "no password":
            env = cli_env(settings, **env_extra)
            env.pop("PGPASSWORD", None)
            done = subprocess.run(
                [CLI, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
            )
        else:
            done = run_cli(args, settings, tmp_path, **env_extra)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], (args, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr
    assert not _raw_schema_exists(postgres_server, "mistakes")  # nothing half-written


# ---- the password stays secret ---------------------------------------------------------------
def test_the_password_appears_in_no_output_log_record_or_lake_file(
    postgres_server: Any, tmp_path: Path
) -> None:
    canary = "Canary-7f3a9c-pw"
    postgres_server.create_login("canary_user", canary, "canary")
    settings = Settings(
        lake_url=str(tmp_path / "lake"), warehouse_url=postgres_server.url("canary_user", "canary")
    )
    extra = {"PGPASSWORD": canary, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    outputs = []
    for args in (["run", "--start", str(D1)], ["status"], ["export"]):
        done = run_cli(args, settings, tmp_path, **extra)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout + done.stderr)
    wrong = run_cli(["status"], settings, tmp_path, **{**extra, "PGPASSWORD": canary + "-x"})
    assert wrong.returncode == 1
    outputs.append(wrong.stdout + wrong.stderr)
    assert all(canary not in text for text in outputs)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in files)  # dbt's logs are among them
    assert any("state/runs" in str(p) for p in files)
    leaking = [str(p) for p in files if canary.encode() in p.read_bytes()]
    assert leaking == []
