"""Redshift, as the original project ran: the lake's Parquet is COPY'd from S3 into raw
tables, then dbt-redshift builds the models on them.

The only module that imports redshift_connector (the DB-API driver dbt-redshift ships). The
SQL it runs is built in ``redshift_copy`` (pure, unit-tested). The password comes from
CRYPTOPULSE_REDSHIFT_PASSWORD (the environment, a git-ignored .env, or the Airflow task that
maps the connection into it), never from the URL, and is never printed: the profile reads
it from the process environment, not from ``dbt_environment`` (which Airflow stores).

No Redshift is reachable where this was written: the COPY statements and the compiled
models are checked offline (docs/warehouse.md, "Redshift"); this module's connection,
reader and error handling have not run against a real cluster.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import redshift_connector

from cryptopulse.core.datasets import ENRICH_DATASETS
from cryptopulse.core.errors import UserError
from cryptopulse.core.interval import Interval
from cryptopulse.core.server_url import ServerUrl, parse_server_url
from cryptopulse.core.settings import REDSHIFT_PORT, Settings
from cryptopulse.lake import Lake
from cryptopulse.warehouse.engine import (
    MartReader,
    WarehouseEngine,
    WarehouseError,
    WarehouseUnavailable,
)
from cryptopulse.warehouse.engines import redshift_copy as sql

PASSWORD_VARIABLE = "CRYPTOPULSE_REDSHIFT_PASSWORD"
# The schema dbt builds the models in (profiles.yml, target redshift).
MODEL_SCHEMA = "cryptopulse"
CONNECT_TIMEOUT_SECONDS = 15


class RedshiftReader(MartReader):
    def __init__(self, con: redshift_connector.Connection) -> None:
        self.con = con

    def tables(self) -> list[str]:
        found = (
            "select table_name from information_schema.tables "
            "where table_schema = %s and table_type = 'BASE TABLE' order by table_name"
        )
        return [str(row[0]) for row in self.rows(found, (MODEL_SCHEMA,))]

    def columns(self, table: str) -> list[str]:
        cursor = self.con.cursor()
        cursor.execute(f"select * from {self.quote(MODEL_SCHEMA)}.{self.quote(table)} limit 0")
        return [str(column[0]) for column in cursor.description or []]

    def rows(
        self, sql_text: str, parameters: tuple[Any, ...] | None = None
    ) -> list[tuple[Any, ...]]:
        cursor = self.con.cursor()
        cursor.execute(sql_text, parameters)
        return [tuple(row) for row in cursor.fetchall()]

    def arrow(self, sql_text: str, batch_rows: int) -> pa.RecordBatchReader:
        cursor = self.con.cursor()
        cursor.execute(sql_text)
        names = [str(column[0]) for column in cursor.description or []]
        first = cursor.fetchmany(batch_rows)
        schema = (
            _batch(names, first).schema if first else pa.schema([(n, pa.null()) for n in names])
        )

        def batches() -> Iterator[pa.RecordBatch]:
            rows = first
            while rows:
                yield _batch(names, rows).cast(schema)
                rows = cursor.fetchmany(batch_rows)

        return pa.RecordBatchReader.from_batches(schema, batches())


def _batch(names: list[str], rows: Any) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([dict(zip(names, row, strict=True)) for row in rows])


class RedshiftEngine(WarehouseEngine):
    name: ClassVar[str] = "redshift"
    label: ClassVar[str] = "Redshift"

    def __init__(self, settings: Settings) -> None:
        self.server: ServerUrl = parse_server_url(settings.warehouse_url, REDSHIFT_PORT)
        self.iam_role: str | None = settings.redshift_iam_role
        secret = settings.redshift_password
        self._password = secret.get_secret_value() if secret is not None else None
        self.threads = settings.dbt_threads

    def location(self) -> str:
        return self.server.display()

    # ---- dbt -----------------------------------------------------------------------------
    def dbt_target(self) -> str:
        return "redshift"

    def dbt_environment(self) -> dict[str, str]:
        """The profile's values, without the password (the profile reads it from the
        process environment: see _export_password)."""
        return {
            "CRYPTOPULSE_DBT_TARGET": self.dbt_target(),
            "CRYPTOPULSE_REDSHIFT_HOST": self.server.host,
            "CRYPTOPULSE_REDSHIFT_PORT": str(self.server.port),
            "CRYPTOPULSE_REDSHIFT_USER": self.server.user,
            "CRYPTOPULSE_REDSHIFT_DATABASE": self.server.database,
        }

    def work_dir(self) -> Path:
        return Path.cwd() / "data" / "dbt-redshift"

    # ---- around a build ------------------------------------------------------------------
    def check_writable(self) -> None:
        with self._connect() as con:
            con.cursor().execute("select 1")
        self._export_password()

    def load(
        self,
        lake: Lake,
        datasets: list[str],
        enrich_versions: Mapping[str, str],
        window: Interval | None,
    ) -> None:
        """COPY each landed dataset's files of the window (every file without one) into its
        raw table, replacing the window's days, one transaction per dataset."""
        iam_role = self._copy_role(lake)
        self._export_password()
        with self._connect() as con:
            cursor = con.cursor()
            try:
                cursor.execute(f"create schema if not exists {sql.quote_ident(sql.RAW_SCHEMA)}")
                for dataset in datasets:
                    cursor.execute(sql.create_raw_table(dataset))
                con.commit()
                stale = [
                    dataset
                    for dataset in datasets
                    if dataset in ENRICH_DATASETS
                    and dataset in enrich_versions
                    and _holds_other_rows(
                        cursor,
                        dataset,
                        sql.enrich_prefix(lake.uri(), dataset, enrich_versions[dataset]),
                    )
                ]
                plan = self.load_plan(lake, datasets, enrich_versions, window, iam_role, stale)
                for statements in plan.values():
                    for statement in statements:
                        cursor.execute(statement)
                    con.commit()
            except redshift_connector.Error as exc:
                con.rollback()
                raise WarehouseError(f"Redshift load failed: {_message(exc)}") from exc

    def load_plan(
        self,
        lake: Lake,
        datasets: list[str],
        enrich_versions: Mapping[str, str],
        window: Interval | None,
        iam_role: str,
        stale_versions: Collection[str] = (),
    ) -> dict[str, list[str]]:
        """The statements of a load, per dataset (each list one transaction), from the lake's
        files of the window. An enrich result whose raw table holds another version
        (``stale_versions``) is reloaded whole: the new version's history replaces the old."""
        plan: dict[str, list[str]] = {}
        for dataset in datasets:
            version = enrich_versions.get(dataset) if dataset in ENRICH_DATASETS else None
            if dataset in ENRICH_DATASETS and version is None:
                continue  # no version written: the models read none of it
            prefix = sql.enrich_prefix(lake.uri(), dataset, version) if version else None
            days = None if dataset in stale_versions else window
            patterns = sql.window_globs(dataset, version, days)
            urls = [lake.uri(rel) for pattern in patterns for rel in lake.glob(pattern)]
            files = sql.lake_files(dataset, urls)
            plan[dataset] = sql.load_statements(dataset, files, iam_role, days, prefix)
        return plan

    def _copy_role(self, lake: Lake) -> str:
        """The IAM role COPY uses; UserError when the lake or the role cannot serve COPY."""
        if not lake.is_s3:
            raise UserError(
                "the Redshift warehouse loads the lake with COPY from S3, but "
                f"CRYPTOPULSE_LAKE_URL is a local folder ({lake.url}): give an "
                "s3://bucket/prefix lake the cluster's IAM role can read"
            )
        if not self.iam_role:
            raise UserError(
                "CRYPTOPULSE_REDSHIFT_IAM_ROLE is not set: COPY needs the ARN of an IAM role "
                "the cluster may assume to read the lake's bucket "
                "(arn:aws:iam::ACCOUNT:role/NAME)"
            )
        return self.iam_role

    def write_table(self, name: str, table: pa.Table) -> None:
        create, empty, insert = sql.python_table_statements(MODEL_SCHEMA, name, table.schema)
        with self._connect() as con:
            cursor = con.cursor()
            try:
                cursor.execute(create)
                cursor.execute(empty)
                if table.num_rows:
                    cursor.executemany(insert, [tuple(row.values()) for row in table.to_pylist()])
                con.commit()
            except redshift_connector.Error as exc:
                con.rollback()
                failed = f"storing {name} in Redshift failed: {_message(exc)}"
                raise WarehouseError(failed) from None

    def release(self) -> None:
        return None  # dbt-redshift closes its connections when a command ends

    def explain(self, message: str) -> str | None:
        lowered = message.lower()
        if "password authentication failed" in lowered:
            return (
                f"Redshift refused the password of {self.server.user} at {self.location()}: "
                f"check {PASSWORD_VARIABLE}"
            )
        return None

    # ---- reading -------------------------------------------------------------------------
    def exists(self) -> bool:
        with self.reader() as reader:
            return bool(reader.tables())

    @contextlib.contextmanager
    def reader(self, wait_for_build: bool = False) -> Iterator[MartReader]:
        with self._connect() as con:
            cursor = con.cursor()
            # Export and status name tables unqualified: the session reads the models' schema.
            cursor.execute(f"set search_path to {sql.quote_ident(MODEL_SCHEMA)}")
            try:
                yield RedshiftReader(con)
            except redshift_connector.Error as exc:
                raise WarehouseError(f"Redshift: {_message(exc)}") from exc

    # ---- the connection ------------------------------------------------------------------
    def _export_password(self) -> None:
        """A password read from .env reaches dbt's profile through this process's
        environment (env_var in profiles.yml); never through dbt_environment."""
        if self._password is not None:
            os.environ.setdefault(PASSWORD_VARIABLE, self._password)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[redshift_connector.Connection]:
        if self._password is None:
            raise WarehouseUnavailable(
                f"{PASSWORD_VARIABLE} is not set: the password of {self.server.user} at "
                f"{self.location()} comes from the environment (or the Airflow connection "
                "cryptopulse_warehouse), never from the URL"
            )
        try:
            con = redshift_connector.connect(
                host=self.server.host,
                port=self.server.port,
                user=self.server.user,
                password=self._password,
                database=self.server.database,
                timeout=CONNECT_TIMEOUT_SECONDS,
                application_name="cryptopulse",
            )
        except (redshift_connector.Error, OSError) as exc:
            message = self.explain(str(exc)) or (
                f"cannot connect to the Redshift warehouse {self.location()}: {_message(exc)}"
            )
            raise WarehouseUnavailable(message) from None
        try:
            yield con
        finally:
            con.close()


def _holds_other_rows(cursor: Any, dataset: str, prefix: str) -> bool:
    """Whether the raw table holds rows from files outside ``prefix`` (another version)."""
    cursor.execute(sql.count_other_versions(dataset, prefix))
    found = cursor.fetchone()
    return found is not None and int(found[0]) > 0


def _message(exc: BaseException) -> str:
    """A driver error as one line: redshift_connector puts the server's fields in a dict
    (its 'M' is the message), and a network failure's OS error beside its own words."""
    parts = []
    for arg in exc.args or (exc,):
        if isinstance(arg, dict):
            parts.append(str(arg.get("M", arg)))
        elif isinstance(arg, OSError):
            parts.append(f"({arg.strerror or arg})")
        else:
            parts.append(str(arg))
    return " ".join(" ".join(parts).split())
