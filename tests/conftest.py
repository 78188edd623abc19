"""Shared fixtures: isolated settings per test, and real servers on loopback: an S3-compatible
one (moto) and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

# Nothing phones home during tests.
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")

from cryptopulse.core.settings import Settings

VENV_BIN = Path(sys.executable).parent
CLI = str(VENV_BIN / "cryptopulse")


@pytest.fixture(autouse=True)
def _no_stray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own CRYPTOPULSE_* variables must not leak into tests."""
    for key in list(os.environ):
        if key.startswith("CRYPTOPULSE_"):
            monkeypatch.delenv(key)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        lake_url=str(tmp_path / "lake"),
        warehouse_url=str(tmp_path / "warehouse.duckdb"),
    )


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The command line in process (Typer's runner), against ``settings``."""
    monkeypatch.setenv("CRYPTOPULSE_LAKE_URL", settings.lake_url)
    monkeypatch.setenv("CRYPTOPULSE_WAREHOUSE_URL", settings.warehouse_url)
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for running the real CLI as a user would, against ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRYPTOPULSE_")}
    env.update(
        CRYPTOPULSE_LAKE_URL=settings.lake_url,
        CRYPTOPULSE_WAREHOUSE_URL=settings.warehouse_url,
        COLUMNS="160",
    )
    if settings.s3_endpoint_url:
        env["CRYPTOPULSE_S3_ENDPOINT_URL"] = settings.s3_endpoint_url
    env.update(extra)
    return env


def run_cli(
    args: list[str], settings: Settings, cwd: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args],
        env=cli_env(settings, **extra),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto S3 server on loopback, with fake credentials in the environment."""
    server = shutil.which("moto_server", path=str(VENV_BIN))
    assert server, "moto_server is not installed in the environment"
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "w") as handle:
        proc = subprocess.Popen(
            [server, "-H", "127.0.0.1", "-p", str(port)], stdout=handle, stderr=handle
        )
    endpoint = f"http://127.0.0.1:{port}"
    saved = {
        k: os.environ.get(k)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
    }
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing-key-id",
        AWS_SECRET_ACCESS_KEY="testing-secret",
        AWS_DEFAULT_REGION="us-east-1",
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"moto_server did not start: {log.read_text()}") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A fresh, empty bucket on the local S3 server; returns its name."""
    import boto3

    name = f"lake-{time.monotonic_ns()}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return name


# ---- a real PostgreSQL server (tests/postgres_server.py) ---------------------------------
PG_USER = "cryptopulse_test"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """PostgreSQL 15 started for this test session on a free loopback port, stopped at the
    end; skipped, saying why, only when the server binaries are not installed. The login
    PG_USER has the password ``server.test_password`` (TCP connections need one)."""
    import postgres_server as pg

    if pg.pg_bin() is None:
        pytest.skip(
            "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin "
            "(apt-get install postgresql; .ci/run installs them)"
        )
    with pg.running() as server:
        server.test_password = "pw-" + os.urandom(6).hex()
        server.create_login(PG_USER, server.test_password, "cryptopulse_test")
        yield server


def pg_test_settings(server: Any, database: str, folder: Path, **values: Any) -> Settings:
    """Settings for a new, empty database ``database`` owned by PG_USER, with a lake in
    ``folder`` (PGPASSWORD is the caller's to set)."""
    server.create_database(database, owner=PG_USER)
    return Settings(
        lake_url=str(folder / "lake"),
        warehouse_url=server.url(PG_USER, database),
        **values,
    )


@pytest.fixture
def pg_settings(
    postgres_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: Any
) -> Settings:
    """Settings for a fresh database of the session's server, the password in PGPASSWORD
    (as a user gives it), dbt's files under tmp_path."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:40]
    monkeypatch.setenv("PGPASSWORD", postgres_server.test_password)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return pg_test_settings(postgres_server, name, tmp_path)


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The small demo (14 days, 30 coins, ~60k posts) run once through the whole pipeline
    (lake, warehouse, exported marts, run record), for tests that only read it."""
    from cryptopulse.orchestrate import pipeline
    from cryptopulse.sources.demo import SCALES

    work = tmp_path_factory.mktemp("small-demo")
    config = Settings(lake_url=str(work / "lake"), warehouse_url=str(work / "warehouse.duckdb"))
    pipeline.run(config, SCALES["small"], command="demo")
    return config


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A standalone Spark master and one worker on loopback (tests/spark_cluster.py), up
    once the worker has registered, both stopped (and waited for) at the end."""
    from spark_cluster import running_cluster

    with running_cluster(tmp_path_factory.mktemp("spark-cluster")) as cluster:
        yield cluster
