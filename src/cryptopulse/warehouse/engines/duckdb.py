"""DuckDB: the warehouse is one local file, and dbt-duckdb reads the lake's Parquet directly.

The only module that knows DuckDB and dbt-duckdb: its errors, its lock, its profile values
and the connection dbt-duckdb keeps open in-process.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pyarrow as pa

from cryptopulse.core.settings import Settings, warehouse_location
from cryptopulse.warehouse.engine import (
    MartReader,
    WarehouseEngine,
    WarehouseError,
    WarehouseUnavailable,
)
from cryptopulse.warehouse.writer_lock import busy_elsewhere, one_writer, readers_out, reading

# How long a reader waits for a build to let go of the file (a seed-scale build: minutes).
READ_WAIT_SECONDS = 900.0
# How long a build waits for a cryptopulse reader (status, an export) to let go.
READER_WAIT_SECONDS = 120.0
_LOCK = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def _held_by_cryptopulse(message: str) -> bool:
    """Whether a DuckDB lock error names a `cryptopulse` command as the holder (Linux: its
    command line; elsewhere it is not known, and the error is said at once)."""
    holder = _LOCK.search(message)
    if holder is None:
        return False
    try:
        command = Path(f"/proc/{holder['pid']}/cmdline").read_bytes()
    except OSError:
        return False
    # The CLI's entry point is the program or, under a python, its script.
    return any(
        Path(arg.decode(errors="replace")).name == "cryptopulse" for arg in command.split(b"\0")[:2]
    )


def database_path(url: str) -> Path:
    """The file of a DuckDB warehouse URL: a plain path, or duckdb://PATH."""
    return Path(warehouse_location(url)).expanduser().resolve()


def explain_open_error(path: Path, message: str, writing: bool) -> str | None:
    """One line for a DuckDB error opening ``path``, or None if it is not about opening it."""
    if "Could not set lock" in message or "Conflicting lock" in message:
        holder = _LOCK.search(message)
        by = f" (held by PID {holder['pid']}, {holder['program']})" if holder else ""
        mode = "has it open" if writing else "has it open for writing"
        return (
            f"the warehouse {path} is locked{by}: another process — a notebook, the DuckDB "
            f"CLI, Airflow — {mode}; close it or wait, then run the same command again"
        )
    if "not a valid DuckDB database" in message:
        return (
            f"the warehouse {path} is not a DuckDB database file: point "
            "CRYPTOPULSE_WAREHOUSE_URL at another file, or move this one away"
        )
    if "Is a directory" in message:
        return f"the warehouse {path} is a folder: CRYPTOPULSE_WAREHOUSE_URL must name a file"
    return None


def _unavailable(path: Path, exc: duckdb.Error, writing: bool) -> WarehouseUnavailable:
    message = str(exc)
    explained = explain_open_error(path, message, writing)
    return WarehouseUnavailable(explained or f"cannot open the warehouse {path}: {message}")


def parse_environment(database: Path) -> dict[str, str]:
    """What the profile needs to parse the project with no warehouse (the Airflow manifest)."""
    return {"CRYPTOPULSE_DUCKDB_PATH": str(database)}


class DuckDBReader(MartReader):
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def tables(self) -> list[str]:
        found = "select table_name from duckdb_tables() order by table_name"
        return [str(row[0]) for row in self.con.execute(found).fetchall()]

    def columns(self, table: str) -> list[str]:
        return list(self.con.sql(f"select * from {self.quote(table)} limit 0").columns)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def arrow(self, sql: str, batch_rows: int) -> pa.RecordBatchReader:
        return self.con.sql(sql).to_arrow_reader(batch_rows)


def drop_art_indexes(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the ART indexes earlier versions built on the marts (macros/duckdb.sql says why
    there are none now). Done as a build takes the warehouse, in the one connection open before
    dbt's threads: while any index exists a parallel full refresh can fail on dbt-duckdb's
    index listing."""
    names = con.execute(
        "select database_name, schema_name, index_name from duckdb_indexes()"
    ).fetchall()
    for parts in names:
        con.execute("drop index " + ".".join('"' + p.replace('"', '""') + '"' for p in parts))


class DuckDBEngine(WarehouseEngine):
    name: ClassVar[str] = "duckdb"
    label: ClassVar[str] = "DuckDB"

    def __init__(self, settings: Settings) -> None:
        self.path = database_path(settings.warehouse_url)
        self.lake_is_s3 = settings.lake_is_s3
        self.memory_limit = settings.duckdb_memory_limit
        self.s3_endpoint_url = settings.s3_endpoint_url

    def location(self) -> str:
        return str(self.path)

    # ---- dbt -----------------------------------------------------------------------------
    def dbt_target(self) -> str:
        # An s3:// lake needs dbt-duckdb's fsspec filesystem (profiles.yml, duckdb_s3).
        return "duckdb_s3" if self.lake_is_s3 else "duckdb"

    def dbt_environment(self) -> dict[str, str]:
        """The profile's values. No secrets: S3 keys stay in the standard AWS_* variables,
        which s3fs reads itself."""
        values = {
            "CRYPTOPULSE_DUCKDB_PATH": str(self.path),
            "CRYPTOPULSE_DBT_TARGET": self.dbt_target(),
            "CRYPTOPULSE_DUCKDB_MEMORY_LIMIT": self.memory_limit,
        }
        if self.s3_endpoint_url:
            values["AWS_ENDPOINT_URL_S3"] = self.s3_endpoint_url
        return values

    def work_dir(self) -> Path:
        return self.path.parent / "dbt"

    # ---- around a build ------------------------------------------------------------------
    def check_writable(self) -> None:
        # Under the writer lock: another cryptopulse run is said first, and a reader that
        # meets this probe's connection waits for it rather than failing.
        with one_writer(self):
            if not self.path.exists():  # no file yet is fine: the build creates it
                return
            deadline = time.monotonic() + READER_WAIT_SECONDS
            while True:
                try:
                    duckdb.connect(str(self.path)).close()
                    return
                except duckdb.Error as exc:
                    # A cryptopulse reader (status, export) lets go in seconds: wait for it.
                    if not _held_by_cryptopulse(str(exc)) or time.monotonic() > deadline:
                        raise _unavailable(self.path, exc, writing=True) from exc
                time.sleep(0.5)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        with one_writer(self), readers_out(self, READER_WAIT_SECONDS):
            if self.path.exists():
                try:
                    with duckdb.connect(str(self.path)) as con:
                        drop_art_indexes(con)
                except duckdb.Error as exc:
                    raise _unavailable(self.path, exc, writing=True) from exc
            yield

    def release(self) -> None:
        """Close the file dbt-duckdb keeps open for the process: DuckDB refuses a second
        connection with another configuration (say, read-only) in the same process, and it
        allows one writing process per file."""
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        env = DuckDBConnectionManager._ENV
        if env is not None:
            env.close()
        DuckDBConnectionManager.close_all_connections()

    def explain(self, message: str) -> str | None:
        if "Could not set lock" not in message:  # taken since check_writable
            return None
        return explain_open_error(self.path, message, writing=True)

    # ---- tables computed outside dbt ------------------------------------------------------
    def write_table(self, name: str, table: pa.Table) -> None:
        with readers_out(self, READER_WAIT_SECONDS):
            try:
                con = duckdb.connect(str(self.path))
            except duckdb.Error as exc:
                raise _unavailable(self.path, exc, writing=True) from exc
            self._replace(con, name, table)

    def _replace(self, con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
        quoted = '"' + name.replace('"', '""') + '"'
        with con:
            con.register("incoming_rows", table)
            con.execute("begin transaction")
            con.execute(f"create or replace table {quoted} as select * from incoming_rows")
            con.execute("commit")
            con.unregister("incoming_rows")

    # ---- reading -------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    def leftovers(self) -> list[str]:
        wal = self.path.with_name(self.path.name + ".wal")
        if not wal.exists():
            return []
        return [
            f"{wal}: DuckDB's write-ahead log of changes not yet in the database file (a "
            "write was interrupted, or one is running). DuckDB replays it the next time the "
            "warehouse is opened for writing: nothing to do, do not delete it"
        ]

    @contextlib.contextmanager
    def reader(self, wait_for_build: bool = False) -> Iterator[MartReader]:
        # A reader that waits for builds keeps them from opening the file under it.
        waiting = reading(self, READ_WAIT_SECONDS) if wait_for_build else contextlib.nullcontext()
        with waiting, self._reader(wait_for_build) as reader:
            yield reader

    @contextlib.contextmanager
    def _reader(self, wait_for_build: bool) -> Iterator[MartReader]:
        con = self._open_for_reading(wait_for_build)
        con.execute("set enable_progress_bar = false")  # DuckDB's own bar would draw over ours
        try:
            with con:
                yield DuckDBReader(con)
        except duckdb.IOException as exc:
            raise WarehouseError(f"DuckDB: {exc}") from exc

    def _open_for_reading(self, wait_for_build: bool) -> duckdb.DuckDBPyConnection:
        """A read-only connection. DuckDB lets no reader in beside a writing process: with
        ``wait_for_build``, while that process is a cryptopulse run (it holds the writer
        lock), wait for it, so `status` or `export` during a run read the finished tables
        instead of failing. Anyone else holding the file (a notebook) is said at once."""
        deadline = time.monotonic() + READ_WAIT_SECONDS
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=True)
            except duckdb.Error as exc:
                building = wait_for_build and _LOCK.search(str(exc)) and busy_elsewhere(self)
                if not building or time.monotonic() > deadline:
                    raise _unavailable(self.path, exc, writing=False) from exc
            time.sleep(0.5)


class _DatasetsReader(DuckDBReader):
    """A DuckDBReader whose tables are Arrow datasets registered by name."""

    def __init__(self, con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
        super().__init__(con)
        self.names = sorted(names)

    def tables(self) -> list[str]:
        return list(self.names)


@contextlib.contextmanager
def datasets_reader(tables: Mapping[str, Any]) -> Iterator[MartReader]:
    """A MartReader over Arrow datasets (``pyarrow.dataset.Dataset`` by table name), such as
    the lake's exported marts: an in-memory DuckDB that scans them, pushing filters down.

    It can change no file: file system access is switched off (the datasets are Python
    objects, read through Arrow) and the configuration locked, so no query can turn it back
    on; a ``COPY ... TO`` fails. Tables a query creates live in memory and die with it."""
    con = duckdb.connect(":memory:")
    try:
        for name, dataset in tables.items():
            con.register(name, dataset)
        con.execute("set enable_progress_bar = false")
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
        yield _DatasetsReader(con, list(tables))
    except duckdb.IOException as exc:
        raise WarehouseError(f"DuckDB: {exc}") from exc
    finally:
        con.close()
