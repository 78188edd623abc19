"""Spark: the warehouse as Parquet tables built by a Spark session (local mode or a
standalone master), for data that outgrows one machine.

The only module (with ``spark_session``) that knows pyspark and dbt-spark. dbt-spark's
session method runs the models in this process's SparkSession; the staging models read the
lake's Parquet files directly (macros/spark.sql), listing only the day folders a windowed
run needs. Layout: database ``cryptopulse`` (dims, facts, marts) and ``cryptopulse_staging``
in the warehouse dir; the catalogue (embedded Derby) and scratch in the work dir. The embedded
catalogue admits one process at a time, and a build holds a lock file, so a second run is
refused with a line naming the holder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, ClassVar

import pyarrow as pa
from pyspark.errors import PySparkException

from cryptopulse.core.settings import Settings, spark_master
from cryptopulse.lake import Lake, layout
from cryptopulse.warehouse.engine import (
    MartReader,
    WarehouseEngine,
    WarehouseError,
    WarehouseUnavailable,
)
from cryptopulse.warehouse.engines import spark_session

SCHEMA = "cryptopulse"
# Table property: where the model put a partitioned table's partition columns (name=index).
PARTITION_POSITIONS = "cryptopulse.partition_positions"
_DAY = re.compile(r"/date=(\d{4}-\d{2}-\d{2})/[^/]*$")


class SparkReader(MartReader):
    """Reads the ``cryptopulse`` database through the session (tables as Spark SQL sees them)."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def tables(self) -> list[str]:
        found = self.session.sql(f"show tables in {SCHEMA}").collect()
        return sorted(str(row["tableName"]) for row in found if not row["isTemporary"])

    def columns(self, table: str) -> list[str]:
        """In the model's order: Spark lists a partition column last, so a partitioned table
        remembers where the model put it (macros/spark.sql, remember_column_order)."""
        name = f"{SCHEMA}.{self.quote(table)}"
        columns = list(self.session.table(name).columns)
        properties = self.session.sql(f"show tblproperties {name}").collect()
        found = {str(row["key"]): str(row["value"]) for row in properties}
        placed = [p.split("=") for p in found.get(PARTITION_POSITIONS, "").split(",") if "=" in p]
        for column, index in sorted(placed, key=lambda item: int(item[1])):
            if column in columns:
                columns.remove(column)
                columns.insert(int(index), column)
        return columns

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._sql(sql).collect()]

    def arrow(self, sql: str, batch_rows: int) -> pa.RecordBatchReader:
        table = self._sql(sql).toArrow()
        return pa.RecordBatchReader.from_batches(
            table.schema, table.to_batches(max_chunksize=batch_rows)
        )

    def _sql(self, sql: str) -> Any:
        self.session.catalog.setCurrentDatabase(SCHEMA)
        return self.session.sql(sql)


class SparkEngine(WarehouseEngine):
    name: ClassVar[str] = "spark"
    label: ClassVar[str] = "Spark"
    dbt_var_names: ClassVar[tuple[str, ...]] = ("spark_lake_days",)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.master = spark_master(settings.warehouse_url)
        self.warehouse_dir = Path(settings.spark_warehouse_dir).expanduser().resolve()
        self.spark_work_dir = Path(settings.spark_work_dir).expanduser().resolve()
        self._held: IO[str] | None = None

    # ---- what people and the run record see ----------------------------------------------
    def location(self) -> str:
        return str(self.warehouse_dir)

    def describe(self) -> str:
        return f"{self.label} {self.master} ({self.warehouse_dir})"

    # ---- dbt -----------------------------------------------------------------------------
    def dbt_target(self) -> str:
        return "spark"

    def dbt_environment(self) -> dict[str, str]:
        return {
            "CRYPTOPULSE_DBT_TARGET": "spark",
            **spark_session.environment_conf(self.settings),
        }

    def dbt_vars(
        self, lake: Lake, datasets: list[str], enrich_versions: Mapping[str, str]
    ) -> dict[str, Any]:
        """The lake's days per dataset (macros/spark.sql reads only the days a window needs,
        and a day list that matches no folder would fail the read)."""
        days: dict[str, list[str]] = {}
        for name in datasets:
            version = enrich_versions.get(name)
            pattern = (
                layout.enrich_glob(name, version)
                if version is not None
                else layout.dataset_glob(layout.RAW, name)
            )
            found = {m[1] for path in lake.glob(pattern) if (m := _DAY.search("/" + path))}
            days[name] = sorted(found)
        return {"spark_lake_days": days}

    def work_dir(self) -> Path:
        return self.spark_work_dir / "dbt"

    # ---- around a build ------------------------------------------------------------------
    def _lock_path(self) -> Path:
        return self.spark_work_dir / "build.lock"

    def _busy_message(self) -> str:
        try:
            holder = self._lock_path().read_text().strip()
        except OSError:
            holder = ""
        by = f" (PID {holder})" if holder else ""
        return (
            f"another cryptopulse run{by} is building the Spark warehouse {self.location()}: "
            "wait for it to finish, then run the same command again"
        )

    def check_writable(self) -> None:
        if self._held is not None:
            return
        with self._try_lock() as got:
            if not got:
                raise WarehouseUnavailable(self._busy_message())

    @contextlib.contextmanager
    def _try_lock(self) -> Iterator[bool]:
        self.spark_work_dir.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path(), "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the build lock (a file lock, freed when the block ends or the process dies);
        WarehouseUnavailable at once if another run holds it."""
        self.spark_work_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self._lock_path(), "a+")  # noqa: SIM115 - held for the block
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WarehouseUnavailable(self._busy_message()) from None
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            self._held = handle
            self.session()  # started here, with our configuration, before dbt asks for it
            yield
        finally:
            self._held = None
            handle.close()  # frees the lock

    def session(self) -> Any:
        """This process's SparkSession for the warehouse (started if need be); a start that
        fails is WarehouseUnavailable, one line."""
        try:
            return spark_session.start(self.settings)
        except PySparkException as exc:
            raise WarehouseUnavailable(self._explain_start(str(exc))) from None
        except Exception as exc:  # py4j and JVM start failures carry no common base
            raise WarehouseUnavailable(self._explain_start(str(exc))) from None

    def _explain_start(self, message: str) -> str:
        explained = self.explain(message)
        if explained is not None:
            return explained
        first = message.strip().splitlines()[0] if message.strip() else "unknown error"
        return f"cannot start Spark ({self.master}): {first}"

    def release(self) -> None:
        # The session stays up for the rest of the process (starting one costs seconds);
        # the lock file, not the session, keeps other runs out.
        return None

    def explain(self, message: str) -> str | None:
        if "Another instance of Derby may have already booted" in message or (
            "metastore_db" in message and "lock" in message.lower()
        ):
            return (
                f"the Spark warehouse's catalogue ({self.spark_work_dir / 'metastore_db'}) is "
                "open in another process (a run, the dashboard, status): the embedded "
                "catalogue admits one process at a time; close it or wait, then run again"
            )
        if "Failed to connect to master" in message or "All masters are unresponsive" in message:
            return (
                f"cannot reach the Spark master {self.master}: is it running there? Check "
                "CRYPTOPULSE_WAREHOUSE_URL"
            )
        return None

    # ---- tables computed outside dbt ------------------------------------------------------
    def write_table(self, name: str, table: pa.Table) -> None:
        """Written beside the old table, then swapped in by renames (readers in this process
        see the old table or the new one; between the two renames, for an instant, none)."""
        session = self.session()
        staged, target = f"{SCHEMA}.`{name}__incoming`", f"{SCHEMA}.`{name}`"
        session.sql(f"create database if not exists {SCHEMA}")
        session.sql(f"drop table if exists {staged}")
        frame = session.createDataFrame(table) if table.num_rows else _empty(session, table)
        frame.write.format("parquet").mode("overwrite").saveAsTable(staged)
        session.sql(f"drop table if exists {target}")
        session.sql(f"alter table {staged} rename to {target}")

    # ---- reading -------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.warehouse_dir / f"{SCHEMA}.db" / "dim_date").is_dir()

    @contextlib.contextmanager
    def reader(self, wait_for_build: bool = False) -> Iterator[MartReader]:
        # wait_for_build: the build holds the session's embedded metastore, which admits one
        # process; a reader in another process is refused in one line (explain) instead.
        session = self.session()
        try:
            yield SparkReader(session)
        except PySparkException as exc:
            raise WarehouseError(f"Spark: {str(exc).strip().splitlines()[0]}") from None


def _empty(session: Any, table: pa.Table) -> Any:
    """An empty DataFrame with ``table``'s columns (createDataFrame infers no types from none)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return session.createDataFrame([], from_arrow_schema(table.schema))
