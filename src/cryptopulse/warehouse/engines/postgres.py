"""PostgreSQL: a shared warehouse on a server, for many readers while the pipeline writes.

The only module (with its loader, ``postgres_load``) that knows psycopg, ADBC and
dbt-postgres. Layout, in one database:

- ``<schema>_raw``: the lake's datasets, copied by the loader (binary COPY from Arrow);
- ``<schema>_staging``: dbt's staging models and intermediate views;
- ``<schema>`` (``cryptopulse``): dims, facts, aggregates and marts, the only schema the
  read-only role (``cryptopulse_reader``) can read.

The password is never in the URL: libpq finds it (PGPASSWORD, ~/.pgpass, PGPASSFILE), and
the Airflow tasks put the connection ``cryptopulse_warehouse``'s into PGPASSWORD. A build
holds a session advisory lock, so a second concurrent run is refused, not interleaved.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from psycopg import sql

from cryptopulse.core.interval import Interval
from cryptopulse.core.server_url import ServerUrl, parse_server_url
from cryptopulse.core.settings import SERVER_PORTS, Settings
from cryptopulse.lake import Lake
from cryptopulse.warehouse.engine import (
    MartReader,
    WarehouseEngine,
    WarehouseError,
    WarehouseUnavailable,
)
from cryptopulse.warehouse.engines import postgres_load

WHERE_PASSWORDS_COME_FROM = "PGPASSWORD, ~/.pgpass or the Airflow connection cryptopulse_warehouse"


def explain_connect_error(address: ServerUrl, message: str) -> str:
    """One line for a failed connection: what is wrong and what to do (libpq's messages
    name hosts, users and databases, never a password)."""
    where = f"PostgreSQL at {address.host}:{address.port}"
    if "password authentication failed" in message:
        return (
            f"{where} refused the password for user {address.user}: check the one given by "
            f"{WHERE_PASSWORDS_COME_FROM}"
        )
    if "no password supplied" in message:
        return (
            f"{where} asks user {address.user} for a password and none was given: set "
            f"{WHERE_PASSWORDS_COME_FROM}"
        )
    if f'database "{address.database}" does not exist' in message:
        return (
            f"{where} has no database {address.database}: create it (createdb "
            f"{address.database}) or fix CRYPTOPULSE_WAREHOUSE_URL"
        )
    if f'role "{address.user}" does not exist' in message:
        return f"{where} has no user {address.user}: create it or fix CRYPTOPULSE_WAREHOUSE_URL"
    if "no pg_hba.conf entry" in message:
        return f"{where} does not accept user {address.user} from this host (pg_hba.conf)"
    if (
        "Connection refused" in message
        or "timeout expired" in message
        or "could not translate host name" in message
        or "Name or service not known" in message
        or "No route to host" in message
    ):
        return (
            f"cannot reach {where} (database {address.database}): is the server running and "
            "listening there? Check CRYPTOPULSE_WAREHOUSE_URL"
        )
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    return f"cannot connect to {where} (database {address.database}): {first}"


class PostgresReader(MartReader):
    """Reads the readers' schema. Rows through psycopg; Arrow through ADBC, which streams a
    query's result with binary COPY (numeric columns become decimals, or doubles when
    unconstrained)."""

    def __init__(self, con: psycopg.Connection[Any], url: str, schema: str, role: str | None):
        self.con = con
        self.url = url
        self.schema = schema
        self.role = role

    def tables(self) -> list[str]:
        found = (
            "select table_name from information_schema.tables "
            "where table_schema = %s order by table_name"
        )
        return [str(row[0]) for row in self.con.execute(found, (self.schema,)).fetchall()]

    def columns(self, table: str) -> list[str]:
        found = (
            "select column_name from information_schema.columns "
            "where table_schema = %s and table_name = %s order by ordinal_position"
        )
        return [str(r[0]) for r in self.con.execute(found, (self.schema, table)).fetchall()]

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        return list(self.con.execute(query).fetchall())

    def arrow(self, query: str, batch_rows: int) -> pa.RecordBatchReader:
        return read_arrow(self.url, self.schema, self.role, query, batch_rows)


def read_arrow(
    url: str, schema: str, role: str | None, query: str, batch_rows: int
) -> pa.RecordBatchReader:
    """A query's result streamed as Arrow batches, in a read-only transaction on ``schema``
    (as ``role`` if given); the connection closes when the stream is read to its end."""
    con = postgres_load.adbc.connect(url)
    cur = con.cursor()
    cur.execute("set transaction read only")
    cur.execute(f"set search_path to {postgres_load.quote(schema)}")
    if role:
        cur.execute(f"set role {postgres_load.quote(role)}")
    cur.execute(query)
    source = cur.fetch_record_batch()
    target = pa.schema([_plain_field(f) for f in source.schema])

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for batch in source:
                arrays = [_plain(col, f.type) for col, f in zip(batch.columns, target, strict=True)]
                plain = pa.RecordBatch.from_arrays(arrays, schema=target)
                for start in range(0, batch.num_rows, batch_rows):
                    yield plain.slice(start, batch_rows)
        finally:
            cur.close()
            con.close()

    return pa.RecordBatchReader.from_batches(target, batches())


def _plain_field(field: pa.Field) -> pa.Field:
    """The Arrow field a PostgreSQL column is exported as: numerics as decimal128 when their
    precision fits (else double); field metadata dropped."""
    kind = field.type
    if isinstance(kind, pa.ExtensionType) or getattr(kind, "extension_name", None):
        meta = field.metadata or {}
        typmod = int(meta.get(b"POSTGRESQL:typmod", b"-1"))
        if meta.get(b"POSTGRESQL:type") == b"numeric":
            precision, scale = (typmod - 4) >> 16, (typmod - 4) & 0xFFFF
            if typmod >= 4 and precision <= 38:
                return pa.field(field.name, pa.decimal128(precision, scale))
            return pa.field(field.name, pa.float64())
        return pa.field(field.name, pa.string())
    return pa.field(field.name, kind)


def _plain(column: pa.Array, kind: pa.DataType) -> pa.Array:
    if isinstance(column.type, pa.ExtensionType) or getattr(column.type, "extension_name", None):
        storage = column.storage if hasattr(column, "storage") else column
        if pa.types.is_string(kind):
            return storage
        return pc.cast(storage, kind)
    return column


class PostgresEngine(WarehouseEngine):
    name: ClassVar[str] = "postgresql"
    label: ClassVar[str] = "PostgreSQL"

    def __init__(self, settings: Settings) -> None:
        self.address = parse_server_url(settings.warehouse_url, SERVER_PORTS["postgresql"])
        self.schema = settings.postgres_schema
        self.raw_schema = f"{self.schema}_raw"
        self.staging_schema = f"{self.schema}_staging"
        self.reader_role = settings.postgres_reader_role
        self.timeout = settings.postgres_connect_timeout
        self.work_mem = settings.postgres_work_mem

    # ---- what people and the run record see ----------------------------------------------
    def location(self) -> str:
        return self.address.display()

    def describe(self) -> str:
        return f"{self.label} {self.location()} (schema {self.schema})"

    # ---- connections ---------------------------------------------------------------------
    def conninfo(self) -> str:
        """libpq's connection string: no password (libpq's own lookup supplies it)."""
        return psycopg.conninfo.make_conninfo(
            host=self.address.host,
            port=str(self.address.port),
            user=self.address.user,
            dbname=self.address.database,
            connect_timeout=str(self.timeout),
            application_name="cryptopulse",
        )

    def adbc_url(self) -> str:
        options = f"connect_timeout={self.timeout}&application_name=cryptopulse"
        return f"{self.address.display()}?{options}"

    def connect(self, autocommit: bool = True) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self.conninfo(), autocommit=autocommit)
        except psycopg.OperationalError as exc:
            raise WarehouseUnavailable(explain_connect_error(self.address, str(exc))) from None

    # ---- dbt -----------------------------------------------------------------------------
    def dbt_target(self) -> str:
        return "postgres"

    def dbt_environment(self) -> dict[str, str]:
        """The profile's values; the password is not among them (the profile reads
        PGPASSWORD itself, and an empty one lets libpq read ~/.pgpass)."""
        return {
            "CRYPTOPULSE_DBT_TARGET": "postgres",
            "CRYPTOPULSE_PG_HOST": self.address.host,
            "CRYPTOPULSE_PG_PORT": str(self.address.port),
            "CRYPTOPULSE_PG_USER": self.address.user,
            "CRYPTOPULSE_PG_DBNAME": self.address.database,
            "CRYPTOPULSE_PG_SCHEMA": self.schema,
            "CRYPTOPULSE_PG_CONNECT_TIMEOUT": str(self.timeout),
            # libpq passes these to every session dbt opens: the default work_mem (4MB) sends
            # the sorts and hash joins of a million-post build to disk, and JIT compiling
            # each large statement cost more than it saved (the seed scale's lead-lag sums:
            # 145 s with JIT, 70 s without, on the same loaded machine).
            "PGOPTIONS": " ".join(
                part
                for part in (
                    os.environ.get("PGOPTIONS", ""),
                    f"-c work_mem={self.work_mem} -c maintenance_work_mem={self.work_mem} "
                    "-c jit=off",
                )
                if part
            ),
        }

    def work_dir(self) -> Path:
        """dbt's target and logs, per server, database and schema, in the user's cache."""
        cache = Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser()
        where = f"{self.address.host}_{self.address.port}_{self.address.database}_{self.schema}"
        return cache / "cryptopulse" / "dbt" / where.replace("/", "_")

    # ---- around a build ------------------------------------------------------------------
    def lock_key(self) -> int:
        """The advisory lock of this warehouse (its database and schema): a signed 64-bit key."""
        digest = hashlib.sha256(f"cryptopulse:{self.schema}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def check_writable(self) -> None:
        with self.connect() as con:
            can_create = con.execute(
                "select has_database_privilege(current_database(), 'CREATE')"
            ).fetchone()
            if not (can_create and can_create[0]):
                raise WarehouseUnavailable(
                    f"user {self.address.user} may not create schemas in database "
                    f"{self.address.database} at {self.address.host}:{self.address.port}: "
                    f"grant it CREATE on the database (or use its owner)"
                )
            holder = self._lock_holder(con)
            if holder is not None:
                raise WarehouseUnavailable(self._busy_message(holder))

    def _lock_holder(self, con: psycopg.Connection[Any]) -> str | None:
        """Who holds this warehouse's build lock (application, address, pid), or None."""
        key = self.lock_key()
        row = con.execute(
            "select a.pid, coalesce(host(a.client_addr), 'a local socket') "
            "from pg_locks l join pg_stat_activity a on a.pid = l.pid "
            "where l.locktype = 'advisory' and l.granted and l.database = "
            "(select oid from pg_database where datname = current_database()) "
            "and l.classid = %s and l.objid = %s and l.objsubid = 1",
            ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF),
        ).fetchone()
        if row is None:
            return None
        return f"server process {row[0]}, from {row[1]}"

    def _busy_message(self, holder: str | None) -> str:
        by = f" ({holder})" if holder else ""
        return (
            f"another cryptopulse run{by} is building the warehouse {self.location()}: "
            "wait for it to finish, then run the same command again"
        )

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the warehouse's build lock for the block (a session advisory lock, freed
        when the block ends or the process dies), after making the schemas and the reader
        role; WarehouseUnavailable at once if another run holds it."""
        with self.connect() as con:
            con.execute("set timezone to 'UTC'")
            got = con.execute("select pg_try_advisory_lock(%s)", (self.lock_key(),)).fetchone()
            if not (got and got[0]):
                raise WarehouseUnavailable(self._busy_message(self._lock_holder(con)))
            try:
                self._prepare(con)
                yield
            finally:
                with contextlib.suppress(psycopg.Error):
                    con.execute("select pg_advisory_unlock(%s)", (self.lock_key(),))

    def _prepare(self, con: psycopg.Connection[Any]) -> None:
        """The schemas and the read-only role, idempotently: the role may read the readers'
        schema (every table in it now, and those created later by this user) and nothing
        else; raw and staging are closed to it."""
        ident = sql.Identifier
        role = ident(self.reader_role)
        with con.transaction():
            for name in (self.schema, self.raw_schema, self.staging_schema):
                con.execute(sql.SQL("create schema if not exists {}").format(ident(name)))
            exists = con.execute(
                "select 1 from pg_roles where rolname = %s", (self.reader_role,)
            ).fetchone()
        if exists is None:
            try:
                con.execute(sql.SQL("create role {} nologin").format(role))
            except psycopg.errors.DuplicateObject:
                pass  # created meanwhile by another run
            except psycopg.errors.InsufficientPrivilege:
                raise WarehouseUnavailable(
                    f"user {self.address.user} may not create the read-only role "
                    f"{self.reader_role}: create it once (CREATE ROLE {self.reader_role} "
                    "NOLOGIN) or give this user CREATEROLE"
                ) from None
        # Members may act as the role: the pipeline's own reader reads as readers do.
        with contextlib.suppress(psycopg.Error):
            con.execute(sql.SQL("grant {} to current_user").format(role))
        with con.transaction():
            schema = ident(self.schema)
            con.execute(sql.SQL("grant usage on schema {} to {}").format(schema, role))
            con.execute(
                sql.SQL("grant select on all tables in schema {} to {}").format(schema, role)
            )
            con.execute(
                sql.SQL(
                    "alter default privileges in schema {} grant select on tables to {}"
                ).format(schema, role)
            )
            for closed in (self.raw_schema, self.staging_schema):
                con.execute(
                    sql.SQL("revoke all on schema {} from public, {}").format(ident(closed), role)
                )

    def load(
        self,
        lake: Lake,
        datasets: list[str],
        enrich_versions: Mapping[str, str],
        window: Interval | None,
    ) -> None:
        try:
            postgres_load.load_lake(
                self.adbc_url(), self.raw_schema, lake, datasets, enrich_versions, window
            )
        except postgres_load.Error as exc:
            message = str(exc)
            if "Failed to connect" in message:
                raise WarehouseUnavailable(explain_connect_error(self.address, message)) from None
            raise WarehouseError(f"loading the lake into PostgreSQL failed: {message}") from None

    def write_arrow(self, schema: str, table: str, data: pa.RecordBatchReader) -> int:
        """Replace ``schema.table`` with ``data`` in one transaction (binary COPY)."""
        return postgres_load.replace_table(self.adbc_url(), schema, table, data)

    def write_table(self, name: str, table: pa.Table) -> None:
        self.write_arrow(self.schema, name, table.to_reader())

    def release(self) -> None:
        return None  # dbt-postgres closes its connections at the end of each invocation

    def explain(self, message: str) -> str | None:
        """dbt failing to connect (the server went away, the password changed since the
        check before the build) as the same one line as a connection refused up front."""
        if "connection to server" in message and "failed" in message:
            return explain_connect_error(self.address, message)
        return None

    # ---- reading -------------------------------------------------------------------------
    def exists(self) -> bool:
        with self.connect() as con:
            found = con.execute(
                "select to_regclass(%s) is not null",
                (f"{postgres_load.quote(self.schema)}.dim_date",),
            ).fetchone()
        return bool(found and found[0])

    @contextlib.contextmanager
    def reader(self, wait_for_build: bool = False) -> Iterator[MartReader]:
        """A read-only session on the readers' schema, acting as the reader role when this
        user is a member of it (the pipeline's user is): it sees what analysts see."""
        con = self.connect(autocommit=True)
        try:
            con.execute("set default_transaction_read_only = on")
            con.execute("set timezone to 'UTC'")
            con.execute(sql.SQL("set search_path to {}").format(sql.Identifier(self.schema)))
            member = con.execute(
                "select case when exists (select 1 from pg_roles where rolname = %s) "
                "then pg_has_role(current_user, %s, 'MEMBER') else false end",
                (self.reader_role, self.reader_role),
            ).fetchone()
            role = self.reader_role if member and member[0] else None
            if role:
                con.execute(sql.SQL("set role {}").format(sql.Identifier(role)))
            yield PostgresReader(con, self.adbc_url(), self.schema, role)
        except psycopg.OperationalError as exc:
            raise WarehouseError(f"PostgreSQL: {str(exc).strip().splitlines()[0]}") from None
        finally:
            con.close()
