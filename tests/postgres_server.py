"""A throwaway PostgreSQL server for tests and benchmarks: Debian's PostgreSQL binaries,
``initdb`` into a temporary folder, listening on a free loopback port, stopped at the end.

PostgreSQL refuses to run as root: as root the cluster is created and run by the ``postgres``
system user (``runuser``), and its folder belongs to that user. Connections over TCP need a
password (scram-sha-256); the socket in the cluster's folder trusts the local superuser.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_BIN_DIRS = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (15, 16, 17)]
SUPERUSER = "postgres"


def pg_bin() -> Path | None:
    """The folder of PostgreSQL's server binaries, or None when they are not installed."""
    for folder in PG_BIN_DIRS:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalPostgres:
    """A running server: its folder, port and the superuser's password (TCP needs it)."""

    folder: Path
    port: int
    superuser_password: str
    bin: Path
    test_password: str = ""  # the password of the tests' login (tests/conftest.py)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def superuser_conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string for the superuser over the socket (trusted)."""
        return f"host={self.folder} port={self.port} dbname={dbname} user={SUPERUSER}"

    def sql(self, statement: str, dbname: str = "postgres") -> None:
        """Run one statement as the superuser (autocommit: CREATE DATABASE works)."""
        import psycopg

        with psycopg.connect(self.superuser_conninfo(dbname), autocommit=True) as con:
            con.execute(statement)

    def create_login(self, user: str, password: str, dbname: str | None = None) -> None:
        """A login role with ``password`` (and CREATEROLE, as a pipeline's user needs to
        create the reader role), owning a new database ``dbname`` if one is named."""
        self.sql(
            f"do $$ begin if not exists (select from pg_roles where rolname = '{user}') "
            f'then create role "{user}" login createrole; end if; end $$'
        )
        self.sql(f"alter role \"{user}\" password '{password}'")
        if dbname:
            self.create_database(dbname, owner=user)

    def create_database(self, dbname: str, owner: str) -> None:
        """A new, empty database (an older one of that name is dropped)."""
        self.sql(f'drop database if exists "{dbname}" with (force)')
        self.sql(f'create database "{dbname}" owner "{owner}"')

    def url(self, user: str, dbname: str) -> str:
        return f"postgresql://{user}@{self.host}:{self.port}/{dbname}"

    def stop(self) -> None:
        _run_as_owner(
            [str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop"],
            check=False,
        )


def _run_as_owner(args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        args = ["runuser", "-u", SUPERUSER, "--", *args]
    return subprocess.run(args, capture_output=True, text=True, check=check, timeout=120)


def start(folder: Path | None = None) -> LocalPostgres:
    """initdb and start a server in ``folder`` (a new temporary folder by default)."""
    binaries = pg_bin()
    if binaries is None:
        raise RuntimeError("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin")
    folder = Path(folder or tempfile.mkdtemp(prefix="cp-pg-"))
    folder.mkdir(parents=True, exist_ok=True)
    password = "su-" + os.urandom(8).hex()
    pwfile = folder / "pw"
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(folder, SUPERUSER, SUPERUSER)
        shutil.chown(pwfile, SUPERUSER, SUPERUSER)
    folder.chmod(0o700)
    data = folder / "data"
    _run_as_owner(
        [
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--pwfile",
            str(pwfile),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",  # byte order, like DuckDB (and fast sorts)
            "--no-sync",
        ]
    )
    pwfile.unlink()
    port = _free_port()
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
        "-c shared_buffers=256MB"
    )
    result = _run_as_owner(
        [
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(folder / "server.log"),
            "-w",
            "start",
        ],
        check=False,
    )
    if result.returncode != 0:
        log = (folder / "server.log").read_text() if (folder / "server.log").exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{log[-2000:]}")
    return LocalPostgres(folder=folder, port=port, superuser_password=password, bin=binaries)


@contextlib.contextmanager
def running(folder: Path | None = None) -> Iterator[LocalPostgres]:
    server = start(folder)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)
